//! `pgproof.toml` + flags resolved once into [`Settings`], passed down to every command.

use crate::finding::Severity;
use crate::source::{Layout, LoadOptions};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "pgproof.toml";
pub const DEFAULT_PG_VERSION: u32 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// The lowest severity that fails the run (the command line's is `cli::FailOnArg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
        }
    }
}

/// The file format. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    migrations: Option<PathBuf>,
    pg_version: Option<u32>,
    layout: Option<String>,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    fail_on: Option<FailOn>,
    max_file_size_mb: Option<u64>,
    runner_transaction: Option<bool>,
    require_statement_timeout: Option<bool>,
    require_files: Option<bool>,
    rules: Option<BTreeMap<String, Level>>,
    ignore: Option<Vec<IgnoreEntry>>,
    tenant_columns: Option<Vec<String>>,
    unused_index_min_days: Option<f64>,
    /// Application query files or directories, relative to the config file.
    queries: Option<Vec<PathBuf>>,
    /// Regular expressions for templating the application fills in before running a query.
    query_placeholders: Option<Vec<String>>,
    /// Tables that stay small by design (`settings`, `public.leader`): no index advice for them.
    small_tables: Option<Vec<String>>,
    /// Where `lint` keeps its replay cache, relative to the config file.
    cache_dir: Option<PathBuf>,
    /// `[[sets]]`: settings for the migration sets under a directory (a monorepo's services).
    sets: Option<Vec<SetEntry>>,
}

/// `[[sets]]`: the migration sets under `path` (relative to the config file) use this layout,
/// PostgreSQL version and runner transaction instead of the file's top-level ones.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetEntry {
    path: PathBuf,
    layout: Option<String>,
    pg_version: Option<u32>,
    runner_transaction: Option<bool>,
}

/// `[[ignore]]`: findings about database objects (`pgproof audit`) to leave out, by object name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreEntry {
    object: toml::Spanned<String>,
    rules: Option<Vec<String>>,
    reason: Option<String>,
}

/// A resolved `[[ignore]]` entry: a glob over schema-qualified object names (`public.legacy_*`,
/// `billing.invoices.*` for every column of a table), the rules it covers (all when empty) and why.
#[derive(Debug, Clone)]
pub struct ObjectIgnore {
    pub pattern: String,
    matcher: globset::GlobMatcher,
    pub rules: Vec<String>,
    pub reason: String,
    /// The line of the entry's `object` key in the config file.
    pub line: usize,
}

impl ObjectIgnore {
    pub fn covers(&self, rule: &str, object: &str) -> bool {
        (self.rules.is_empty() || self.rules.iter().any(|r| r == rule))
            && self.matcher.is_match(object)
    }
}

/// Everything a command needs to know, resolved once: configuration only. What is computed from
/// the inputs (the `--schema-from` schema, the queries' evidence) travels in the engine's input.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: Option<PathBuf>,
    /// Default paths to lint when none are given.
    pub migrations: Option<PathBuf>,
    pub pg_version: u32,
    pub fail_on: FailOn,
    pub load: LoadOptions,
    /// Per-rule level overrides from the config.
    pub levels: BTreeMap<String, Level>,
    /// `missing-lock-timeout` also asks for `statement_timeout` before long-running statements.
    pub require_statement_timeout: bool,
    /// Finding nothing to lint under a path is an error (exit code 2), not a note.
    pub require_files: bool,
    /// `[[ignore]]` entries for findings about live database objects.
    pub ignores: Vec<ObjectIgnore>,
    /// Column names that scope a row to a tenant; the rules' defaults when None.
    pub tenant_columns: Option<Vec<String>>,
    /// Application query files or directories (`queries` in the config, `--queries`).
    pub queries: Vec<PathBuf>,
    /// `query_placeholders`: templating in query files (`%order%`), replaced by a neutral token
    /// before a query is parsed.
    pub query_placeholders: Vec<regex::Regex>,
    /// Tables that stay small by design (`small_tables`): names, optionally schema-qualified.
    /// Index advice skips them, as it skips tables live statistics show to be small.
    pub small_tables: Vec<String>,
    /// `unused-index` speaks only when the usage counters have counted at least this many days.
    pub unused_index_min_days: f64,
    /// `cache_dir`: where `lint` keeps its replay cache (flags and the environment come first).
    pub cache_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            config_path: None,
            migrations: None,
            pg_version: DEFAULT_PG_VERSION,
            fail_on: FailOn::Warning,
            load: LoadOptions::default(),
            levels: BTreeMap::new(),
            require_statement_timeout: false,
            require_files: false,
            ignores: vec![],
            tenant_columns: None,
            queries: vec![],
            query_placeholders: vec![],
            small_tables: vec![],
            unused_index_min_days: 7.0,
            cache_dir: None,
        }
    }
}

impl Settings {
    /// The severity of `rule` after config, or None when it is off.
    pub fn severity_of(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.levels.get(rule) {
            Some(level) => level.severity(),
            None => Some(default),
        }
    }

    pub fn is_enabled(&self, rule: &str) -> bool {
        self.levels.get(rule) != Some(&Level::Off)
    }
}

impl Settings {
    /// A `--pg-version` or `--layout` given on the command line wins over `[[sets]]` entries too.
    pub fn flags_win(&mut self, pg_version: bool, layout: bool) {
        if !(pg_version || layout) || self.load.sets.is_empty() {
            return;
        }
        let sets = self
            .load
            .sets
            .iter()
            .cloned()
            .map(|mut c| {
                if pg_version {
                    c.pg_version = None;
                }
                if layout {
                    c.layout = None;
                }
                c
            })
            .collect();
        self.load.sets = std::sync::Arc::new(sets);
    }

    /// The settings for the migration set at `root`: the `[[sets]]` entry that covers it (the
    /// deepest) overrides the PostgreSQL version; borrowed as they are when none does.
    pub fn for_set(&self, root: &Path) -> std::borrow::Cow<'_, Settings> {
        match self.load.set_config(root).and_then(|c| c.pg_version) {
            Some(v) if v != self.pg_version => {
                let mut settings = self.clone();
                settings.pg_version = v;
                std::borrow::Cow::Owned(settings)
            }
            _ => std::borrow::Cow::Borrowed(self),
        }
    }
}

/// Finds `pgproof.toml` in `start` or its ancestors.
/// Whether `PGPROOF_NO_CACHE` (set, and not `0`) turns pgproof's caches off.
pub fn cache_off_by_env() -> bool {
    std::env::var_os("PGPROOF_NO_CACHE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// pgproof's cache directory: `$PGPROOF_CACHE_DIR`, else `configured` (a config's `cache_dir`),
/// else `$XDG_CACHE_HOME/pgproof` or `~/.cache/pgproof`; None when no home directory is known.
pub fn user_cache_dir(configured: Option<&Path>) -> Option<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = env("PGPROOF_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = configured {
        return Some(dir.to_path_buf());
    }
    env("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| env("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|base| base.join("pgproof"))
}

pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    let mut dir = if start.is_file() {
        start.parent()?.to_path_buf()
    } else {
        start
    };
    loop {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = dir.parent()?.to_path_buf();
    }
}

/// Loads settings from `path` (or defaults when None). `is_rule` tells the rule ids that the file
/// may name (in `[rules]` and `[[ignore]]`): the caller passes `rules::is_known`, so that `config`
/// sits below the rules and never reads their registry.
pub fn load(path: Option<&Path>, is_rule: fn(&str) -> bool) -> Result<Settings> {
    let mut settings = Settings::default();
    let Some(path) = path else {
        return Ok(settings);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config `{}`", path.display()))?;
    let file: ConfigFile = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
        .with_context(|| format!("invalid config `{}`", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    settings.config_path = Some(path.to_path_buf());
    settings.migrations = file.migrations.map(|m| base.join(m));
    settings.cache_dir = file.cache_dir.map(|d| base.join(d));
    if let Some(v) = file.pg_version {
        check_pg_version(v)
            .with_context(|| format!("invalid config `{}`: key `pg_version`", path.display()))?;
        settings.pg_version = v;
    }
    if let Some(fail_on) = file.fail_on {
        settings.fail_on = fail_on;
    }
    if let Some(layout) = file.layout.filter(|l| l != "auto") {
        settings.load.layout = Some(Layout::from_name(&layout).with_context(|| {
            let names: Vec<&str> = crate::source::layout::LAYOUT_NAMES.iter().map(|(n, _)| *n).collect();
            format!("invalid config `{}`: key `layout` has unknown value `{layout}` (expected auto, {})", path.display(), names.join(", "))
        })?);
    }
    if let Some(mb) = file.max_file_size_mb {
        settings.load.max_file_bytes = mb.saturating_mul(1024 * 1024);
    }
    settings.load.runner_transaction = file.runner_transaction;
    settings.require_statement_timeout = file.require_statement_timeout.unwrap_or(false);
    settings.require_files = file.require_files.unwrap_or(false);
    settings.load.include = globs(file.include.as_deref(), path, "include")?;
    settings.load.exclude = globs(file.exclude.as_deref(), path, "exclude")?;
    for (rule, level) in file.rules.unwrap_or_default() {
        if !is_rule(&rule) {
            bail!("invalid config `{}`: key `rules.{rule}` names no pgproof rule (see `pgproof rules`)", path.display());
        }
        settings.levels.insert(rule, level);
    }
    settings.tenant_columns = file.tenant_columns;
    settings.small_tables = file.small_tables.unwrap_or_default();
    if let Some(bad) = settings
        .small_tables
        .iter()
        .find(|t| t.trim().is_empty() || t.split('.').count() > 2)
    {
        bail!(
            "invalid config `{}`: key `small_tables` has `{bad}`, which is no table name (expected `table` or `schema.table`)",
            path.display()
        );
    }
    if let Some(days) = file.unused_index_min_days {
        if !(days >= 0.0 && days.is_finite()) {
            bail!(
                "invalid config `{}`: key `unused_index_min_days` must be a number of days, 0 or more (got {days})",
                path.display()
            );
        }
        settings.unused_index_min_days = days;
    }
    settings.queries = file
        .queries
        .unwrap_or_default()
        .into_iter()
        .map(|q| base.join(q))
        .collect();
    for pattern in file.query_placeholders.unwrap_or_default() {
        let regex = regex::Regex::new(&pattern).map_err(|e| {
            anyhow::anyhow!(
                "invalid config `{}`: key `query_placeholders` has an invalid regular expression `{pattern}`: {e}",
                path.display()
            )
        })?;
        settings.query_placeholders.push(regex);
    }
    let mut sets = vec![];
    for (i, entry) in file.sets.unwrap_or_default().into_iter().enumerate() {
        let at = format!(
            "invalid config `{}`: `[[sets]]` entry {} (`{}`)",
            path.display(),
            i + 1,
            entry.path.display()
        );
        let dir = base.join(&entry.path);
        if !dir.is_dir() {
            bail!("{at}: `path` is not a directory");
        }
        let layout = match entry.layout.filter(|l| l != "auto") {
            Some(name) => Some(
                Layout::from_name(&name)
                    .with_context(|| format!("{at}: unknown layout `{name}`"))?,
            ),
            None => None,
        };
        if let Some(v) = entry.pg_version {
            check_pg_version(v).with_context(|| at.clone())?;
        }
        sets.push(crate::source::SetConfig {
            dir: crate::source::canonical(&dir),
            layout,
            pg_version: entry.pg_version,
            runner_transaction: entry.runner_transaction,
        });
    }
    settings.load.sets = std::sync::Arc::new(sets);
    for (i, entry) in file.ignore.unwrap_or_default().into_iter().enumerate() {
        let line = text[..entry.object.span().start.min(text.len())]
            .matches('\n')
            .count()
            + 1;
        let object = entry.object.into_inner();
        let at = format!(
            "invalid config `{}`: `[[ignore]]` entry {}",
            path.display(),
            i + 1
        );
        let reason = match entry.reason.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => r.to_string(),
            _ => bail!("{at} (`{object}`) needs a `reason`: say why the finding does not apply"),
        };
        let glob = globset::GlobBuilder::new(&object)
            .literal_separator(false)
            .build()
            .with_context(|| format!("{at} has a bad `object` glob `{object}`"))?;
        let rules = entry.rules.unwrap_or_default();
        for rule in &rules {
            if !is_rule(rule) {
                bail!("{at} names no pgproof rule `{rule}` (see `pgproof rules`)");
            }
        }
        settings.ignores.push(ObjectIgnore {
            pattern: object,
            matcher: glob.compile_matcher(),
            rules,
            reason,
            line,
        });
    }
    Ok(settings)
}

/// Whether the config file at `path` names a `pg_version` (the user asked for that major, rather
/// than taking the default).
pub fn sets_pg_version(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|table| table.contains_key("pg_version"))
}

pub fn check_pg_version(v: u32) -> Result<()> {
    if !(9..=19).contains(&v) {
        bail!("PostgreSQL version {v} is not supported (expected a major version from 9 to 19)");
    }
    Ok(())
}

fn globs(patterns: Option<&[String]>, path: &Path, key: &str) -> Result<Option<globset::GlobSet>> {
    let Some(patterns) = patterns else {
        return Ok(None);
    };
    let mut builder = globset::GlobSetBuilder::new();
    for p in patterns {
        let glob = globset::Glob::new(p).with_context(|| {
            format!(
                "invalid config `{}`: key `{key}` has a bad glob `{p}`",
                path.display()
            )
        })?;
        builder.add(glob);
    }
    Ok(Some(builder.build()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Settings> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, text).unwrap();
        load(Some(&path), |id| RULES.contains(&id))
    }

    /// The rule ids these tests name (`config` does not read the registry).
    const RULES: &[&str] = &[
        "drop-column",
        "rename-column",
        "table-without-primary-key",
        "missing-foreign-key",
        "nullable-required-column",
    ];

    #[test]
    fn reads_keys() {
        let s = load_text("pg_version = 11\nfail_on = \"error\"\nlayout = \"flyway\"\n[rules]\ndrop-column = \"off\"\nrename-column = \"error\"\n").unwrap();
        assert_eq!(s.pg_version, 11);
        assert_eq!(s.fail_on, FailOn::Error);
        assert_eq!(s.load.layout, Some(Layout::Flyway));
        assert!(!s.is_enabled("drop-column"));
        assert_eq!(
            s.severity_of("rename-column", Severity::Warning),
            Some(Severity::Error)
        );
    }

    #[test]
    fn a_pg_version_in_the_file_is_told_from_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "pg_version = 15\n").unwrap();
        assert!(sets_pg_version(&path));
        std::fs::write(&path, "fail_on = \"error\"\n").unwrap();
        assert!(!sets_pg_version(&path));
        assert!(!sets_pg_version(&dir.path().join("missing.toml")));
    }

    #[test]
    fn unknown_keys_and_rules_are_errors_naming_the_key() {
        let err = format!("{:#}", load_text("pg_versoin = 11\n").unwrap_err());
        assert!(err.contains("pg_versoin"), "{err}");
        let err = format!(
            "{:#}",
            load_text("[rules]\nno-such-rule = \"off\"\n").unwrap_err()
        );
        assert!(err.contains("rules.no-such-rule"), "{err}");
        let err = format!("{:#}", load_text("layout = \"rails\"\n").unwrap_err());
        assert!(err.contains("`layout`"), "{err}");
    }

    #[test]
    fn ignore_entries_match_object_names_and_need_a_reason() {
        let s = load_text(
            "[[ignore]]\nobject = \"public.legacy_*\"\nrules = [\"table-without-primary-key\"]\nreason = \"imported, read-only\"\n\
             [[ignore]]\nobject = \"billing.invoices.*\"\nreason = \"owned by the billing team\"\n",
        )
        .unwrap();
        assert!(s.ignores[0].covers("table-without-primary-key", "public.legacy_orders"));
        assert!(!s.ignores[0].covers("missing-foreign-key", "public.legacy_orders"));
        assert!(!s.ignores[0].covers("table-without-primary-key", "public.orders"));
        assert!(s.ignores[1].covers("nullable-required-column", "billing.invoices.paid_at"));
        assert!(!s.ignores[1].covers("nullable-required-column", "billing.invoice_lines.id"));
        assert_eq!((s.ignores[0].line, s.ignores[1].line), (2, 6));
        let err = format!(
            "{:#}",
            load_text("[[ignore]]\nobject = \"public.t\"\n").unwrap_err()
        );
        assert!(err.contains("needs a `reason`"), "{err}");
        let err = format!(
            "{:#}",
            load_text("[[ignore]]\nobject = \"public.t\"\nrules = [\"nope\"]\nreason = \"x\"\n")
                .unwrap_err()
        );
        assert!(err.contains("`nope`"), "{err}");
    }
}
