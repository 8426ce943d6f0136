//! `pgproof rules`: the rule list as a table or JSON.

use super::{emit, Outcome};
use crate::cli::{RulesArgs, RulesFormat};
use crate::rules::RULES;
use anyhow::Result;
use comfy_table::{presets, Table};

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
    }
    Ok(Outcome::Clean)
}
