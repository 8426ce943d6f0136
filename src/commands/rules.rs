//! `pgproof rules`: the rule list as a table, JSON, or the README's Markdown table.

use super::{emit, Outcome};
use crate::cli::{RulesArgs, RulesFormat};
use crate::rules::RULES;
use anyhow::Result;
use comfy_table::{presets, ContentArrangement, Table};

pub fn run(args: &RulesArgs) -> Result<Outcome> {
    match args.format {
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = RULES
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({"id": m.id, "category": m.category, "severity": m.severity, "fix": m.fix, "summary": m.summary()})
                })
                .collect();
            emit(|out| {
                serde_json::to_writer_pretty(&mut *out, &rules)?;
                writeln!(out)
            })?;
        }
        RulesFormat::Table => {
            let mut table = Table::new();
            table.load_preset(presets::ASCII_MARKDOWN);
            // On a terminal, wrap the summaries to its width.
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_header(vec!["rule", "category", "severity", "fix", "summary"]);
            for r in RULES {
                let m = r.meta();
                let fix = m.fix.name().to_string();
                table.add_row(vec![
                    m.id.to_string(),
                    m.category.name().to_string(),
                    m.severity.name().to_string(),
                    fix,
                    m.summary(),
                ]);
            }
            emit(|out| writeln!(out, "{table}"))?;
        }
        RulesFormat::Markdown => emit(|out| write!(out, "{}", markdown_table()))?,
    }
    Ok(Outcome::Clean)
}

/// The rules table of the README, between its `<!-- rules:start -->` and `<!-- rules:end -->`
/// markers: one row per rule with every column of the registry, each id linked to its doc.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| rule | category | default | fix | summary |\n| --- | --- | --- | --- | --- |\n",
    );
    for r in RULES {
        let m = r.meta();
        out.push_str(&format!(
            "| [`{id}`](lints/{id}.md) | {} | {} | {} | {} |\n",
            m.category.name(),
            m.severity.name(),
            m.fix.name(),
            m.summary().replace('|', "\\|"),
            id = m.id,
        ));
    }
    out
}
