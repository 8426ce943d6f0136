//! `pgproof lsp` driven by LSP clients over stdio: a JSON-RPC client written here (framing,
//! requests, notifications), and Neovim's built-in client in headless mode. A migration is opened
//! in a set whose earlier migration is on disk; a hazard typed into it becomes a diagnostic with
//! the code action `pgproof fix` would apply; half-typed SQL is one syntax error in the right
//! place; hovering shows the rule's doc.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(cwd: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pgproof"))
            .arg("lsp")
            .current_dir(cwd)
            .env("PGPROOF_NO_CACHE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = channel();
        std::thread::spawn(move || loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            stdout.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn next(&mut self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers within a minute")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{message}");
                return message["result"].clone();
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = self.next();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

fn history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("db")).unwrap();
    std::fs::write(
        dir.path().join("db/001_accounts.sql"),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("db/002_next.sql"), "SELECT 1;\n").unwrap();
    dir
}

#[test]
fn diagnostics_hover_and_code_actions_through_a_json_rpc_client() {
    let dir = history();
    let file = dir.path().join("db/002_next.sql");
    let uri = format!("file://{}", file.display());
    let mut client = Client::start(dir.path());
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", dir.path().display()), "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], true, "{init}");
    client.notify("initialized", json!({}));
    // The buffer, not the file on disk: a hazard on the table the earlier migration created.
    let text = "-- make email required\nALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
    );
    let diagnostics = client.diagnostics(&uri);
    let scan = diagnostics
        .iter()
        .find(|d| d["code"] == "set-not-null-scan")
        .unwrap_or_else(|| panic!("{diagnostics:#?}"));
    assert_eq!(scan["range"]["start"], json!({"line": 1, "character": 0}));
    assert_eq!(scan["severity"], 2);
    assert!(scan["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("lints/set-not-null-scan.md"));
    // Hover: the rule's doc.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 5}}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .starts_with("# "),
        "{hover}"
    );
    // The code action is `pgproof fix`'s edit of the statement.
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": scan["range"],
            "context": {"diagnostics": [scan]},
        }),
    );
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("set-not-null-scan"))
        .unwrap_or_else(|| panic!("{actions:#}"));
    let edit = &action["edit"]["changes"][&uri][0];
    assert_eq!(edit["range"]["start"], json!({"line": 1, "character": 0}));
    assert!(
        edit["newText"]
            .as_str()
            .unwrap()
            .starts_with("ALTER TABLE accounts ADD CONSTRAINT accounts_email_not_null CHECK (email IS NOT NULL) NOT VALID;"),
        "{edit}"
    );
    // Half-typed SQL: one syntax error where it is, and the statements before it still linted.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\nALTER TABL accounts\n"}],
        }),
    );
    let diagnostics = client.diagnostics(&uri);
    let errors: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "syntax-error")
        .collect();
    assert_eq!(errors.len(), 1, "{diagnostics:#?}");
    assert_eq!(
        errors[0]["range"]["start"],
        json!({"line": 1, "character": 6})
    );
    assert!(
        diagnostics
            .iter()
            .any(|d| d["code"] == "set-not-null-scan" && d["range"]["start"]["line"] == 0),
        "{diagnostics:#?}"
    );
    // Any text at all: every fixture of the repository (the fuzzer's seeds and its regressions)
    // whole and cut in the middle, as if half typed: diagnostics each time, never a crash.
    let mut texts: Vec<String> = [
        "\u{0}\u{1}$$",
        "'unterminated",
        "/* open comment",
        "\\",
        ";;;;",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-fixtures");
    for entry in walkdir::WalkDir::new(fixtures)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_none_or(|x| x != "sql") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
        let mut half = text.len() / 2;
        while !text.is_char_boundary(half) {
            half -= 1;
        }
        texts.push(text[..half].to_string());
        texts.push(text);
    }
    assert!(texts.len() > 100, "{} texts", texts.len());
    for (version, text) in texts.iter().enumerate() {
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version + 3},
                "contentChanges": [{"text": text}],
            }),
        );
        client.diagnostics(&uri);
    }
    // Still answering.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.is_null() || hover["contents"].is_object(), "{hover}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "SELECT 1;\n",
        "the file on disk is never written"
    );
    // A query file of the application is checked against the schema the migrations build.
    let queries = dir.path().join("queries");
    std::fs::create_dir(&queries).unwrap();
    std::fs::write(
        dir.path().join("pgproof.toml"),
        "migrations = \"db\"\nqueries = [\"queries\"]\n",
    )
    .unwrap();
    let query_file = queries.join("accounts.sql");
    std::fs::write(
        &query_file,
        "-- name: Accounts :many\nSELECT id FROM accounts;\n",
    )
    .unwrap();
    let query_uri = format!("file://{}", query_file.display());
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": query_uri, "languageId": "sql", "version": 1,
            "text": "-- name: Accounts :many\nSELECT id, nickname FROM accounts;\n"}}),
    );
    let diagnostics = client.diagnostics(&query_uri);
    assert!(
        diagnostics.iter().any(|d| d["range"]["start"]["line"] == 1
            && d["message"].as_str().unwrap().contains("nickname")),
        "{diagnostics:#?}"
    );
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap();
    assert!(status.success());
}

/// Neovim's own LSP client (headless) attaches the server to a migration; a hazard typed into
/// the buffer becomes a diagnostic, and the code action the server offers for it carries the
/// fix's edit. The Lua script writes what Neovim saw to a file the test reads.
#[test]
fn neovims_client_shows_the_diagnostic_and_the_code_action_of_a_typed_hazard() {
    let nvim = Command::new("nvim").arg("--version").output();
    assert!(
        nvim.is_ok_and(|o| o.status.success()),
        "nvim is not installed: scripts/install-prereqs.sh installs it"
    );
    let dir = history();
    let file = dir.path().join("db/002_next.sql");
    let out = dir.path().join("seen.json");
    let script = dir.path().join("test.lua");
    std::fs::write(
        &script,
        format!(
            r#"
local client = vim.lsp.start_client({{
  cmd = {{ "{bin}", "lsp" }},
  root_dir = "{root}",
  flags = {{ debounce_text_changes = 0 }},
}})
vim.cmd("edit {file}")
local buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buf, client)
vim.wait(30000, function() return vim.lsp.buf_is_attached(buf, client) end, 20)
-- Type the hazard over the file's `SELECT 1;`.
vim.api.nvim_buf_set_lines(buf, 0, -1, false, {{ "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;" }})
local function scan()
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == "set-not-null-scan" then return d end
  end
end
vim.wait(30000, function() return scan() ~= nil end, 20)
local seen = {{ diagnostics = {{}}, edits = {{}} }}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(seen.diagnostics, {{ code = d.code, line = d.lnum, source = d.source }})
end
local d = scan()
if d then
  local params = {{
    textDocument = {{ uri = vim.uri_from_bufnr(buf) }},
    range = {{ start = {{ line = d.lnum, character = d.col }}, ["end"] = {{ line = d.end_lnum, character = d.end_col }} }},
    context = {{ diagnostics = {{}} }},
  }}
  local answers = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 30000) or {{}}
  for _, answer in pairs(answers) do
    for _, action in ipairs(answer.result or {{}}) do
      for _, edits in pairs(action.edit.changes) do
        for _, edit in ipairs(edits) do
          table.insert(seen.edits, {{ title = action.title, text = edit.newText }})
        end
      end
    end
  end
end
local f = io.open("{out}", "w")
f:write(vim.fn.json_encode(seen))
f:close()
vim.cmd("qa!")
"#,
            bin = env!("CARGO_BIN_EXE_pgproof"),
            root = dir.path().display(),
            file = file.display(),
            out = out.display(),
        ),
    )
    .unwrap();
    let run = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(dir.path())
        .env("PGPROOF_NO_CACHE", "1")
        .output()
        .unwrap();
    let seen = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "nvim wrote nothing: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let seen: Value = serde_json::from_str(&seen).unwrap();
    assert!(
        seen["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "set-not-null-scan"
                && d["line"] == 0
                && d["source"] == "pgproof"),
        "{seen}"
    );
    assert!(
        seen["edits"].as_array().unwrap().iter().any(|e| e["title"]
            .as_str()
            .unwrap()
            .contains("set-not-null-scan")
            && e["text"]
                .as_str()
                .unwrap()
                .contains("CHECK (email IS NOT NULL) NOT VALID")),
        "{seen}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "SELECT 1;\n",
        "nothing was saved"
    );
}
