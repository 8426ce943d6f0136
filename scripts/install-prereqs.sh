#!/usr/bin/env bash
# Installs what building pgproof needs beyond a Rust toolchain: libclang (bindgen, for pg_query)
# and a C compiler. Safe to run again: it installs only what is missing.
set -euo pipefail

# bindgen loads libclang.so, libclang-<N>.so or libclang.so.<N>; libclang-cpp.so (installed with
# other LLVM tools) is a different library and does not count.
have_libclang() {
  ldconfig -p 2>/dev/null | grep -Eq '[[:space:]]libclang(-[0-9][0-9.]*)?\.so' && return 0
  compgen -G '/usr/lib/llvm-*/lib/libclang.so*' >/dev/null || compgen -G '/usr/lib/llvm-*/lib/libclang-[0-9]*.so*' >/dev/null
}

need=()
have_libclang || need+=(libclang-dev)
command -v cc >/dev/null 2>&1 || need+=(build-essential)
command -v git >/dev/null 2>&1 || need+=(git)
# PostgreSQL server binaries for the tests that run a throwaway cluster (initdb, pg_ctl).
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
# The audit page's graph test renders it in headless Chromium, with and without Graphviz.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
# The Language Server's test drives it from Neovim's built-in LSP client.
command -v nvim >/dev/null 2>&1 || need+=(neovim)
# The wheel check (scripts/build-wheel.sh) installs maturin with pip and the wheel into a venv.
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
# debootstrap builds the local PostgreSQL images for the container tests (no registry needed).
if command -v docker >/dev/null 2>&1 && ! command -v debootstrap >/dev/null 2>&1 \
  && [ "${PGPROOF_SKIP_CONTAINER_TESTS:-0}" != 1 ]; then
  need+=(debootstrap)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "pgproof needs a Rust toolchain (cargo). Install it with rustup, then run this script again." >&2
  exit 1
fi
