#!/usr/bin/env python3
"""The editor case: how long `pgproof lsp` takes from a change of the buffer to its diagnostics,
for the last migration of a long history (scripts/gen-history.py), with the replay cache warm
(the state before the file, written by the first lint of the buffer).

usage: bench/lsp.py [PGPROOF_BINARY] [MIGRATIONS]
       (default: target/release/pgproof, 1000 migrations; 30 changes after 3 warm-up ones)
Prints the median and the 90th percentile of the change-to-diagnostics time in milliseconds.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/pgproof")
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
work = tempfile.mkdtemp(prefix="pgproof-lsp-bench.")
cache = os.path.join(work, "cache")
try:
    history = os.path.join(work, "db")
    subprocess.run([os.path.join(root, "scripts/gen-history.py"), str(count), history], check=True,
                   stdout=subprocess.DEVNULL)
    last = os.path.join(history, sorted(os.listdir(history))[-1])
    text = open(last).read()
    env = dict(os.environ, PGPROOF_CACHE_DIR=cache)
    env.pop("PGPROOF_NO_CACHE", None)
    server = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env=env, cwd=work)

    def send(message):
        body = json.dumps(message).encode()
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server.stdin.flush()

    def receive():
        length = 0
        while True:
            line = server.stdout.readline()
            if not line:
                sys.exit("the server exited")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(server.stdout.read(length))

    def diagnostics():
        while True:
            message = receive()
            if message.get("method") == "textDocument/publishDiagnostics":
                return message["params"]["diagnostics"]

    uri = "file://" + last
    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"processId": None, "rootUri": "file://" + work, "capabilities": {}}})
    while receive().get("id") != 1:
        pass
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    started = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
          "params": {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}})
    found = diagnostics()
    first = (time.perf_counter() - started) * 1000
    times = []
    for version in range(2, 36):
        # A keystroke: a comment that changes on every edit, so nothing is answered from before.
        changed = f"-- edit {version}\n{text}"
        started = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didChange",
              "params": {"textDocument": {"uri": uri, "version": version},
                         "contentChanges": [{"text": changed}]}})
        diagnostics()
        if version > 4:
            times.append((time.perf_counter() - started) * 1000)
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    server.wait(timeout=30)
    times.sort()
    print(f"{count} migrations, last file {os.path.basename(last)}: {len(found)} diagnostics")
    print(f"open (cold cache): {first:.1f} ms")
    print(f"change -> diagnostics, warm cache: median {statistics.median(times):.1f} ms, "
          f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms over {len(times)} changes")
finally:
    shutil.rmtree(work, ignore_errors=True)
