//! The audit page's foreign-key graph, rendered by a real browser (headless Chromium): everything
//! drawn lies inside the drawing's `viewBox` (nothing clipped, no edge shown only as an
//! arrowhead), and a schema of 139 tables is laid out as a block, not one tall column. Both
//! drawings are checked: pgproof's own layout and Graphviz's.

// Tests may unwrap: a panic here is a failing test (clippy.toml only exempts `#[test]` fns).
#![allow(clippy::unwrap_used)]

use pgproof::catalog::{apply::apply, Catalog};
use pgproof::cli::GraphLayout;
use pgproof::finding::{Applicability, Category, Fix, RuleId, Severity};
use pgproof::report::audit::{write, AuditFormat, AuditReport, ObjectFinding};
use pgproof::syntax::QualName;
use std::process::Command;

/// 139 tables in `public` (a hub everyone references, chains, tables referencing two others)
/// and 12 in `billing` referencing `public`: the shape of the real schema whose graph was clipped.
fn schema() -> Catalog {
    let mut sql = String::from(
        "CREATE SCHEMA billing;\nCREATE TABLE users (id bigint PRIMARY KEY, name text);\n",
    );
    for i in 0..138 {
        let mut columns =
            String::from("id bigint PRIMARY KEY, user_id bigint REFERENCES users (id)");
        if i % 4 == 1 {
            columns.push_str(&format!(", parent_id bigint REFERENCES t{:03} (id)", i - 1));
        }
        if i % 9 == 5 {
            columns.push_str(&format!(", other_id bigint REFERENCES t{:03} (id)", i / 3));
        }
        sql.push_str(&format!("CREATE TABLE t{i:03} ({columns});\n"));
    }
    for i in 0..12 {
        sql.push_str(&format!(
            "CREATE TABLE billing.invoice_{i} (id bigint PRIMARY KEY, customer_id bigint REFERENCES users (id), item_id bigint);\n"
        ));
    }
    let mut catalog = Catalog::new();
    for stmt in pgproof::syntax::parse_sql(&sql).statements {
        apply(&mut catalog, &stmt.kind);
    }
    assert_eq!(catalog.tables.len(), 151);
    catalog
}

/// A suggested foreign key, drawn as a dashed edge.
fn findings() -> Vec<ObjectFinding> {
    vec![ObjectFinding {
        rule: RuleId::new("missing-foreign-key"),
        severity: Severity::Warning,
        category: Category::Schema,
        object: "billing.invoice_3.item_id".into(),
        table: "billing.invoice_3".into(),
        message: "m".into(),
        evidence: vec![],
        help: None,
        fix: Some(Fix {
            applicability: Applicability::Unsafe,
            sql: "ALTER TABLE billing.invoice_3 ADD FOREIGN KEY (item_id) REFERENCES t007 (id);"
                .into(),
            references: Some(QualName::public("t007")),
            backfill: None,
        }),
        location: None,
        anchor: None,
    }]
}

fn page(catalog: &Catalog, findings: &[ObjectFinding], graph_svg: Option<&str>) -> String {
    let report = AuditReport {
        database: "app@localhost:5432/app",
        server_version: 170000,
        catalog,
        findings,
        ignored: 0,
        graph_svg,
        baseline: None,
    };
    let mut out = vec![];
    write(AuditFormat::Html, &report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// What the browser measured: the view box, the bounds of everything drawn (in the view box's
/// coordinates, transforms applied), and the number of table nodes.
#[derive(Debug)]
struct Measured {
    view_box: [f64; 4],
    drawn: [f64; 4],
    nodes: usize,
}

const MEASURE: &str = r#"<script>
const svg = document.querySelector('svg.graph');
const vb = svg.viewBox.baseVal;
const toUser = svg.getCTM().inverse();
let b = [Infinity, Infinity, -Infinity, -Infinity];
for (const el of svg.querySelectorAll('rect, path, text, polygon, polyline, ellipse, circle, line')) {
  if (el.closest('defs') || el.closest('marker')) continue;
  const box = el.getBBox();
  if (box.width === 0 && box.height === 0) continue;
  const m = toUser.multiply(el.getCTM());
  for (const [x, y] of [[box.x, box.y], [box.x + box.width, box.y], [box.x, box.y + box.height], [box.x + box.width, box.y + box.height]]) {
    const p = new DOMPoint(x, y).matrixTransform(m);
    b = [Math.min(b[0], p.x), Math.min(b[1], p.y), Math.max(b[2], p.x), Math.max(b[3], p.y)];
  }
}
document.body.setAttribute('data-measured', JSON.stringify({
  view_box: [vb.x, vb.y, vb.width, vb.height], drawn: b,
  nodes: svg.querySelectorAll('g.node').length,
}));
</script>"#;

fn measure(html: &str) -> Measured {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.html");
    std::fs::write(
        &path,
        html.replace("</body>", &format!("{MEASURE}\n</body>")),
    )
    .unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=5000",
            &format!("--user-data-dir={}", dir.path().join("profile").display()),
            "--dump-dom",
        ])
        .arg(format!("file://{}", path.display()))
        .output()
        .expect(
            "chromium runs (Debian package `chromium`; scripts/install-prereqs.sh installs it)",
        );
    let dom = String::from_utf8_lossy(&out.stdout);
    let attr = dom.split("data-measured=\"").nth(1).unwrap_or_else(|| {
        panic!(
            "no measurement in the page: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let json = attr[..attr.find('"').unwrap()].replace("&quot;", "\"");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let four = |key: &str| -> [f64; 4] {
        let a = v[key].as_array().unwrap();
        [0, 1, 2, 3].map(|i| a[i].as_f64().unwrap())
    };
    Measured {
        view_box: four("view_box"),
        drawn: four("drawn"),
        nodes: v["nodes"].as_u64().unwrap() as usize,
    }
}

fn assert_fits(m: &Measured, what: &str) {
    let [x, y, w, h] = m.view_box;
    let [x0, y0, x1, y1] = m.drawn;
    assert!(
        x0 >= x - 0.5 && y0 >= y - 0.5 && x1 <= x + w + 0.5 && y1 <= y + h + 0.5,
        "{what}: drawn {x0:.1},{y0:.1} to {x1:.1},{y1:.1}, outside the view box {x},{y} {w}x{h}"
    );
    assert_eq!(m.nodes, 151, "{what}: every table is a node");
}

#[test]
fn the_builtin_layout_fits_its_view_box_and_is_a_block() {
    let catalog = schema();
    let findings = findings();
    let html = page(&catalog, &findings, None);
    assert!(html.contains("class=\"missing\""));
    let m = measure(&html);
    assert_fits(&m, "built-in layout");
    let [_, _, w, h] = m.view_box;
    assert!(
        h < 3.0 * w && w < 4.0 * h,
        "about as wide as tall, not one tall column: {w:.0} x {h:.0}"
    );
}

#[test]
fn the_graphviz_drawing_fits_its_view_box() {
    let catalog = schema();
    let findings = findings();
    let drawn =
        pgproof::commands::audit::graphviz_drawing(&catalog, &findings, GraphLayout::Graphviz)
            .unwrap()
            .expect("Graphviz's dot is installed (Debian package `graphviz`)");
    let html = page(&catalog, &findings, Some(&drawn));
    assert!(html.contains("<title>public.t137</title>"));
    let m = measure(&html);
    assert_fits(&m, "Graphviz");
    let [_, _, w, h] = m.view_box;
    assert!(
        h < 4.5 * w && w < 4.5 * h,
        "not one very wide row (a hub referenced by 138 tables: drawn force-directed): {w:.0} x {h:.0}"
    );
}
