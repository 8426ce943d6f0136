//! The split's pieces: recipe parts, undo statements, versions, removals.

use super::*;

#[test]
fn a_recipe_moves_what_follows_its_separate_transaction_line_or_all_of_it() {
    let recipe = "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n-- in a separate transaction (a later migration, or after COMMIT):\nALTER TABLE t VALIDATE CONSTRAINT c;";
    assert_eq!(
        parts(recipe),
        (
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;",
            "ALTER TABLE t VALIDATE CONSTRAINT c;"
        )
    );
    let index = "CREATE INDEX CONCURRENTLY i ON t (a);";
    assert_eq!(parts(index), ("", index));
}

#[test]
fn undoing_an_index_drops_it_in_its_tables_schema() {
    assert_eq!(
        undo_of("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON s.t (a)").as_deref(),
        Some("DROP INDEX CONCURRENTLY IF EXISTS s.i;")
    );
    assert_eq!(
        undo_of("CREATE INDEX CONCURRENTLY \"I\" ON ONLY t(a);").as_deref(),
        Some("DROP INDEX CONCURRENTLY IF EXISTS \"I\";")
    );
    // An index the server names, and a step pgproof cannot undo.
    assert_eq!(undo_of("CREATE INDEX CONCURRENTLY ON t (a);"), None);
    assert_eq!(undo_of("ALTER TABLE t ADD COLUMN a int;"), None);
    assert_eq!(
        undo_of("ALTER TABLE t VALIDATE CONSTRAINT c;").as_deref(),
        Some("")
    );
}

#[test]
fn the_new_version_sorts_right_after_the_old_and_before_the_next() {
    let v = |s: &str| Version::leading(s).unwrap().0;
    assert_eq!(
        next_version("0007", "goose", &[v("0007")], 1).unwrap(),
        "0008"
    );
    assert_eq!(
        next_version(
            "20240102000000",
            "sqlx",
            &[v("20240102000000"), v("20240103000000")],
            1
        )
        .unwrap(),
        "20240102000001"
    );
    assert_eq!(
        next_version("2019-09-18-233299", "diesel", &[], 1).unwrap(),
        "2019-09-18-233300"
    );
    assert!(next_version("0007", "goose", &[v("0007"), v("0008")], 1).is_err());
    assert_eq!(
        next_version("0007", "goose", &[v("0007"), v("0010")], 2).unwrap(),
        "0009"
    );
    let f = |s: &str| Version::parse_groups(s, &['.', '_']).unwrap();
    assert_eq!(
        next_version("5", "flyway", &[f("5"), f("6")], 2).unwrap(),
        "5.2"
    );
    assert_eq!(
        next_version("1_2", "flyway", &[f("1.2")], 1).unwrap(),
        "1_2_1"
    );
    assert!(next_version("5", "flyway", &[f("5"), f("5.1")], 1).is_err());
}

#[test]
fn removing_a_statement_takes_its_line() {
    let text = "A;\n-- the index\nDROP INDEX i;\nB;\n";
    let start = text.find("DROP").unwrap();
    let end = text.find("i;").unwrap() + 2;
    let edit = removal(text, start, end, "");
    assert_eq!(crate::fix::apply(text, &[edit]), "A;\n-- the index\nB;\n");
    let undo = ["DROP INDEX CONCURRENTLY IF EXISTS s.i;".to_string()];
    assert_eq!(undoing(text, 0, &undo), Ok(vec![(start, end)]));
    // Qualified, cascading, quoted; and with another index in one statement.
    for down in ["DROP INDEX s.i CASCADE;", "DROP INDEX IF EXISTS \"i\";"] {
        assert_eq!(undoing(down, 0, &undo).map(|v| v.len()), Ok(1), "{down}");
    }
    assert!(undoing("DROP INDEX i, j;", 0, &undo).is_err());
    assert_eq!(undoing("DROP INDEX \"I\";", 0, &undo), Ok(vec![]));
    // Beside another statement on its line, only the statement goes; the byte-order mark's
    // stand-in at the start of a file stays.
    let text = "A; DROP INDEX i;\nB;\n";
    let start = text.find("DROP").unwrap();
    let edit = removal(text, start, start + 13, "");
    assert_eq!(crate::fix::apply(text, &[edit]), "A;\nB;\n");
    let text = "   DROP INDEX i;\nB;\n";
    let edit = removal(text, 3, 16, "");
    assert_eq!(crate::fix::apply(text, &[edit]), "   B;\n");
}

/// CRLF in a recipe is not doubled in the new file, and a description starting with a digit
/// stays out of the version.
#[test]
fn names_and_line_endings() {
    assert_eq!(
        version_and_rest("20240102000000_2fa").unwrap(),
        ("20240102000000".to_string(), "2fa".to_string())
    );
    assert_eq!(
        version_and_rest("2019-05-14-165316_x").unwrap().0,
        "2019-05-14-165316"
    );
    assert!(version_and_rest("init").is_err());
    let v = |s: &str| parse_version(s, "sqlx").unwrap();
    assert_eq!(v("20240102000000_2fa.up.sql"), v("20240102000000"));
}
