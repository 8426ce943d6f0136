//! Reads `pg_catalog` into a [`Catalog`]: a handful of set-based queries (one per kind of object,
//! never one per table), mapped to the same types migration replay produces.

use super::CatalogSession;
use crate::catalog::{
    Catalog, Column, ColumnValues, Constraint, Domain, EnumType, Function, Index, IndexValidity,
    Sequence, Statistics, Table, TableKind, Trigger, View,
};
use crate::syntax::{
    normalize_type_name, parse_expr, ConstraintKind, Expr, FkAction, Identity, IndexKey,
    Persistence, QualName, ReplicaIdentity, TypeName, Volatility,
};
use anyhow::Result;

/// Which schemas to read: all user schemas, or the ones named.
pub struct Scope {
    pub schemas: Vec<String>,
}

impl Scope {
    /// A SQL condition on a namespace name column.
    fn condition(&self, column: &str) -> String {
        if self.schemas.is_empty() {
            format!("{column} NOT IN ('pg_catalog', 'information_schema') AND {column} NOT LIKE 'pg\\_toast%' AND {column} NOT LIKE 'pg\\_temp%'")
        } else {
            let names: Vec<String> = self
                .schemas
                .iter()
                .map(|s| crate::syntax::quote_literal(s))
                .collect();
            format!("{column} IN ({})", names.join(", "))
        }
    }
}

/// A type as `pg_attribute` describes it, in the replay's spelling: internal name, modifiers from
/// `format_type`, the schema only when it is not `pg_catalog` or `public`.
fn type_name(typname: &str, formatted: &str, schema: &str, dims: i32) -> TypeName {
    let array = typname.starts_with('_') || dims > 0;
    let base = typname.strip_prefix('_').unwrap_or(typname);
    let mods = formatted
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inner, _)| {
            inner
                .split(',')
                .filter_map(|m| m.trim().parse::<i64>().ok())
                .collect()
        })
        .unwrap_or_default();
    TypeName {
        schema: (schema != "pg_catalog" && schema != "public").then(|| schema.to_string()),
        name: normalize_type_name(base),
        mods,
        array,
    }
}

fn expr_of(text: Option<String>) -> Option<Expr> {
    let text = text?;
    Some(parse_expr(&text).unwrap_or(Expr {
        text,
        columns: vec![],
        functions: vec![],
        tables: vec![],
    }))
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Reads every object in `scope` into a new catalog, with the statistics the schema rules weigh
/// (`catalog.statistics`).
pub fn read_catalog(session: &(impl CatalogSession + ?Sized), scope: &Scope) -> Result<Catalog> {
    read(session, scope, true)
}

/// [`read_catalog`] without the statistics: the schema, as `prove` compares it before and after a
/// part (`catalog::diff` ignores statistics).
pub fn read_schema(session: &(impl CatalogSession + ?Sized), scope: &Scope) -> Result<Catalog> {
    read(session, scope, false)
}

fn read(
    session: &(impl CatalogSession + ?Sized),
    scope: &Scope,
    statistics: bool,
) -> Result<Catalog> {
    // A catalog column of an unexpected type (a server release that changed one) makes the row
    // accessors panic: report it as an error naming the server, not as a crash.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_catalog_inner(session, scope, statistics)
    }))
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let version = session
                .server_major()
                .map_or("?".to_string(), |v| v.to_string());
            anyhow::bail!(
                "cannot read the catalog of {} (PostgreSQL {version}): unexpected catalog column type ({what}); pgproof is tested on PostgreSQL 13 to 17",
                session.described()
            )
        })
}

fn read_catalog_inner(
    session: &(impl CatalogSession + ?Sized),
    scope: &Scope,
    statistics: bool,
) -> Result<Catalog> {
    let mut catalog = Catalog::default();
    let ns = scope.condition("n.nspname");

    for row in session.query(
        &format!("SELECT n.nspname::text FROM pg_namespace n WHERE {ns}"),
        &[],
    )? {
        catalog.schemas.insert(row.get(0));
    }
    for row in session.query("SELECT extname::text FROM pg_extension", &[])? {
        catalog.extensions.insert(row.get(0));
    }

    // Tables and partitioned tables, with their parents and row estimates.
    let tables = session.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text, c.relpersistence::text,
                    c.relispartition, c.relrowsecurity, c.relforcerowsecurity, c.reltuples::float8,
                    obj_description(c.oid, 'pg_class'),
                    ARRAY(SELECT pn.nspname::text || '.' || p.relname::text
                          FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                          JOIN pg_namespace pn ON pn.oid = p.relnamespace
                          WHERE i.inhrelid = c.oid ORDER BY i.inhseqno),
                    pg_total_relation_size(c.oid), c.relreplident::text,
                    (SELECT ic.relname::text FROM pg_index x
                     JOIN pg_class ic ON ic.oid = x.indexrelid
                     WHERE x.indrelid = c.oid AND x.indisreplident)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND {ns}"
        ),
        &[],
    )?;
    for row in tables {
        let name = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let mut table = Table::new(name.clone());
        let relkind: String = row.get(2);
        let parents: Vec<String> = row.get(9);
        let parents: Vec<QualName> = parents
            .iter()
            .filter_map(|p| p.split_once('.'))
            .map(|(s, n)| QualName::new(s, n))
            .collect();
        table.kind = if relkind == "p" {
            TableKind::Partitioned
        } else if row.get::<_, bool>(4) {
            TableKind::Partition {
                parent: parents.first().cloned().unwrap_or_else(|| name.clone()),
            }
        } else {
            TableKind::Regular
        };
        if !row.get::<_, bool>(4) {
            table.inherits = parents;
        }
        table.persistence = match row.get::<_, String>(3).as_str() {
            "u" => Persistence::Unlogged,
            "t" => Persistence::Temporary,
            _ => Persistence::Permanent,
        };
        table.rls_enabled = row.get(5);
        table.rls_forced = row.get(6);
        let estimate: f64 = row.get(7);
        table.row_estimate = (estimate >= 0.0).then_some(estimate);
        table.comment = row.get(8);
        table.size_bytes = row.get(10);
        table.replica_identity = match (row.get::<_, String>(11).as_str(), row.get(12)) {
            ("f", _) => ReplicaIdentity::Full,
            ("n", _) => ReplicaIdentity::Nothing,
            ("i", Some(index)) => ReplicaIdentity::Index(index),
            _ => ReplicaIdentity::Default,
        };
        catalog.tables.insert(name, table.into());
    }

    // Columns of tables, views and matviews (views keep their output columns).
    let columns = session.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text, a.attname::text,
                    t.typname::text, format_type(a.atttypid, a.atttypmod), tn.nspname::text,
                    a.attndims::int4, a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
                    a.attidentity::text, a.attgenerated::text,
                    col_description(c.oid, a.attnum),
                    EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid
                            WHERE dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid
                              AND dep.refobjsubid = a.attnum
                              AND dep.classid = 'pg_class'::regclass AND s.relkind = 'S'
                              AND dep.deptype = 'a')
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_type t ON t.oid = a.atttypid
             JOIN pg_namespace tn ON tn.oid = t.typnamespace
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND {ns}
             ORDER BY c.oid, a.attnum"
        ),
        &[],
    )?;
    let mut view_columns: Vec<(QualName, String)> = vec![];
    for row in columns {
        let rel = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let relkind: String = row.get(2);
        let name: String = row.get(3);
        if relkind == "v" || relkind == "m" {
            view_columns.push((rel, name));
            continue;
        }
        if !catalog.tables.contains_key(&rel) {
            continue;
        }
        let identity = match row.get::<_, String>(10).as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        let generated = !row.get::<_, String>(11).is_empty();
        let default = expr_of(row.get(9));
        let column = Column {
            name,
            type_name: type_name(
                &row.get::<_, String>(4),
                &row.get::<_, String>(5),
                &row.get::<_, String>(6),
                row.get(7),
            ),
            not_null: row.get(8),
            default: if generated { None } else { default.clone() },
            identity,
            generated: if generated { default } else { None },
            serial: row.get(13),
            comment: row.get(12),
            last_value: None,
        };
        catalog
            .tables
            .modify(&rel, |table| table.columns.push(column));
    }

    // Constraints: primary keys, uniques, foreign keys, checks, exclusions.
    let constraints = session.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, con.conname::text, con.contype::text,
                    con.convalidated, con.condeferrable,
                    ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
                    fn.nspname::text, fc.relname::text,
                    ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord),
                    con.confdeltype::text, con.confupdtype::text,
                    pg_get_expr(con.conbin, con.conrelid), am.amname::text,
                    pg_get_constraintdef(con.oid)
             FROM pg_constraint con
             JOIN pg_class c ON c.oid = con.conrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_class fc ON fc.oid = con.confrelid
             LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
             LEFT JOIN pg_class ic ON ic.oid = con.conindid
             LEFT JOIN pg_am am ON am.oid = ic.relam
             WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND {ns}
             ORDER BY c.oid, con.conname"
        ),
        &[],
    )?;
    for row in constraints {
        let rel = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let columns: Vec<String> = row.get(6);
        let definition: String = row.get(14);
        let kind = match row.get::<_, String>(3).as_str() {
            "p" => ConstraintKind::PrimaryKey { columns },
            "u" => ConstraintKind::Unique {
                columns,
                nulls_not_distinct: definition.contains("NULLS NOT DISTINCT"),
            },
            "f" => ConstraintKind::ForeignKey {
                columns,
                ref_table: QualName::new(
                    row.get::<_, Option<String>>(7).unwrap_or_default(),
                    row.get::<_, Option<String>>(8).unwrap_or_default(),
                ),
                ref_columns: row.get(9),
                on_delete: action(&row.get::<_, String>(10)),
                on_update: action(&row.get::<_, String>(11)),
            },
            "c" => ConstraintKind::Check {
                expr: expr_of(row.get(12)).unwrap_or(Expr {
                    text: definition,
                    columns: vec![],
                    functions: vec![],
                    tables: vec![],
                }),
            },
            _ => ConstraintKind::Exclude {
                elements: columns,
                method: row
                    .get::<_, Option<String>>(13)
                    .unwrap_or_else(|| "gist".into()),
            },
        };
        let constraint = Constraint {
            name: row.get(2),
            kind,
            validated: row.get(4),
            deferrable: row.get(5),
        };
        catalog
            .tables
            .modify(&rel, |table| table.constraints.push(constraint));
    }

    // Indexes, with the constraint each backs, validity and scan counts.
    let indexes = session.query(
        &format!(
            "SELECT n.nspname::text, ic.relname::text, c.relname::text, i.indisunique, i.indisvalid,
                    am.amname::text, i.indnkeyatts::int4, i.indnatts::int4,
                    ARRAY(SELECT COALESCE((SELECT a.attname::text FROM pg_attribute a
                                           WHERE a.attrelid = i.indrelid AND a.attnum = k.num AND k.num > 0), '')
                          FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord) ORDER BY k.ord),
                    ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, false) FROM generate_series(1, i.indnatts::int4) k),
                    ARRAY(SELECT concat_ws(' ',
                                 CASE WHEN i.indcollation[k - 1] <> 0 AND coll.collname <> 'default'
                                           AND i.indcollation[k - 1] <> COALESCE(a.attcollation, 0)
                                      THEN 'COLLATE ' || coll.collname END,
                                 CASE WHEN NOT opc.opcdefault THEN opc.opcname::text END,
                                 CASE WHEN (i.indoption[k - 1] & 1) = 1 THEN 'DESC' END,
                                 CASE WHEN (i.indoption[k - 1] & 3) = 2 THEN 'NULLS FIRST'
                                      WHEN (i.indoption[k - 1] & 3) = 1 THEN 'NULLS LAST' END)
                          FROM generate_series(1, i.indnkeyatts::int4) k
                          LEFT JOIN pg_opclass opc ON opc.oid = i.indclass[k - 1]
                          LEFT JOIN pg_collation coll ON coll.oid = i.indcollation[k - 1]
                          LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
                          ORDER BY k),
                    pg_get_expr(i.indpred, i.indrelid),
                    con.conname::text,
                    s.idx_scan, obj_description(ic.oid, 'pg_class'), pg_relation_size(i.indexrelid)
             FROM pg_index i
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_am am ON am.oid = ic.relam
             LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
             -- pg_constraint has no index on conindid: one hash join, not a scan per index.
             LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
             WHERE {ns}"
        ),
        &[],
    )?;
    for row in indexes {
        let schema: String = row.get(0);
        let name = QualName::new(schema.clone(), row.get::<_, String>(1));
        let table = QualName::new(schema, row.get::<_, String>(2));
        let nkeys = row.get::<_, i32>(6) as usize;
        let columns: Vec<String> = row.get(8);
        let defs: Vec<String> = row.get(9);
        let options: Vec<String> = row.get(10);
        let mut keys = vec![];
        let mut key_options = vec![];
        let mut include = vec![];
        for (i, def) in defs.iter().enumerate() {
            let column = columns.get(i).cloned().unwrap_or_default();
            if i >= nkeys {
                include.push(column);
                continue;
            }
            if column.is_empty() {
                keys.push(IndexKey::Expression {
                    expr: expr_of(Some(def.clone())).unwrap_or(Expr {
                        text: def.clone(),
                        columns: vec![],
                        functions: vec![],
                        tables: vec![],
                    }),
                });
                key_options.push(options.get(i).cloned().unwrap_or_default());
            } else {
                key_options.push(options.get(i).cloned().unwrap_or_default());
                keys.push(IndexKey::Column { name: column });
            }
        }
        if key_options.iter().all(String::is_empty) {
            key_options.clear();
        }
        catalog.indexes.insert(
            name.clone(),
            Index {
                name,
                table,
                keys,
                key_options,
                include,
                unique: row.get(3),
                method: row.get(5),
                predicate: expr_of(row.get(11)),
                validity: if row.get(4) {
                    IndexValidity::Valid
                } else {
                    IndexValidity::Invalid
                },
                constraint: row.get(12),
                comment: row.get(14),
                scans: row.get(13),
                size_bytes: row.get(15),
            }
            .into(),
        );
    }

    // Sequences, with their owning column and last value.
    let sequences = session.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, t.typname::text,
                    (SELECT tn.nspname::text || '.' || tc.relname::text || '.' || a.attname::text
                     FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid
                     JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                     WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass
                       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1),
                    CASE WHEN has_sequence_privilege(c.oid, 'SELECT,USAGE') THEN pg_sequence_last_value(c.oid) END
             FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_type t ON t.oid = s.seqtypid
             WHERE {ns}"
        ),
        &[],
    )?;
    for row in sequences {
        let name = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let owned_by = row.get::<_, Option<String>>(3).and_then(|o| {
            let mut parts = o.splitn(3, '.');
            Some((
                QualName::new(parts.next()?, parts.next()?),
                parts.next()?.to_string(),
            ))
        });
        // Identity columns own an internal sequence; replay does not list those.
        let identity = owned_by.as_ref().is_some_and(|(t, c)| {
            catalog
                .tables
                .get(t)
                .and_then(|t| t.column(c))
                .is_some_and(|c| c.identity.is_some())
        });
        if identity {
            if let Some((t, c)) = &owned_by {
                let last_value: Option<i64> = row.get(4);
                catalog.tables.modify(t, |t| {
                    if let Some(column) = t.column_mut(c) {
                        column.last_value = last_value;
                    }
                });
            }
            continue;
        }
        catalog.sequences.insert(
            name.clone(),
            Sequence {
                name,
                owned_by,
                type_name: TypeName::simple(&row.get::<_, String>(2)),
                last_value: row.get(4),
            },
        );
    }

    // Views and materialized views, with the relations and columns their rules read.
    let views = session.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text, obj_description(c.oid, 'pg_class'),
                    ARRAY(SELECT DISTINCT dn.nspname::text || '.' || dc.relname::text
                          FROM pg_rewrite r JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass
                          JOIN pg_class dc ON dc.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
                          JOIN pg_namespace dn ON dn.oid = dc.relnamespace
                          WHERE r.ev_class = c.oid AND dc.oid <> c.oid),
                    ARRAY(SELECT DISTINCT a.attname::text
                          FROM pg_rewrite r JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass
                          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                          WHERE r.ev_class = c.oid AND d.refobjid <> c.oid AND d.refobjsubid > 0),
                    pg_get_viewdef(c.oid),
                    ARRAY(SELECT DISTINCT json_build_array(dn.nspname, dc.relname, a.attname)::text
                          FROM pg_rewrite r JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass
                          JOIN pg_class dc ON dc.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
                          JOIN pg_namespace dn ON dn.oid = dc.relnamespace
                          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                          WHERE r.ev_class = c.oid AND d.refobjid <> c.oid AND d.refobjsubid > 0)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('v', 'm') AND {ns}"
        ),
        &[],
    )?;
    for row in views {
        let name = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let reads: Vec<String> = row.get(4);
        let mut reads: Vec<QualName> = reads
            .iter()
            .filter_map(|r| r.split_once('.'))
            .map(|(s, n)| QualName::new(s, n))
            .collect();
        reads.sort();
        let mut columns_read: Vec<String> = row.get(5);
        columns_read.sort();
        let mut column_refs: Vec<(QualName, String)> = row
            .get::<_, Vec<String>>(7)
            .iter()
            .filter_map(|r| serde_json::from_str::<(String, String, String)>(r).ok())
            .map(|(schema, table, column)| (QualName::new(schema, table), column))
            .collect();
        column_refs.sort();
        let output_columns = view_columns
            .iter()
            .filter(|(v, _)| v == &name)
            .map(|(_, c)| c.clone())
            .collect();
        catalog.views.insert(
            name.clone(),
            View {
                name,
                materialized: row.get::<_, String>(2) == "m",
                reads,
                columns_read,
                column_refs,
                loose_columns: vec![],
                functions: vec![],
                output_columns,
                // The server's own text of the query, parsed like a migration's view.
                joins: row
                    .get::<_, Option<String>>(6)
                    .and_then(|def| crate::parse::parse_tree_only(&def))
                    .map(|tree| {
                        let query = tree.stmts.first().and_then(|s| s.stmt.as_deref());
                        crate::syntax::join_pairs(query)
                    })
                    .unwrap_or_default(),
                comment: row.get(3),
            },
        );
    }

    // Enum and domain types.
    for row in session.query(
        &format!(
            "SELECT n.nspname::text, t.typname::text,
                    ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typtype = 'e' AND {ns}"
        ),
        &[],
    )? {
        let name = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        catalog.enums.insert(
            name.clone(),
            EnumType {
                name,
                values: row.get(2),
            },
        );
    }
    for row in session.query(
        &format!(
            "SELECT n.nspname::text, t.typname::text, bt.typname::text, format_type(t.typbasetype, t.typtypmod),
                    bn.nspname::text, t.typnotnull,
                    ARRAY(SELECT pg_get_expr(con.conbin, 0) FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname)
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             JOIN pg_type bt ON bt.oid = t.typbasetype JOIN pg_namespace bn ON bn.oid = bt.typnamespace
             WHERE t.typtype = 'd' AND {ns}"
        ),
        &[],
    )? {
        let name = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let checks: Vec<Option<String>> = row.get(6);
        catalog.domains.insert(
            name.clone(),
            Domain {
                name,
                base: type_name(&row.get::<_, String>(2), &row.get::<_, String>(3), &row.get::<_, String>(4), 0),
                not_null: row.get(5),
                checks: checks.into_iter().filter_map(expr_of).collect(),
            },
        );
    }

    // Functions and procedures.
    for row in session.query(
        &format!(
            "SELECT n.nspname::text, p.proname::text, l.lanname::text, p.provolatile::text, p.prosecdef,
                    (SELECT substr(c, length('search_path=') + 1) FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%' LIMIT 1),
                    p.prorettype = 'trigger'::regtype,
                    ARRAY(SELECT t.typname::text FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(oid, ord) JOIN pg_type t ON t.oid = a.oid ORDER BY a.ord)
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             JOIN pg_language l ON l.oid = p.prolang
             LEFT JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
             WHERE p.prokind IN ('f', 'p') AND d.objid IS NULL AND {ns}"
        ),
        &[],
    )? {
        let name = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let args: Vec<String> = row.get(7);
        catalog.functions.entry(name.clone()).or_default().push(Function {
            name,
            arg_types: args.iter().map(|a| TypeName::simple(a)).collect(),
            language: row.get(2),
            volatility: match row.get::<_, String>(3).as_str() {
                "i" => Volatility::Immutable,
                "s" => Volatility::Stable,
                _ => Volatility::Volatile,
            },
            security_definer: row.get(4),
            search_path: row.get(5),
            returns_trigger: row.get(6),
        });
    }

    // Triggers and row-level security policies.
    for row in session.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, tg.tgname::text, pn.nspname::text, p.proname::text, tg.tgenabled <> 'D'
             FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_proc p ON p.oid = tg.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
             WHERE NOT tg.tgisinternal AND {ns}"
        ),
        &[],
    )? {
        let rel = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let trigger = Trigger {
            name: row.get(2),
            function: QualName::new(row.get::<_, String>(3), row.get::<_, String>(4)),
            enabled: row.get(5),
        };
        catalog
            .tables
            .modify(&rel, |table| table.triggers.push(trigger));
    }
    for row in session.query(
        &format!(
            "SELECT n.nspname::text, c.relname::text, pol.polname::text
             FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {ns} ORDER BY pol.polname"
        ),
        &[],
    )? {
        let rel = QualName::new(row.get::<_, String>(0), row.get::<_, String>(1));
        let policy: String = row.get(2);
        catalog
            .tables
            .modify(&rel, |table| table.policies.push(policy));
    }
    if statistics {
        catalog.statistics = Some(read_statistics(session, scope)?);
    }
    Ok(catalog)
}

/// How long the usage counters have counted, and `pg_stats` for the columns whose names suggest a
/// closed set of values (the evidence `enum-like-column-without-check` needs on a live database).
fn read_statistics(session: &(impl CatalogSession + ?Sized), scope: &Scope) -> Result<Statistics> {
    let window = session.query(
        "SELECT extract(epoch FROM now() - greatest(pg_postmaster_start_time(),
                    (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database())))::float8 / 86400",
        &[],
    )?;
    let mut statistics = Statistics {
        window_days: window.first().map_or(0.0, |row| row.get(0)),
        column_values: Default::default(),
    };
    let names = crate::rules::ENUM_LIKE_NAMES.join("|");
    for row in session.query(
        &format!(
            "SELECT s.schemaname::text, s.tablename::text, s.attname::text, s.n_distinct::float8,
                    COALESCE(s.most_common_vals::text::text[], '{{}}'),
                    COALESCE(s.most_common_freqs::float8[], '{{}}')
             FROM pg_stats s
             WHERE s.attname ~ '(^|_)({names})$' AND {}
             ORDER BY s.inherited",
            scope.condition("s.schemaname")
        ),
        &[],
    )? {
        let values: Vec<String> = row.get(4);
        let freqs: Vec<f64> = row.get(5);
        statistics.column_values.insert(
            (
                QualName::new(row.get::<_, String>(0), row.get::<_, String>(1)),
                row.get(2),
            ),
            ColumnValues {
                n_distinct: row.get(3),
                common_values: values.into_iter().zip(freqs).collect(),
            },
        );
    }
    Ok(statistics)
}
