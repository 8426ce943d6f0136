//! `security-definer-without-search-path`: a SECURITY DEFINER function without a fixed search_path.

use super::*;

declare_rule! {
    SecurityDefinerWithoutSearchPath {
        id: "security-definer-without-search-path",
        category: Schema,
        severity: Warning,
        fix: Recipe(ChangesSchema),
    }
}

impl Rule for SecurityDefinerWithoutSearchPath {
    fn check_schema(&self, cx: &SchemaContext<'_>, out: &mut Vec<Diagnostic>) {
        for (name, overloads) in &cx.catalog.functions {
            for f in overloads
                .iter()
                .filter(|f| f.security_definer && f.search_path.is_none())
            {
                let args: Vec<String> = f.arg_types.iter().map(|t| t.to_string()).collect();
                out.push(
                    Diagnostic::about(
                        META.id,
                        name.clone(),
                        None,
                        format!(
                            "function `{name}({})` runs with its owner's privileges (`SECURITY DEFINER`) but resolves names through the caller's `search_path`: a caller who can create objects in a schema on that path can make it run their own function or operator as the owner",
                            args.join(", ")
                        ),
                    )
                    .help("pin the search path on the function and schema-qualify what it uses")
                    .fix(
                        format!(
                            "ALTER FUNCTION {name}({}) SET search_path = pg_catalog, {};",
                            args.join(", "),
                            crate::syntax::quote_ident(&name.schema)
                        ),
                        crate::finding::Applicability::Unsafe,
                    ),
                );
            }
        }
    }
}
