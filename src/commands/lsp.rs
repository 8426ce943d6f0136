//! `pgproof lsp`: a Language Server on stdio. An open migration is linted as it is typed, in
//! place of its file in its migration set (the migrations before it replayed from disk, through
//! the replay cache as for pre-commit), exactly as `pgproof lint --stdin-filename <file> -` would:
//! its findings are the buffer's diagnostics; hovering a diagnostic shows its rule's doc; each
//! fix that `pgproof fix` can write is a code action with the same edit.
//!
//! Messages are framed by `lsp-server`; their bodies are read and built as JSON. Positions are
//! UTF-16 code units (LSP's default). A request that fails, or a lint that panics, is answered
//! with an error or no diagnostics: the server never exits on a buffer's content.

use super::Outcome;
use crate::finding::{Applicability, Finding, Severity};
use anyhow::{Context, Result};
use lsp_server::{Connection, Message, Notification, Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub fn run() -> Result<Outcome> {
    let (connection, io_threads) = Connection::stdio();
    let capabilities = json!({
        "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
        "hoverProvider": true,
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
    });
    let (id, _params) = connection
        .initialize_start()
        .context("the LSP client did not initialize")?;
    connection
        .initialize_finish(
            id,
            json!({
                "capabilities": capabilities,
                "serverInfo": {"name": "pgproof", "version": crate::cli::VERSION},
            }),
        )
        .context("the LSP client did not finish initializing")?;
    let mut server = Server::default();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    break;
                }
                let response = server.request(request);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                for out in server.notification(notification) {
                    connection.sender.send(Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    io_threads.join()?;
    Ok(Outcome::Clean)
}

/// The open documents and what the last lint of each found.
#[derive(Default)]
struct Server {
    documents: HashMap<String, Document>,
}

struct Document {
    text: String,
    /// The findings of the last lint of `text` in this file.
    findings: Vec<Finding>,
}

impl Server {
    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        let params = &n.params;
        let uri = params["textDocument"]["uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let text = match n.method.as_str() {
            "textDocument/didOpen" => params["textDocument"]["text"].as_str().map(str::to_string),
            // Full sync: the last change holds the whole text.
            "textDocument/didChange" => params["contentChanges"]
                .as_array()
                .and_then(|c| c.last())
                .and_then(|c| c["text"].as_str())
                .map(str::to_string),
            "textDocument/didSave" => self.documents.get(&uri).map(|d| d.text.clone()),
            "textDocument/didClose" => {
                self.documents.remove(&uri);
                return vec![publish(&uri, vec![])];
            }
            _ => None,
        };
        let (Some(text), Some(path)) = (text, file_path(&uri)) else {
            return vec![];
        };
        let findings = lint_buffer(&path, &text);
        let diagnostics = findings.iter().map(|f| diagnostic(f, &text)).collect();
        self.documents
            .insert(uri.clone(), Document { text, findings });
        vec![publish(&uri, diagnostics)]
    }

    fn request(&mut self, r: Request) -> Response {
        let uri = r.params["textDocument"]["uri"].as_str().unwrap_or_default();
        let Some(doc) = self.documents.get(uri) else {
            return Response::new_ok(r.id, Value::Null);
        };
        let result = match r.method.as_str() {
            "textDocument/hover" => hover(doc, &r.params["position"]),
            "textDocument/codeAction" => code_actions(uri, doc, &r.params["range"]),
            _ => {
                return Response::new_err(
                    r.id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("pgproof does not answer `{}`", r.method),
                )
            }
        };
        Response::new_ok(r.id, result)
    }
}

/// Lints `text` as the content of `path`: in its migration set when the file is on disk, alone
/// otherwise. Any failure (a bad config, a panic on strange input) gives no findings.
fn lint_buffer(path: &Path, text: &str) -> Vec<Finding> {
    let linted = std::panic::catch_unwind(|| super::lint::lint_text_at(path, text.to_string()));
    match linted {
        Ok(Ok(findings)) => findings,
        Ok(Err(err)) => {
            eprintln!("pgproof lsp: {}: {err:#}", path.display());
            vec![]
        }
        Err(_) => {
            eprintln!("pgproof lsp: {}: the lint panicked", path.display());
            vec![]
        }
    }
}

fn publish(uri: &str, diagnostics: Vec<Value>) -> Notification {
    Notification::new(
        "textDocument/publishDiagnostics".to_string(),
        json!({"uri": uri, "diagnostics": diagnostics}),
    )
}

/// The file a `file://` URI names (percent-escapes decoded).
fn file_path(uri: &str) -> Option<PathBuf> {
    let path = percent_encoding::percent_decode_str(uri.strip_prefix("file://")?)
        .decode_utf8()
        .ok()?;
    Some(PathBuf::from(path.as_ref()))
}

/// A finding as an LSP diagnostic: its span's range, severity, rule (with its doc's address),
/// message and help.
fn diagnostic(f: &Finding, text: &str) -> Value {
    let severity = match f.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    };
    let mut message = f.message.clone();
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    json!({
        "range": range(text, f.span.start, f.span.end),
        "severity": severity,
        "code": f.rule.as_str(),
        "codeDescription": {"href": crate::report::sarif::help_uri(&f.rule)},
        "source": "pgproof",
        "message": message,
    })
}

/// The rule's doc for the diagnostic under the cursor.
fn hover(doc: &Document, position: &Value) -> Value {
    let Some(at) = offset(&doc.text, position) else {
        return Value::Null;
    };
    let Some(f) = doc
        .findings
        .iter()
        .find(|f| f.span.start <= at && at <= f.span.end.max(f.span.start + 1))
    else {
        return Value::Null;
    };
    let Some(rule) = crate::rules::find(&f.rule) else {
        return Value::Null;
    };
    json!({
        "contents": {"kind": "markdown", "value": rule.meta().doc},
        "range": range(&doc.text, f.span.start, f.span.end),
    })
}

/// Code actions for the findings in `selected` whose fix `pgproof fix` would write: the same
/// edit, safe fixes preferred.
fn code_actions(uri: &str, doc: &Document, selected: &Value) -> Value {
    let start = offset(&doc.text, &selected["start"]).unwrap_or(0);
    let end = offset(&doc.text, &selected["end"]).unwrap_or(doc.text.len());
    let statements = crate::fix::Statements::of(&doc.text);
    let mut actions = vec![];
    for f in &doc.findings {
        if f.span.start > end || f.span.end.max(f.span.start + 1) < start {
            continue;
        }
        let Some(fix) = &f.fix else { continue };
        if fix.applicability == Applicability::DisplayOnly {
            continue;
        }
        let Some(edit) = crate::fix::replacement(&doc.text, &statements, f)
            .or_else(|| crate::fix::prelude(&doc.text, &statements, f))
        else {
            continue;
        };
        let new_text = crate::fix::fitted(&doc.text, &edit);
        let safe = fix.applicability == Applicability::Safe;
        actions.push(json!({
            "title": format!(
                "pgproof: apply the {} fix for {}",
                fix.applicability.name(),
                f.rule
            ),
            "kind": "quickfix",
            "isPreferred": safe,
            "diagnostics": [diagnostic(f, &doc.text)],
            "edit": {"changes": {uri: [{
                "range": range(&doc.text, edit.start, edit.end),
                "newText": new_text,
            }]}},
        }));
    }
    Value::Array(actions)
}

/// The LSP range of bytes `start..end` of `text`.
fn range(text: &str, start: usize, end: usize) -> Value {
    json!({"start": position(text, start), "end": position(text, end.max(start))})
}

/// The LSP position (line, UTF-16 column) of byte `at` of `text`.
fn position(text: &str, at: usize) -> Value {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": character})
}

/// The byte offset of an LSP position in `text` (clamped to its line's end).
fn offset(text: &str, position: &Value) -> Option<usize> {
    let line = usize::try_from(position["line"].as_u64()?).ok()?;
    let character = usize::try_from(position["character"].as_u64()?).ok()?;
    let mut line_start = 0;
    for _ in 0..line {
        line_start += text[line_start..].find('\n')? + 1;
    }
    let mut units = 0;
    for (i, c) in text[line_start..].char_indices() {
        if units >= character || c == '\n' {
            return Some(line_start + i);
        }
        units += c.len_utf16();
    }
    Some(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "a\n\u{1F600}b;\n";
        let b = text.find('b').unwrap();
        assert_eq!(position(text, b), json!({"line": 1, "character": 2}));
        assert_eq!(offset(text, &position(text, b)), Some(b));
        assert_eq!(
            file_path("file:///tmp/a%20b.sql"),
            Some(PathBuf::from("/tmp/a b.sql"))
        );
    }
}
