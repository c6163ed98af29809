#!/usr/bin/env bash
# Installs every tool the build, the demo and the tests need, skipping what is already there.
# Idempotent: `make demo`, `make test` and CI call it on every run; a warm machine pays ~1 s.
# Versions and traps: ../shared/TOOLCHAIN.md (wasm-bindgen CLI must equal the crate's =0.2.130).
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '[setup] %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v brotli >/dev/null 2>&1 || need_apt+=(brotli)
# The consent-log end-to-end test reads the receiver's SQLite file with the sqlite3 CLI.
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
# The receiver's tests also run against a throwaway PostgreSQL server of their own (initdb and
# pg_ctl from Debian's package); the package's default cluster is not wanted, so none is created.
need_pg=0
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { need_apt+=(postgresql); need_pg=1; }
if [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  if [ "$need_pg" = 1 ]; then
    $SUDO mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/optin-no-main.conf >/dev/null
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  # Not --locked: the CLI's lockfile wants a webpki-roots the registry mirror lacks (TOOLCHAIN.md).
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (~4 min, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  say "cargo install wasm-pack $WASM_PACK_VERSION (~2 min, once)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# `make fuzz-smoke` / `make fuzz` (fuzz/, README "Fuzzing"); runs on stable with RUSTC_BOOTSTRAP=1.
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "cargo install cargo-fuzz (~1 min, once)"
  # Without --locked as a fallback, should the lockfile want a crate the registry mirror lacks.
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi
say "tools ready"
