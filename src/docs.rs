//! Reading the embedded rule docs (`lints/<id>.md`): summary and tagged SQL examples.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

/// A fenced SQL block tagged `setup`, `bad`, `good` or `fixed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub kind: String,
    pub sql: String,
    /// Extra words in the fence info, such as `pg_version=11`.
    pub options: Vec<String>,
}

impl Example {
    /// The `pg_version=N` option, if any.
    pub fn pg_version(&self) -> Option<u32> {
        self.options
            .iter()
            .find_map(|o| o.strip_prefix("pg_version="))
            .and_then(|v| v.parse().ok())
    }
}

/// The first paragraph after the title.
pub fn summary(doc: &str) -> String {
    let mut in_paragraph = false;
    let mut text = String::new();
    for event in Parser::new(doc) {
        match event {
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) if in_paragraph => break,
            Event::Text(t) if in_paragraph => text.push_str(&t),
            Event::Code(t) if in_paragraph => {
                text.push('`');
                text.push_str(&t);
                text.push('`');
            }
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    text
}

/// All fenced blocks whose info string starts with `sql <kind>`.
pub fn examples(doc: &str) -> Vec<Example> {
    let mut out = vec![];
    let mut current: Option<(String, Vec<String>, String)> = None;
    for event in Parser::new(doc) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let mut words = info.split_whitespace();
                if words.next() == Some("sql") {
                    if let Some(kind) = words.next() {
                        current = Some((
                            kind.to_string(),
                            words.map(str::to_string).collect(),
                            String::new(),
                        ));
                    }
                }
            }
            Event::Text(t) => {
                if let Some((_, _, sql)) = current.as_mut() {
                    sql.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((kind, options, sql)) = current.take() {
                    out.push(Example { kind, sql, options });
                }
            }
            _ => {}
        }
    }
    out
}

/// The `sql setup` block of a doc's examples: the schema its other examples run against.
pub fn setup_of(examples: &[Example]) -> Option<&str> {
    examples
        .iter()
        .find(|e| e.kind == "setup")
        .map(|e| e.sql.as_str())
}

/// The `sql down` block right after example `i`, if any: the down part of that example.
pub fn down_of(examples: &[Example], i: usize) -> Option<&str> {
    examples
        .get(i + 1)
        .filter(|e| e.kind == "down")
        .map(|e| e.sql.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_summary_and_examples() {
        let doc = "# x\n\nDoes `a`\nthings.\n\n## Examples\n\n```sql bad pg_version=11\nSELECT 1;\n```\n\n```sql good\nSELECT 2;\n```\n";
        assert_eq!(summary(doc), "Does `a` things.");
        let ex = examples(doc);
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].kind, "bad");
        assert_eq!(ex[0].pg_version(), Some(11));
        assert_eq!(ex[1].sql, "SELECT 2;\n");
        assert_eq!(setup_of(&ex), None);
        assert_eq!(down_of(&ex, 0), None);
        let doc = "```sql setup\nCREATE TABLE t ();\n```\n```sql bad\nDROP TABLE t;\n```\n```sql down\nCREATE TABLE t ();\n```\n";
        let ex = examples(doc);
        assert_eq!(setup_of(&ex), Some("CREATE TABLE t ();\n"));
        assert_eq!(down_of(&ex, 1), Some("CREATE TABLE t ();\n"));
        assert_eq!(down_of(&ex, 0), None);
    }
}
