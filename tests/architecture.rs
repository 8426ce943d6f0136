//! The invariants of issue 18 that can be read off the source text: which modules may name which
//! (data flows one way, from the command line down to a pure core), and how long a file may grow.
//! Each failure names the file, the line and the rule it breaks.
//!
//! Imports are found by reading `src/` as text, with comments and string literals blanked: every
//! `crate::<module>` path, including each top-level name of a `crate::{...}` group.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The longest a `.rs` file in `src/` may be, in lines.
const MAX_LINES: usize = 800;

/// Files that may stay over [`MAX_LINES`], each with the reason.
const LONG_FILES: &[(&str, &str)] = &[];

/// PENDING: what still breaks a rule today, as `(file, rule, what is left)`: known debt, named so
/// it is not forgotten. An entry that no longer breaks its rule fails this test too, so the list
/// cannot go stale.
const PENDING: &[(&str, &str, &str)] = &[];

/// A rule about which modules a file may name.
struct ImportRule {
    id: &'static str,
    /// Top-level modules that may not be named (`crate::<module>`).
    modules: &'static [&'static str],
    /// Whether the rule applies to a file (its path from the package root, with `/`).
    applies: fn(&str) -> bool,
    why: &'static str,
}

fn under(path: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| path.starts_with(p))
}

const IMPORT_RULES: &[ImportRule] = &[
    ImportRule {
        id: "no-commands-below-commands",
        modules: &["commands"],
        applies: |path| !(path == "src/main.rs" || path.starts_with("src/commands/")),
        why: "only main.rs and commands/ may use the commands: they call the layers below, never the reverse",
    },
    ImportRule {
        id: "no-cli-below-commands",
        modules: &["cli"],
        applies: |path| {
            !(path == "src/cli.rs" || path == "src/main.rs" || path.starts_with("src/commands/"))
        },
        why: "clap types stay in cli.rs; commands/ maps them onto the types of the layers below",
    },
    ImportRule {
        id: "no-report-in-rules",
        modules: &["report"],
        applies: |path| path.starts_with("src/rules/"),
        why: "rules produce findings; formatting them is report/'s job (shared helpers go to text.rs)",
    },
    ImportRule {
        id: "pure-core-does-no-io",
        modules: &["prove", "live", "sandbox", "commands"],
        applies: |path| {
            under(
                path,
                &["src/rules/", "src/catalog/", "src/syntax", "src/queries/"],
            )
        },
        why: "rules, catalog, syntax and queries are the pure core: no servers, databases or commands",
    },
];

#[test]
fn imports_flow_one_way_and_files_stay_short() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    rust_files(&root.join("src"), &mut files);
    assert!(
        files.len() > 50,
        "found only {} files under src/",
        files.len()
    );
    // (file, rule, message)
    let mut broken: Vec<(String, &str, String)> = vec![];
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let path = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let lines = text.lines().count();
        if lines > MAX_LINES && !LONG_FILES.iter().any(|(f, _)| *f == path) {
            broken.push((
                path.clone(),
                "file-size",
                format!(
                    "{path}: {lines} lines, over {MAX_LINES} (rule file-size: split it by what it does, or list it in LONG_FILES with a reason)"
                ),
            ));
        }
        for (line, module) in crate_paths(&text) {
            for rule in IMPORT_RULES {
                if (rule.applies)(&path) && rule.modules.contains(&module.as_str()) {
                    broken.push((
                        path.clone(),
                        rule.id,
                        format!(
                            "{path}:{line}: names `crate::{module}` (rule {}: {})",
                            rule.id, rule.why
                        ),
                    ));
                }
            }
        }
    }
    let mut report = String::new();
    for (file, rule, message) in &broken {
        if !PENDING.iter().any(|(f, r, _)| f == file && r == rule) {
            writeln!(report, "{message}").unwrap();
        }
    }
    for (file, rule, who) in PENDING {
        if !broken.iter().any(|(f, r, _)| f == file && r == rule) {
            writeln!(
                report,
                "{file}: no longer breaks rule {rule} ({who}): remove it from PENDING in tests/architecture.rs"
            )
            .unwrap();
        }
    }
    for (file, _) in LONG_FILES {
        assert!(
            root.join(file).is_file(),
            "{file} is in LONG_FILES but does not exist"
        );
    }
    assert!(report.is_empty(), "architecture rules broken:\n{report}");
}

/// Every `.rs` file under `dir`, in a stable order.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules named by `crate::` paths in Rust source, with their 1-based lines.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let code = code_only(text);
    let bytes = code.as_bytes();
    let mut found = vec![];
    let mut at = 0;
    while let Some(offset) = code[at..].find("crate::") {
        let start = at + offset;
        at = start + "crate::".len();
        let glued = start > 0 && {
            let before = bytes[start - 1];
            before.is_ascii_alphanumeric() || before == b'_'
        };
        if glued {
            continue;
        }
        let rest = code[at..].trim_start();
        let mut pos = code.len() - rest.len();
        if rest.starts_with('{') {
            // A group: the first name of each item at its top level.
            let mut depth = 0;
            let mut expect_name = true;
            while pos < code.len() {
                let c = bytes[pos];
                match c {
                    b'{' => {
                        depth += 1;
                        expect_name = depth == 1;
                    }
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b',' if depth == 1 => expect_name = true,
                    c if expect_name && depth == 1 && (c.is_ascii_alphabetic() || c == b'_') => {
                        let name = ident_at(&code, pos);
                        found.push((line_of(&code, pos), name.to_string()));
                        pos += name.len();
                        expect_name = false;
                        continue;
                    }
                    _ => {}
                }
                pos += 1;
            }
        } else {
            let name = ident_at(&code, pos);
            if !name.is_empty() {
                found.push((line_of(&code, pos), name.to_string()));
            }
        }
    }
    found
}

/// Whether the `r` at `i` starts a raw string (`r"`, `br"`), not the end of an identifier.
fn starts_literal(chars: &[char], i: usize) -> bool {
    let word = |k: usize| chars[k].is_alphanumeric() || chars[k] == '_';
    match i {
        0 => true,
        _ if chars[i - 1] == 'b' => i == 1 || !word(i - 2),
        _ => !word(i - 1),
    }
}

fn ident_at(code: &str, pos: usize) -> &str {
    let rest = &code[pos..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

fn line_of(code: &str, pos: usize) -> usize {
    code[..pos].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The source with comments, string and character literals replaced by spaces (newlines kept,
/// so lines still count).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"' | '#')) && starts_literal(&chars, i) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            let body_start = j + 1;
            let tail: String = chars[body_start..].iter().collect();
            let body_len = tail
                .find(&close)
                .map_or(chars.len() - body_start, |b| tail[..b].chars().count());
            let end = (body_start + body_len + close.chars().count()).min(chars.len());
            for &k in &chars[i..end] {
                out.push(blank(k));
            }
            i = end;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            if i < chars.len() {
                out.push(' ');
                i += 1;
            }
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\'', '\\', '\n', '\u{..}'.
            let close = chars[i + 2..]
                .iter()
                .skip(1)
                .position(|&k| k == '\'')
                .map_or(chars.len(), |p| i + 3 + p + 1);
            for _ in i..close.min(chars.len()) {
                out.push(' ');
            }
            i = close;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            // A character literal such as '"' (a lifetime has no closing quote).
            out.push_str("   ");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[test]
fn the_scanner_finds_paths_and_groups_and_skips_comments_and_strings() {
    let text = r##"use crate::cli::ProveFormat;
use crate::{
    report::{self, human},
    source,
};
// use crate::commands;
/* crate::live */ let s = "crate::prove"; let r = r#"crate::sandbox "quoted""#;
let c = '"'; let e = '\''; fn f<'a>(x: &'a str) { crate::live::connect(x) }
let y = $crate::catalog::Catalog::default(); let z = notcrate::rules::x;
"##;
    let found = crate_paths(text);
    let names: Vec<(usize, &str)> = found.iter().map(|(l, m)| (*l, m.as_str())).collect();
    assert_eq!(
        names,
        vec![
            (1, "cli"),
            (3, "report"),
            (4, "source"),
            (8, "live"),
            (9, "catalog"),
        ]
    );
    assert_eq!(code_only(text).lines().count(), text.lines().count());
}

/// The command-line parser stays at the edge: only `cli.rs`, `main.rs` and `commands/` name
/// `clap` (the formats, backends and levels below them are plain enums that `cli.rs` maps to).
#[test]
fn only_the_command_line_names_clap() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    rust_files(&root.join("src"), &mut files);
    let mut broken = vec![];
    for file in files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "src/cli.rs" || rel == "src/main.rs" || rel.starts_with("src/commands/") {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        if let Some(pos) = code.find("clap::") {
            broken.push(format!("{rel}:{}: names `clap`", line_of(&code, pos)));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
