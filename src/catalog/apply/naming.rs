//! PostgreSQL's own names for constraints and indexes a statement does not name (`ChooseRelationName`,
//! `ChooseConstraintName`): truncated to `NAMEDATALEN - 1` bytes, made unique with a number.

use super::*;

const NAMEDATALEN: usize = 64;

/// PostgreSQL's makeObjectName: `name1_name2_label`, truncated to 63 bytes by shortening the longer part.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut n1: String = name1.to_string();
    let mut n2: String = name2.unwrap_or("").to_string();
    let overhead = label.len() + 1 + if n2.is_empty() { 0 } else { 1 };
    let max = NAMEDATALEN - 1;
    while n1.len() + n2.len() + overhead > max {
        if n1.len() >= n2.len() {
            n1.pop();
        } else {
            n2.pop();
        }
    }
    if n2.is_empty() {
        format!("{n1}_{label}")
    } else {
        format!("{n1}_{n2}_{label}")
    }
}

/// Picks a free relation name in `schema`, appending a number to the label on conflict.
pub(super) fn choose_relation_name(
    catalog: &Catalog,
    schema: &str,
    name1: &str,
    name2: Option<&str>,
    label: &str,
) -> String {
    let mut pass = 0;
    loop {
        let label = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let candidate = make_object_name(name1, name2, &label);
        if !catalog.relation_exists(&QualName::new(schema, candidate.clone())) {
            return candidate;
        }
        pass += 1;
    }
}

pub(super) fn choose_constraint_name(table: &Table, name2: Option<&str>, label: &str) -> String {
    let mut pass = 0;
    loop {
        let label_n = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let candidate = make_object_name(&table.name.name, name2, &label_n);
        if table.constraint(&candidate).is_none() {
            return candidate;
        }
        pass += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_table_names_constraints_like_postgres() {
        let c = replay(
            "CREATE TABLE users (id bigserial PRIMARY KEY, email text UNIQUE, age int CHECK (age > 0));
             CREATE TABLE orders (id int PRIMARY KEY, user_id bigint REFERENCES users, CHECK (id > 0));",
        );
        let users = c.table(&QualName::public("users")).unwrap();
        let names: Vec<&str> = users.constraints.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["users_pkey", "users_email_key", "users_age_check"]
        );
        assert!(users.column("id").unwrap().serial);
        assert_eq!(users.column("id").unwrap().type_name.name, "int8");
        assert!(c.sequences.contains_key(&QualName::public("users_id_seq")));
        assert!(c.indexes.contains_key(&QualName::public("users_email_key")));
        let orders = c.table(&QualName::public("orders")).unwrap();
        let fk = orders.constraint("orders_user_id_fkey").unwrap();
        assert!(
            matches!(&fk.kind, ConstraintKind::ForeignKey { ref_columns, .. } if ref_columns == &vec!["id".to_string()])
        );
        assert!(orders.constraint("orders_id_check").is_some());
    }

    #[test]
    fn long_names_are_truncated_to_63_bytes() {
        let long = "a".repeat(60);
        let c = replay(&format!("CREATE TABLE {long} (id int PRIMARY KEY)"));
        let table = c.table(&QualName::public(long.clone())).unwrap();
        assert_eq!(table.constraints[0].name.len(), 63);
        assert!(table.constraints[0].name.ends_with("_pkey"));
    }
}
