#!/usr/bin/env bash
# `make size-floor`: builds bench/floor, the smallest banner Yew can render the way our UI does,
# exactly as dist/optin-ui_bg.wasm is built (scripts/wasm.sh), and prints its brotli size beside
# the first-visit budget and target: the share of a first visit that any Yew banner costs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

work=target/floor-work
mkdir -p "$work"
source scripts/wasm.sh
# Its own target dir: bench/floor is a workspace of its own, with its own lockfile.
CARGO_TARGET_DIR=target/floor build_wasm optin_floor "$work" floor \
  target/floor/wasm32-unknown-unknown/release/optin_yew_floor.wasm --manifest-path bench/floor/Cargo.toml
node scripts/size.mjs --floor "$work"
