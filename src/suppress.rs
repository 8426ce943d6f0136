//! Inline suppressions: `-- pgproof: ignore <rule>[, <rule>] -- <reason>` for the next statement,
//! and `-- pgproof: ignore-file <rule> -- <reason>` for the whole file part. Layout-independent:
//! they are read from the comments of whatever SQL a migration runs.

use crate::span::Span;

#[derive(Debug, Clone)]
pub struct Suppression {
    pub span: Span,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub whole_file: bool,
    /// For statement suppressions: the span of the statement it applies to.
    pub target: Option<Span>,
}

/// Reads suppression comments from `text` given its `--` comment spans and statement spans (in order).
pub fn parse(text: &str, comments: &[Span], statements: &[Span]) -> Vec<Suppression> {
    let mut out = vec![];
    for comment in comments {
        let body = text[comment.start..comment.end]
            .trim_start_matches('-')
            .trim();
        let Some(rest) = body.strip_prefix("pgproof:") else {
            continue;
        };
        let rest = rest.trim();
        let (whole_file, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("ignore") {
            (false, r)
        } else {
            continue;
        };
        let (ids, reason) = match rest.split_once("--") {
            Some((ids, reason)) => (
                ids,
                Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (rest, None),
        };
        let rules: Vec<String> = ids
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let target = if whole_file {
            None
        } else {
            statements.iter().find(|s| s.start >= comment.end).copied()
        };
        out.push(Suppression {
            span: *comment,
            rules,
            reason,
            whole_file,
            target,
        });
    }
    out
}

impl Suppression {
    /// Whether this suppression silences `rule` at `span`.
    pub fn covers(&self, rule: &str, span: Span) -> bool {
        if !self.rules.iter().any(|r| r == rule) {
            return false;
        }
        if self.whole_file {
            return true;
        }
        self.target
            .is_some_and(|t| span.start >= t.start && span.start <= t.end.max(t.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_sql;

    #[test]
    fn reads_rules_reasons_and_targets() {
        let sql = "-- pgproof: ignore-file drop-column -- legacy\nSELECT 1;\n-- pgproof: ignore a, b -- small table\nCREATE INDEX i ON t (x);\n-- pgproof: ignore c\nSELECT 2;";
        let parsed = parse_sql(sql);
        let spans: Vec<Span> = parsed.statements.iter().map(|s| s.span).collect();
        let sups = parse(sql, &parsed.lexed.line_comments, &spans);
        assert_eq!(sups.len(), 3);
        assert!(sups[0].whole_file && sups[0].reason.as_deref() == Some("legacy"));
        assert_eq!(sups[1].rules, vec!["a", "b"]);
        assert_eq!(sups[1].target, Some(spans[1]));
        assert!(sups[1].covers("b", spans[1]) && !sups[1].covers("b", spans[2]));
        assert_eq!(sups[2].reason, None);
    }
}
