#!/usr/bin/env python3
"""Executed ground truth for `down-does-not-reverse`, and pgproof's precision and recall against it.

For each up/down history given (diesel `<ver>_name/{up,down}.sql`, sqlx and golang-migrate
`<ver>_name.{up,down}.sql`), a private throwaway PostgreSQL cluster (Unix socket in a 0700
directory, no TCP, removed on exit) replays every migration in order:

    dump S0, apply up, apply down, dump S0', apply up again

and classifies the pair:

    reverses      normalised S0 == S0'
    column-order  equal once the columns of each table are sorted (order alone differs)
    layout-only   equal once whitespace is collapsed too (a function body laid out differently)
    differs       S0 != S0' (the down part does not reverse the up part)
    down-fails    the down part raises an error (counted as not reversing)
    reup-fails    down ran but up fails on its result (counted as not reversing; history stops)

An empty (or comment-only) down part is executed (so the history goes on) but not scored: pgproof
treats it as no down part, and another rule covers migrations without one.
A history stops at the first migration whose up part fails (recorded). Each part runs in one
transaction (as diesel and sqlx do), or outside one when it cannot run inside a transaction.

Then `pgproof lint --format json` runs on each history; a warning of rule `down-does-not-reverse`
on the down file counts as "flagged" (an info finding is reported separately):

    precision = flagged and not reversing / flagged
    recall    = flagged and not reversing / not reversing

("column-order" and "layout-only" count as reversing: PostgreSQL behaves the same.)

usage: bench/reversibility.py [--pgproof target/release/pgproof] [--json OUT] HISTORY...
needs: PostgreSQL server binaries (initdb, pg_ctl, postgres), psql and pg_dump on PATH; run as
root (the cluster runs as the `postgres` user) or as a non-root user.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = os.geteuid() == 0


def as_pg(args, **kw):
    """Runs a command as the cluster's owner."""
    if ROOT:
        args = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] + args
    return subprocess.run(args, capture_output=True, text=True, **kw)


class Cluster:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="pgproof-rev-"))
        os.chmod(self.dir, 0o700)
        if ROOT:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        r = as_pg(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        if r.returncode:
            raise SystemExit(f"initdb failed: {r.stderr}")
        r = as_pg([
            "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "start",
            "-o", f"-c listen_addresses='' -k {self.dir} -c fsync=off -c synchronous_commit=off",
        ])
        if r.returncode:
            raise SystemExit(f"pg_ctl start failed: {r.stderr}")

    def stop(self):
        as_pg(["pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, db, *args, stdin=None):
        return as_pg(["psql", "-X", "-q", "-h", str(self.dir), "-U", "postgres", "-d", db,
                      "-v", "ON_ERROR_STOP=1", *args], input=stdin)

    def run_file(self, db, path):
        """Runs a migration part in one transaction, or outside one if it cannot run inside."""
        sql = Path(path).read_text()
        r = self.psql(db, "--single-transaction", stdin=sql)
        if r.returncode and "cannot run inside a transaction block" in r.stderr:
            r = self.psql(db, stdin=sql)
        return r

    def dump(self, db):
        r = as_pg(["pg_dump", "--schema-only", "--no-owner", "--no-privileges",
                   "-h", str(self.dir), "-U", "postgres", db])
        if r.returncode:
            raise SystemExit(f"pg_dump failed: {r.stderr}")
        return r.stdout


def statements(dump):
    """The dump's objects (pg_dump starts each with a `-- Name:` comment; a function body may hold
    `;` at a line end), comments, settings and `\\restrict` lines dropped, in a canonical order."""
    chunks, current = [], []
    for line in dump.splitlines():
        if line.startswith("-- Name:"):
            chunks.append(current)
            current = []
        # `\restrict` lines (pg_dump 15.14 and later) carry a random key.
        if not line.strip() or line.startswith("--") or line.startswith("\\"):
            continue
        if line.startswith("SET ") or line.startswith("SELECT pg_catalog.set_config"):
            continue
        current.append(line)
    chunks.append(current)
    return sorted("\n".join(c).strip() for c in chunks if c)


def sort_columns(stmts):
    """Each CREATE TABLE with its column lines sorted: equal iff only the column order differs."""
    out = []
    for s in stmts:
        if s.startswith("CREATE TABLE") or s.startswith("CREATE UNLOGGED TABLE"):
            head, _, rest = s.partition("(\n")
            body, _, tail = rest.rpartition("\n)")
            cols = sorted(c.strip().rstrip(",") for c in body.split("\n"))
            s = head + "(\n" + "\n".join(cols) + "\n)" + tail
        out.append(s)
    return sorted(out)


def only_each(a, b):
    """What each list holds that the other does not, counting repeats."""
    from collections import Counter
    ca, cb = Counter(a), Counter(b)
    return sorted((ca - cb).elements()), sorted((cb - ca).elements())


def squeeze(stmts):
    return sorted(" ".join(s.split()) for s in stmts)


def classify(only_before, only_after):
    """The class of two different dumps from the statements only one of them has."""
    if sort_columns(only_before) == sort_columns(only_after):
        return "column-order"
    if squeeze(sort_columns(only_before)) == squeeze(sort_columns(only_after)):
        return "layout-only"
    return "differs"


def migrations(history):
    """(id, up, down) in version order; down is None when the migration has none."""
    history = Path(history)
    found = {}
    for p in history.iterdir():
        if p.is_dir() and (p / "up.sql").exists():
            down = p / "down.sql"
            found[p.name] = (p / "up.sql", down if down.exists() else None)
        elif p.name.endswith(".up.sql"):
            mid = p.name[: -len(".up.sql")]
            down = p.with_name(mid + ".down.sql")
            found[mid] = (p, down if down.exists() else None)
    def version(mid):
        m = re.match(r"[0-9-]+", mid)
        return (int(m.group(0).replace("-", "")) if m and m.group(0).replace("-", "") else 0, mid)
    return [(mid, *found[mid]) for mid in sorted(found, key=version)]


def has_sql(path):
    """Whether a part holds a statement (an empty or comment-only down part is no down part)."""
    text = re.sub(r"--[^\n]*", "", Path(path).read_text())
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return text.strip().strip(";").strip() != ""


def first_error(stderr):
    return next((l for l in stderr.splitlines() if "ERROR" in l), stderr.strip()[:200])


def ground_truth(cluster, history, db):
    cluster.psql("postgres", "-c", f'CREATE DATABASE "{db}"')
    results = {}
    history_migrations = migrations(history)
    for index, (mid, up, down) in enumerate(history_migrations):
        s0 = cluster.dump(db) if down else None
        r = cluster.run_file(db, up)
        if r.returncode:
            results[mid] = {"class": "up-fails", "error": first_error(r.stderr)}
            break
        if not down:
            continue
        r = cluster.run_file(db, down)
        if r.returncode:
            results[mid] = {"class": "down-fails", "error": first_error(r.stderr), "down": str(down)}
            continue  # the transaction rolled back: the schema is S1, as after up
        s0b = cluster.dump(db)
        a, b = statements(s0), statements(s0b)
        if a == b:
            cls = "reverses"
        else:
            cls = classify(*only_each(a, b))
        entry = {"class": cls, "down": str(down)}
        if cls != "reverses":
            entry["only_before"], entry["only_after"] = only_each(a, b)
        r = cluster.run_file(db, up)
        if r.returncode:
            entry.update({"class": "reup-fails", "error": first_error(r.stderr), "after_down": cls})
            # The schema is now the down part's result: rebuild it by replaying every up part
            # so far, so the rest of the history still runs on the schema it was written for.
            cluster.psql("postgres", "-c", f'DROP DATABASE "{db}"')
            cluster.psql("postgres", "-c", f'CREATE DATABASE "{db}"')
            for _, earlier_up, _ in history_migrations[: index + 1]:
                r = cluster.run_file(db, earlier_up)
                if r.returncode:
                    results[mid] = entry
                    results[mid + " (rebuild)"] = {"class": "up-fails", "error": first_error(r.stderr)}
                    return results
        results[mid] = entry
    return results


def pgproof_findings(pgproof, history):
    r = subprocess.run([pgproof, "lint", "--format", "json", str(history)],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"pgproof failed on {history}: {r.stderr}")
    flagged = {}
    for f in json.loads(r.stdout)["findings"]:
        if f["rule"] == "down-does-not-reverse":
            flagged[os.path.realpath(f["file"])] = f
    return flagged


NOT_REVERSING = {"differs", "down-fails", "reup-fails"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgproof", default="target/release/pgproof")
    ap.add_argument("--json", help="write every pair's class and verdict here")
    ap.add_argument("--truth", help="reuse ground truth from an earlier --json run")
    ap.add_argument("histories", nargs="+")
    args = ap.parse_args()
    truth = {}
    if args.truth:
        truth = {h: v["truth"] for h, v in json.loads(Path(args.truth).read_text()).items()}
        for pairs in truth.values():
            for t in pairs.values():
                if t["class"] in ("differs", "column-order", "layout-only"):
                    t["class"] = classify(t["only_before"], t["only_after"])
    else:
        cluster = Cluster()
        try:
            for i, h in enumerate(args.histories):
                truth[h] = ground_truth(cluster, h, f"history{i}")
        finally:
            cluster.stop()
    report = {}
    totals = dict(tp=0, fp=0, fn=0, info=0, pairs=0, empty_down=0)
    for h in args.histories:
        flagged = pgproof_findings(args.pgproof, h)
        rows = {}
        counts = dict(tp=0, fp=0, fn=0, info=0, pairs=0, empty_down=0)
        classes = {}
        for mid, t in truth[h].items():
            if t["class"] == "up-fails":
                print(f"{h}: stops at {mid}: up fails: {t['error']}")
                continue
            if not has_sql(t["down"]):
                counts["empty_down"] += 1
                continue
            counts["pairs"] += 1
            classes[t["class"]] = classes.get(t["class"], 0) + 1
            f = flagged.get(os.path.realpath(t["down"]))
            warn = f is not None and f["severity"] != "info"
            bad = t["class"] in NOT_REVERSING
            if f is not None and not warn:
                counts["info"] += 1
            if warn and bad:
                counts["tp"] += 1
            elif warn:
                counts["fp"] += 1
                print(f"  false alarm {mid} ({t['class']}): {f['message'][:300]}")
            elif bad:
                counts["fn"] += 1
                print(f"  missed {mid} ({t['class']}): {t.get('error') or t.get('only_before') or ''}"[:400])
            rows[mid] = {"truth": t["class"], "flagged": warn,
                         "message": f["message"] if f else None}
        for k in totals:
            totals[k] += counts[k]
        print(f"{h}: {counts['pairs']} pairs {classes} (+{counts['empty_down']} empty down parts); flagged {counts['tp'] + counts['fp']} "
              f"(true {counts['tp']}, false {counts['fp']}), missed {counts['fn']}, info {counts['info']}")
        report[h] = {"truth": truth[h], "verdicts": rows}
    flagged = totals["tp"] + totals["fp"]
    bad = totals["tp"] + totals["fn"]
    precision = totals["tp"] / flagged if flagged else 1.0
    recall = totals["tp"] / bad if bad else 1.0
    print(f"total: {totals['pairs']} pairs (+{totals['empty_down']} empty down parts, not compared), {bad} not reversing; flagged {flagged}, "
          f"true {totals['tp']}; precision {precision:.0%}, recall {recall:.0%}; "
          f"info {totals['info']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
