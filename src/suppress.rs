//! Inline suppressions: `-- pgproof: ignore <rule>[, <rule>] -- <reason>` for the next statement,
//! and `-- pgproof: ignore-file <rule> -- <reason>` for the whole file part. Layout-independent:
//! they are read from the comments of whatever SQL a migration runs. [`Suppressions`] keeps a
//! set's suppressions, silences the diagnostics they cover, and reports the suppressions that
//! silenced nothing or give no reason.

use crate::finding::{Anchor, Diagnostic, RuleId};
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

/// The suppressions of one migration set's files, each with its file, and which of its rules
/// silenced something: what the replay filters its diagnostics through.
#[derive(Debug, Default)]
pub struct Suppressions {
    found: Vec<(usize, Suppression)>,
    /// For each suppression, which of its rules silenced something.
    used: Vec<Vec<bool>>,
}

impl Suppressions {
    /// Reads the suppression comments of a part of file `file` (see [`parse`]).
    pub fn read(&mut self, file: usize, text: &str, comments: &[Span], statements: &[Span]) {
        for sup in parse(text, comments, statements) {
            self.used.push(vec![false; sup.rules.len()]);
            self.found.push((file, sup));
        }
    }

    /// Whether a suppression in file `file` silences `rule` at `span`; the first that does counts
    /// as used.
    pub fn silences(&mut self, file: usize, rule: &str, span: Span) -> bool {
        let silenced_by = self.found.iter().enumerate().find_map(|(i, (sfile, sup))| {
            let rule_at = sup.rules.iter().position(|r| r == rule)?;
            (*sfile == file && sup.covers(rule, span)).then_some((i, rule_at))
        });
        match silenced_by {
            Some((i, rule_at)) => {
                self.used[i][rule_at] = true;
                true
            }
            None => false,
        }
    }

    /// What is wrong with the suppressions themselves, once every diagnostic went through
    /// [`Suppressions::silences`]: no reason given, no rule named, a rule that is not one
    /// (`is_rule`), or one that silenced nothing. Each is anchored in its file.
    pub fn problems(&self, is_rule: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
        let mut out = vec![];
        for ((file, sup), used) in self.found.iter().zip(&self.used) {
            let mut report = |diag: Diagnostic| out.push(diag.at(Anchor::File(*file)));
            if sup.reason.is_none() {
                report(Diagnostic::new(RuleId::SUPPRESSION_WITHOUT_REASON, sup.span, "suppression gives no reason")
                    .help("add the reason after `--`: `-- pgproof: ignore <rule> -- <why this is safe here>`"));
            }
            if sup.rules.is_empty() {
                report(
                    Diagnostic::new(
                        RuleId::UNUSED_SUPPRESSION,
                        sup.span,
                        "suppression names no rule",
                    )
                    .help("name the rule to ignore: `-- pgproof: ignore <rule-id> -- <reason>`"),
                );
            }
            for (rule, used) in sup.rules.iter().zip(used) {
                let message = if !is_rule(rule) {
                    format!("`{rule}` is not a pgproof rule, so this suppression does nothing")
                } else if *used {
                    continue;
                } else if !sup.whole_file && sup.target.is_none() {
                    format!("suppression of `{rule}` is not followed by a statement")
                } else {
                    format!("suppression of `{rule}` matches no finding")
                };
                report(
                    Diagnostic::new(RuleId::UNUSED_SUPPRESSION, sup.span, message)
                        .help("remove the comment, or fix the rule id (see `pgproof rules`)"),
                );
            }
        }
        out
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
