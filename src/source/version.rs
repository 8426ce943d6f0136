//! Migration versions: digit groups compared numerically (V10 after V9, 2 after 1).

use std::cmp::Ordering;
use std::fmt;

/// A version as a list of digit groups, compared group by group as numbers of any length.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(pub Vec<String>);

impl Version {
    pub fn parse_groups(text: &str, separators: &[char]) -> Option<Version> {
        let groups: Vec<String> = text
            .split(|c| separators.contains(&c))
            .map(|g| g.trim_start_matches('0').to_string())
            .collect();
        let ok = text
            .split(|c| separators.contains(&c))
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
        ok.then_some(Version(groups))
    }

    /// The leading version of a name: digit groups joined by single `-`, `.` or `_` separators, each
    /// followed by a digit. `20090402-1_fix` -> [20090402, 1]; `001_init` -> [1]. Returns the rest of the name too.
    ///
    /// A version written as an ISO date (`2019-09-18-233204`, diesel's format) is one timestamp:
    /// its dashes are dropped, so it sorts among compact ones (`20170308140537`) by time.
    pub fn leading(name: &str) -> Option<(Version, &str)> {
        let raw = Version::leading_raw(name)?;
        let version = if is_iso_date(raw) {
            Version::parse_groups(&raw.replace('-', ""), &['.', '_'])?
        } else {
            Version::parse_groups(raw, &['-', '.', '_'])?
        };
        let rest = name[raw.len()..].trim_start_matches(['-', '_', '.']);
        Some((version, rest))
    }

    /// The version prefix exactly as written (`0001`, `20090402-1`).
    pub fn leading_raw(name: &str) -> Option<&str> {
        let bytes = name.as_bytes();
        if !bytes.first().is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let mut end = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                i += 1;
                end = i;
            } else if matches!(bytes[i], b'-' | b'.' | b'_')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            {
                i += 1;
            } else {
                break;
            }
        }
        Some(&name[..end])
    }
}

/// `YYYY-MM-DD...`: four digits, dash, two digits, dash, two digits.
fn is_iso_date(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.0.iter().zip(&other.0) {
            let ord = a.len().cmp(&b.len()).then_with(|| a.cmp(b));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<&str> = self
            .0
            .iter()
            .map(|g| if g.is_empty() { "0" } else { g.as_str() })
            .collect();
        write!(f, "{}", shown.join("."))
    }
}

/// Natural order for names without versions: digit runs compare as numbers.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let nx = x.iter().take_while(|b| b.is_ascii_digit()).count();
                let ny = y.iter().take_while(|b| b.is_ascii_digit()).count();
                let dx = std::str::from_utf8(&x[..nx])
                    .unwrap_or("")
                    .trim_start_matches('0');
                let dy = std::str::from_utf8(&y[..ny])
                    .unwrap_or("")
                    .trim_start_matches('0');
                let ord = dx.len().cmp(&dy.len()).then_with(|| dx.cmp(dy));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[nx..];
                y = &y[ny..];
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return p.cmp(q);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_order() {
        let v = |s: &str| Version::leading(s).unwrap().0;
        assert!(v("10_x") > v("9_x"));
        assert!(v("2_x") > v("1_x"));
        assert!(v("0002_x") == v("2_y"));
        assert!(v("2014-11-23-212047_a") < v("2014-11-24-000000_a"));
        assert!(v("20090402-1") < v("20090402-2"));
        assert!(v("20090402-10") < v("20090403-1"));
        // diesel mixes compact and dashed timestamps in one directory.
        assert!(v("20170308140537_a") < v("2019-09-18-233204_b"));
        assert!(v("2019-09-18-233204_b") < v("20200101000000_c"));
        assert!(v("123456789012345678901234567890_huge") > v("99_small"));
        assert_eq!(Version::leading("001_init").unwrap().1, "init");
        assert!(Version::leading("init").is_none());
        assert_eq!(
            Version::parse_groups("1_10", &['.', '_'])
                .unwrap()
                .to_string(),
            "1.10"
        );
    }

    #[test]
    fn natural_order() {
        let mut names = vec!["b10.sql", "b9.sql", "a.sql"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, vec!["a.sql", "b9.sql", "b10.sql"]);
    }
}
