//! `cascade-chain-too-deep`: one DELETE cascades through more than a few levels of tables.

use super::*;
use crate::syntax::{ConstraintKind, FkAction};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::collections::HashMap;

declare_rule! {
    CascadeChainTooDeep {
        id: "cascade-chain-too-deep",
        category: Schema,
        severity: Warning,
        fix: Guidance,
    }
}

/// Chains of more `ON DELETE CASCADE` levels than this are reported.
const MAX_LEVELS: usize = 3;

impl Rule for CascadeChainTooDeep {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        // Edges point from a parent table to each child whose foreign key cascades its deletes.
        let mut graph: DiGraph<&QualName, ()> = DiGraph::new();
        let mut nodes: HashMap<&QualName, NodeIndex> = HashMap::new();
        for table in cx.catalog.logical_tables() {
            for fk in table.foreign_keys() {
                if let ConstraintKind::ForeignKey {
                    ref_table,
                    on_delete: FkAction::Cascade,
                    ..
                } = &fk.kind
                {
                    let Some(parent) = cx.catalog.tables.get(ref_table) else {
                        continue;
                    };
                    if parent.name == table.name {
                        continue; // a tree inside one table: depth depends on data, not schema
                    }
                    let p = *nodes
                        .entry(&parent.name)
                        .or_insert_with(|| graph.add_node(&parent.name));
                    let c = *nodes
                        .entry(&table.name)
                        .or_insert_with(|| graph.add_node(&table.name));
                    graph.update_edge(p, c, ());
                }
            }
        }
        let mut memo: HashMap<NodeIndex, Vec<NodeIndex>> = HashMap::new();
        for root in graph.node_indices() {
            // Report where a chain starts: tables that nothing cascades into.
            if graph
                .neighbors_directed(root, Direction::Incoming)
                .next()
                .is_some()
            {
                continue;
            }
            let chain = longest(&graph, root, &mut memo, &mut vec![]);
            let levels = chain.len() - 1;
            if levels <= MAX_LEVELS {
                continue;
            }
            let names: Vec<String> = chain.iter().map(|&n| format!("`{}`", graph[n])).collect();
            let root_name = graph[root];
            out.push(
                Diagnostic::about(
                    META.id,
                    root_name.clone(),
                    None,
                    format!(
                        "deleting one row of `{root_name}` cascades through {levels} levels of tables ({}): a single DELETE can remove and lock an unbounded number of rows in one transaction, and an accidental delete at the top is unrecoverable without a restore",
                        names.join(" → ")
                    ),
                )
                .help(format!(
                    "keep `ON DELETE CASCADE` for rows that are truly part of their parent (at most {MAX_LEVELS} levels); elsewhere use `ON DELETE RESTRICT` and delete children explicitly in batches, or soft-delete the top row"
                )),
            );
        }
    }
}

/// The longest cascade path from `n`, as the list of tables it passes through (cycles cut).
fn longest(
    graph: &DiGraph<&QualName, ()>,
    n: NodeIndex,
    memo: &mut HashMap<NodeIndex, Vec<NodeIndex>>,
    stack: &mut Vec<NodeIndex>,
) -> Vec<NodeIndex> {
    if let Some(done) = memo.get(&n) {
        return done.clone();
    }
    stack.push(n);
    let mut best: Vec<NodeIndex> = vec![];
    let mut children: Vec<NodeIndex> = graph.neighbors(n).collect();
    children.sort_by_key(|&c| graph[c]);
    for child in children {
        if stack.contains(&child) {
            continue;
        }
        let path = longest(graph, child, memo, stack);
        if path.len() > best.len() {
            best = path;
        }
    }
    stack.pop();
    let mut path = vec![n];
    path.extend(best);
    memo.insert(n, path.clone());
    path
}
