//! Unit tests of the fix proofs' verdicts.
use super::*;

fn obs(lock: Option<LockMode>, rows: Option<i64>, rewrote: bool) -> Observation {
    on(&[("t", lock)], rows, rewrote)
}

fn on(locks: &[(&str, Option<LockMode>)], rows: Option<i64>, rewrote: bool) -> Observation {
    let locks: BTreeMap<String, LockMode> = locks
        .iter()
        .filter_map(|(t, m)| m.map(|m| (t.to_string(), m)))
        .collect();
    let strongest = locks.iter().map(|(t, m)| (*m, t.clone())).max();
    Observation {
        sql: String::new(),
        lock: strongest.as_ref().map(|(m, _)| *m),
        table: strongest.map(|(_, t)| t),
        locks,
        rows_read: rows,
        rewrote,
        duration_ms: 0.0,
    }
}

fn proof(original: Observation, steps: Vec<Observation>) -> FixProof {
    FixProof {
        rule: "r".into(),
        file: PathBuf::new(),
        line: 1,
        offset: 0,
        recipe: String::new(),
        verdict: FixVerdict::Inconclusive,
        original: Some(original),
        steps,
        differences: vec![],
        intended: vec![],
        lints_clean: Some(true),
        data_rows: 1_000,
        data_differences: vec![],
        data_volatile: vec![],
        note: None,
        same_as: None,
        left_empty: vec![],
    }
}

#[test]
fn data_decides_between_proven_schema_only_and_not_equivalent() {
    use LockMode::*;
    let p = |rows: i64, differences: Vec<DataDifference>| {
        let mut p = proof(
            on(&[("t", Some(AccessExclusive))], None, true),
            vec![on(&[("t", Some(RowExclusive))], Some(1_000), false)],
        );
        p.data_rows = rows;
        p.data_differences = differences;
        verdict(&p)
    };
    assert_eq!(p(1_000, vec![]), FixVerdict::Proven);
    assert_eq!(p(0, vec![]), FixVerdict::ProvenSchemaOnly);
    let nulls = DataDifference {
        table: "t".into(),
        column: Some("c".into()),
        what: "3 of 3 rows not NULL in the original, 0 in the recipe".into(),
    };
    assert_eq!(p(1_000, vec![nulls]), FixVerdict::NotEquivalent);
}

#[test]
fn verdicts_follow_the_observed_locks_and_work() {
    use LockMode::*;
    // Validation moved under a weaker lock; the strong lock only for a catalog change.
    let p = proof(
        obs(Some(ShareRowExclusive), Some(10_000), false),
        vec![
            obs(Some(ShareRowExclusive), Some(0), false),
            obs(Some(ShareUpdateExclusive), Some(10_000), false),
        ],
    );
    assert_eq!(verdict(&p), "proven");
    // The recipe still reads the table under the original's lock.
    let p = proof(
        obs(Some(AccessExclusive), Some(10_000), false),
        vec![obs(Some(AccessExclusive), Some(10_000), false)],
    );
    assert_eq!(verdict(&p), "not safer");
    // A stronger lock than the original, even briefly.
    let p = proof(
        obs(Some(Share), Some(10_000), false),
        vec![obs(Some(AccessExclusive), Some(0), false)],
    );
    assert_eq!(verdict(&p), "not safer");
    // Outside a transaction the rows read are unknown: judged by the lock alone.
    let p = proof(
        obs(Some(Share), Some(10_000), false),
        vec![obs(Some(Share), None, false)],
    );
    assert_eq!(verdict(&p), "not safer");
    // Different schemas.
    let mut p = proof(obs(Some(Share), Some(1), false), vec![]);
    p.differences.push(Difference {
        path: "index public.i".into(),
        before: Some("x".into()),
        after: None,
    });
    assert_eq!(verdict(&p), "not equivalent");
    // The recipe still triggers its rule.
    let mut p = proof(
        obs(Some(Share), Some(1), false),
        vec![obs(Some(ShareUpdateExclusive), None, false)],
    );
    p.lints_clean = Some(false);
    assert_eq!(verdict(&p), "not safer");
    // DETACH ... CONCURRENTLY: the parent drops to SHARE UPDATE EXCLUSIVE, the partition
    // keeps ACCESS EXCLUSIVE; whether the watcher saw the partition's lock or not, the parent
    // is spared.
    let original = on(
        &[
            ("p", Some(AccessExclusive)),
            ("p_2025", Some(AccessExclusive)),
        ],
        Some(0),
        false,
    );
    for partition in [None, Some(ShareUpdateExclusive), Some(AccessExclusive)] {
        let p = proof(
            original.clone(),
            vec![on(
                &[("p", Some(ShareUpdateExclusive)), ("p_2025", partition)],
                None,
                false,
            )],
        );
        assert_eq!(verdict(&p), "proven", "{partition:?}");
    }
    // Unmeasured steps: one table the original held at its strongest, now held weaker, is
    // enough; both still held as strongly is not safer.
    for (partition, expected) in [
        (ShareUpdateExclusive, "proven"),
        (AccessExclusive, "not safer"),
    ] {
        let step = on(
            &[("p", Some(AccessExclusive)), ("p_2025", Some(partition))],
            None,
            false,
        );
        let p = proof(original.clone(), vec![step]);
        assert_eq!(verdict(&p), expected, "{partition:?}");
    }
}
