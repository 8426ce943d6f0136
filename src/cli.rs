//! Command-line types (clap derive). No behaviour lives here.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the version and the commit it was built from (`unknown` outside
/// a git checkout), set by `build.rs`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PGPROOF_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "pgproof",
    version = VERSION,
    about = "PostgreSQL schema and migration linter that knows the whole schema",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint migration files: replay them into a schema and report hazards.
    // A flag given twice takes its last value (CI recipes append their own `--format`).
    #[command(args_override_self = true)]
    Lint(LintArgs),
    /// Accept the current findings: write them to `pgproof-baseline.json`, which `lint` then
    /// leaves out (it reports only new findings).
    Baseline(BaselineArgs),
    /// Write the safe fixes of the findings into the migration files, each checked first: the
    /// fixed files lint clean of what was fixed and gain no new finding.
    Fix(FixArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain(ExplainArgs),
    /// Review a live database's schema (read-only): the schema rules on its catalog.
    Audit(AuditArgs),
    /// Replay migrations on a throwaway PostgreSQL: observe locks, rewrites and durations, check
    /// the static findings against them, and check that down migrations really reverse.
    Prove(ProveArgs),
    /// Remove what killed `pgproof prove` runs left: containers (label pgproof=throwaway), local
    /// cluster directories with their servers, and (with --database-url) scratch databases. What a
    /// live run on this host owns is spared.
    Prune(PruneArgs),
    /// Print a shell completion script (`pgproof completions bash > /etc/bash_completion.d/pgproof`).
    Completions(CompletionsArgs),
    /// Print the man page (roff: `pgproof man > pgproof.1`, or `pgproof man | man -l -`).
    Man,
    /// Run the Language Server on stdio: diagnostics as a migration is typed, the rule's doc on
    /// hover, fixes as code actions.
    Lsp,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// Also remove what is older than this, whoever owns it (`90s`, `30m`, `2h`, `1d`): for
    /// leftovers of runs on other hosts, whose liveness cannot be checked from here.
    #[arg(long, value_name = "DURATION")]
    pub older_than: Option<String>,
    /// Also drop stale `pgproof_*` scratch databases on this server (left by the url backend).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ProveArgs {
    /// Migration directories or files (default: `migrations` from pgproof.toml, else ./migrations).
    pub paths: Vec<PathBuf>,
    /// Config file (default: pgproof.toml found by walking up from the first path).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Where the throwaway PostgreSQL comes from; `auto` says which it picked and why.
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: Backend,
    /// Container image for the container backend (e.g. `postgres:17`); default
    /// pgproof-test/postgres:<pg_version>, built by scripts/build-test-image.sh.
    #[arg(long)]
    pub image: Option<String>,
    /// Directory with `initdb` and `pg_ctl` for the local backend (default: the PATH).
    #[arg(long, value_name = "DIR")]
    pub pg_bin: Option<PathBuf>,
    /// Server for the url backend: pgproof creates `pgproof_*` scratch databases there and drops
    /// them; the database in the URL is only used to connect.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Target PostgreSQL major (default: pg_version from pgproof.toml, else 15); picks the image.
    /// A list (`13,15,17`) proves on each and reports where their behaviour differs.
    #[arg(long, value_delimiter = ',', value_name = "MAJOR[,MAJOR...]")]
    pub pg_version: Vec<u32>,
    /// Migration layout (default: detected).
    #[arg(long)]
    pub layout: Option<String>,
    /// SQL file run in every scratch database before the migrations (extensions, roles, schemas
    /// the migrations expect to exist).
    #[arg(long, value_name = "FILE")]
    pub init_sql: Option<PathBuf>,
    /// Start from this schema instead of an empty database: a plain `pg_dump --schema-only` file,
    /// or a postgresql:// URL dumped with `pg_dump --schema-only` (needs `pg_dump` on the PATH or
    /// in --pg-bin; the database is only read). Applied once after --init-sql; roles it names that
    /// the throwaway server lacks are created NOLOGIN (on --backend url, those statements are
    /// skipped). The static lint starts from the same schema.
    #[arg(long, value_name = "DUMP_OR_URL")]
    pub schema_from: Option<String>,
    /// Seconds to wait for the throwaway server to start.
    #[arg(long, default_value_t = 120)]
    pub startup_timeout: u64,
    /// Application queries (files or directories, repeatable): each is prepared on the migrated
    /// schema, and each index a finding suggests is tried (EXPLAIN before and after).
    #[arg(long = "queries", value_name = "PATH")]
    pub queries: Vec<PathBuf>,
    /// With --queries: also prepare the query files as they were at this git ref (the release
    /// still running) against the new schema.
    #[arg(long, value_name = "GIT_REF")]
    pub since: Option<String>,
    /// Synthetic rows per table (types, foreign keys and unique keys respected), so that scans,
    /// rewrites and validations are real: in the replay, each table is filled before the first
    /// migration that finds it (default none); in fix and query proofs (default 10,000).
    #[arg(long)]
    pub rows: Option<u64>,
    /// While each statement that locks existing tables runs, read and write those tables from
    /// two other connections and report how long they waited (use with --rows for real durations).
    #[arg(long)]
    pub traffic: bool,
    /// Do not prove fix recipes (each one replays the history up to its statement on a copy).
    #[arg(long)]
    pub no_fixes: bool,
    /// Data of your own: in the replay, run before the first migration after which it applies
    /// (the tables it fills exist); in query proofs, after the migrations.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ProveFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProveFormat {
    /// Per migration and statement: locks, rewrites, durations, verdicts.
    Human,
    /// The whole proof as JSON (`"version": 1`).
    Json,
    /// A summary and tables per migration, fix and query, for a pull request comment.
    Markdown,
    /// The proofs that failed as SARIF 2.1.0 results at their file and line.
    Sarif,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// postgresql:// URL or `key=value` string; what it leaves out comes from PGHOST, PGPORT,
    /// PGUSER, PGPASSWORD and PGDATABASE.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Only these schemas (repeatable; default: every user schema).
    #[arg(long = "schema", value_name = "SCHEMA")]
    pub schemas: Vec<String>,
    /// Config file (rule levels, fail_on); default: pgproof.toml in the current directory or above.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: AuditFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Application query files or directories to check against the live schema (repeatable), in
    /// addition to the statements `pg_stat_statements` recorded.
    #[arg(long = "queries", value_name = "PATH")]
    pub queries: Vec<PathBuf>,
    /// Do not read `pg_stat_statements`.
    #[arg(long)]
    pub no_stat_statements: bool,
    /// The migrations that built this database (directories or files, repeatable, as `lint`
    /// reads them): findings then name the statement that created their object, as a file and
    /// line (and SARIF gives it as the physical location).
    #[arg(long = "migrations", value_name = "PATH")]
    pub migrations: Vec<PathBuf>,
    /// How the HTML report draws the foreign-key graph: `auto` uses Graphviz when `dot` is on the
    /// PATH, else pgproof's own layered layout.
    #[arg(long, value_enum, default_value_t = GraphLayout::Auto)]
    pub graph_layout: GraphLayout,
    /// Leave out the findings this baseline file lists (written by --write-baseline): report
    /// only what is new in the database since.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the findings to this baseline file (sorted, one entry per finding, by rule and
    /// object), after reporting them.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphLayout {
    /// Graphviz when `dot` is on the PATH, else the built-in layout.
    Auto,
    /// Graphviz (`dot`, with `unflatten` when present); an error if `dot` cannot run.
    Graphviz,
    /// pgproof's own layered layout (no external program).
    Builtin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Findings by severity, with evidence and fixes, and an overview table.
    Human,
    /// Stable JSON (`"version": 1`): findings carry `object` instead of file and line.
    Json,
    /// SARIF 2.1.0 with logical locations (the database objects).
    Sarif,
    /// A Markdown report, for an issue or a wiki page.
    Markdown,
    /// One self-contained HTML file (no external assets) with the foreign-key graph.
    Html,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Migration directories or files (default: `migrations` from pgproof.toml, else ./migrations).
    /// Given files are reported on; the rest of their migration set is replayed for context.
    /// `-` reads one migration from stdin (see --stdin-filename).
    pub paths: Vec<PathBuf>,
    /// Config file (default: pgproof.toml found by walking up from the first path).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: LintFormat,
    /// Target PostgreSQL major version (default 15, or `pg_version` in the config).
    #[arg(long)]
    pub pg_version: Option<u32>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Report only migrations added or changed since this git ref (earlier ones are still replayed).
    #[arg(long, value_name = "GIT_REF")]
    pub since: Option<String>,
    /// Force a layout instead of detecting it (plain, sqlx, golang-migrate, diesel, flyway, dbmate, goose, prisma, sqitch).
    #[arg(long)]
    pub layout: Option<String>,
    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Start from this schema instead of an empty database: a `pg_dump --schema-only` file, or a
    /// postgresql:// URL read read-only (for squashed migration histories).
    #[arg(long, value_name = "DUMP_OR_URL")]
    pub schema_from: Option<String>,
    /// Application queries to check against the schema the migrations build: `.sql` files or
    /// directories (repeatable; sqlc and yesql/aiosql names, `$1`, `:name` and `?` placeholders).
    /// With `--since`, the files as they were at that ref are checked too (the running release).
    #[arg(long = "queries", value_name = "PATH")]
    pub queries: Vec<PathBuf>,
    /// Finding no migration files under a path is an error (exit code 2) instead of a note on
    /// stderr (`require_files = true` in pgproof.toml).
    #[arg(long)]
    pub require_files: bool,
    /// Where the replay cache is kept (default: `$PGPROOF_CACHE_DIR`, else `cache_dir` in
    /// pgproof.toml, else `$XDG_CACHE_HOME/pgproof` or `~/.cache/pgproof`). Linting some files of
    /// a migration set starts from the cached state of the migrations before them.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the replay cache (also `PGPROOF_NO_CACHE=1`).
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Leave out the findings this baseline file lists (default: `pgproof-baseline.json` next to
    /// pgproof.toml, else in the current directory, when it exists).
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub baseline: Option<PathBuf>,
    /// Report every finding, whatever a baseline file lists.
    #[arg(long)]
    pub no_baseline: bool,
    /// Print the findings and errors only: the human format leaves out its summary, and stderr
    /// the notes about what was read (`.sql` files no layout reads, paths with nothing to lint,
    /// stale baseline entries).
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the safe fixes into the files first (what `pgproof fix` does, with the same
    /// checks; what was fixed is said on stderr), then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// With `-` as the path (text on stdin, as editors pass an unsaved buffer): the file the text
    /// is. When that file is on disk, the text replaces it in its migration set and the
    /// migrations before it are replayed; otherwise it is linted alone.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
}

impl LintArgs {
    /// The arguments of a lint run made on another command's behalf (`baseline`, `fix`): the
    /// migrations to replay and how, every finding (no baseline, no cache file choice), human
    /// format, nothing printed by the lint itself.
    pub fn replaying(paths: Vec<PathBuf>, replay: &ReplayArgs) -> Self {
        let ReplayArgs {
            config,
            pg_version,
            layout,
            schema_from,
        } = replay.clone();
        LintArgs {
            paths,
            config,
            format: LintFormat::Human,
            pg_version,
            fail_on: None,
            since: None,
            layout,
            color: ColorChoice::Never,
            schema_from,
            queries: vec![],
            require_files: false,
            cache_dir: None,
            no_cache: true,
            baseline: None,
            no_baseline: true,
            quiet: false,
            fix: false,
            stdin_filename: None,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// Migration files, or directories (with --since, or --fix-applied). Only these files are
    /// written; the rest of their migration sets is replayed for context.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub replay: ReplayArgs,
    /// Print the changes as a unified diff and write nothing (exit code 1 when there are some).
    #[arg(long)]
    pub diff: bool,
    /// Also apply fixes marked unsafe (they change behaviour or need more steps: review them).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Fix only the migrations added or changed since this git ref: those before it are applied
    /// somewhere and must not change.
    #[arg(long, value_name = "GIT_REF")]
    pub since: Option<String>,
    /// Allow fixing every migration under a directory given without --since, applied ones
    /// included (runners that check checksums will then refuse them).
    #[arg(long)]
    pub fix_applied: bool,
    /// Prove each fix that replaces a statement on a throwaway PostgreSQL first, as `prove`
    /// does (the recipe run in place of the statement on a copy of the database just before it,
    /// with synthetic rows): a fix whose proof does not hold is not written, and the run says why.
    #[arg(long)]
    pub prove: bool,
    /// With --prove: where the throwaway PostgreSQL comes from (as `prove --backend`).
    #[arg(long, value_enum, default_value = "auto", requires = "prove")]
    pub backend: Backend,
    /// With --prove: the container image (as `prove --image`).
    #[arg(long, requires = "prove")]
    pub image: Option<String>,
    /// With --prove: the directory with `initdb` and `pg_ctl` (as `prove --pg-bin`).
    #[arg(long, value_name = "DIR", requires = "prove")]
    pub pg_bin: Option<PathBuf>,
    /// With --prove and `--backend url`: the server where scratch databases may be created.
    #[arg(long, value_name = "URL", requires = "prove")]
    pub database_url: Option<String>,
}

/// How `baseline` and `fix` read and replay the migrations, as `lint` does.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReplayArgs {
    /// Config file (default: pgproof.toml found by walking up from the first path).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Target PostgreSQL major version (default 15, or `pg_version` in the config).
    #[arg(long)]
    pub pg_version: Option<u32>,
    /// Force a layout instead of detecting it.
    #[arg(long)]
    pub layout: Option<String>,
    /// Start from this schema instead of an empty database (a `pg_dump --schema-only` file, or
    /// a postgresql:// URL read read-only).
    #[arg(long, value_name = "DUMP_OR_URL")]
    pub schema_from: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// Migration directories or files (default: `migrations` from pgproof.toml, else ./migrations).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub replay: ReplayArgs,
    /// The baseline file to write (default: `pgproof-baseline.json` next to pgproof.toml, else in
    /// the current directory).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only remove the entries that no current finding matches; keep the others as they are and
    /// add nothing.
    #[arg(long)]
    pub prune: bool,
    /// Application queries to check against the schema (as for `lint`).
    #[arg(long = "queries", value_name = "PATH")]
    pub queries: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    /// The README's rules table (Markdown, each id linked to its doc).
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A rule id, as listed by `pgproof rules`.
    pub rule: String,
}

/// Lint's output formats on the command line (mapped to `report::Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// Diagnostics with source excerpts, and a summary table.
    Human,
    /// Stable JSON (`"version": 1`), documented in docs/json-format.md.
    Json,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// A pull-request comment or job summary: counts, findings by file, details folded.
    Markdown,
    /// One line per finding: `file:line:column: severity rule message`.
    Compact,
}

impl From<LintFormat> for crate::report::Format {
    fn from(f: LintFormat) -> Self {
        use crate::report::Format;
        match f {
            LintFormat::Human => Format::Human,
            LintFormat::Json => Format::Json,
            LintFormat::Sarif => Format::Sarif,
            LintFormat::Github => Format::Github,
            LintFormat::Gitlab => Format::Gitlab,
            LintFormat::Markdown => Format::Markdown,
            LintFormat::Compact => Format::Compact,
        }
    }
}

/// `prove --backend` (mapped to `prove::backend::BackendChoice`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// A container when a Docker engine and a suitable image are there, else a local cluster.
    Auto,
    /// A container from `--image` (default: pgproof-test/postgres:<pg_version>).
    Container,
    /// A temporary `initdb` cluster (binaries from `--pg-bin` or the PATH).
    Local,
    /// Scratch databases on the server of `--database-url` (created and dropped by pgproof).
    Url,
}

impl From<Backend> for crate::prove::backend::BackendChoice {
    fn from(b: Backend) -> Self {
        use crate::prove::backend::BackendChoice;
        match b {
            Backend::Auto => BackendChoice::Auto,
            Backend::Container => BackendChoice::Container,
            Backend::Local => BackendChoice::Local,
            Backend::Url => BackendChoice::Url,
        }
    }
}

/// `--fail-on` (mapped to `config::FailOn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

impl From<FailOnArg> for crate::config::FailOn {
    fn from(f: FailOnArg) -> Self {
        use crate::config::FailOn;
        match f {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Info => FailOn::Info,
            FailOnArg::Never => FailOn::Never,
        }
    }
}
