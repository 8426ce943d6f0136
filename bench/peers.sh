# Sourced by the benchmark scripts that time pgproof against squawk (run from the repository
# root): sets `squawk` to squawk's own binary and `pgproof` to the binary to time.
# env: PGPROOF_BIN: a pgproof binary to time instead of building this checkout's release build
command -v squawk >/dev/null || { echo "squawk is missing: pip install squawk-cli==2.70.0" >&2; exit 2; }
# Time squawk's own binary, not a version manager's shell shim in front of it (pyenv adds ~150 ms).
squawk=$(command -v squawk)
if command -v pyenv >/dev/null && real=$(pyenv which squawk 2>/dev/null); then squawk=$real; fi
if [ -n "${PGPROOF_BIN:-}" ]; then
  pgproof=$(realpath "$PGPROOF_BIN")
else
  cargo build --release --locked --quiet
  pgproof=$(realpath target/release/pgproof)
fi
