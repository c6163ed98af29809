#!/usr/bin/env bash
# `make bench-floor`: the first visit's measured floor (issue 17, README "Benchmark"). A copy of
# dist/ in target/floor-dist whose UI is bench/floor (the smallest Yew banner, with its `bench`
# feature: the same place and buttons as optin's banner) instead of optin's, built like the UI
# (scripts/wasm.sh), with optin.js assembled again around today's core so that its hashes fit.
# Then the benchmark's main run on it: the banner time of a widget made of optin's core and no UI
# but the floor, which no work on optin's own UI code can beat.
# Needs dist/ and target/dist-work (make dist).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

[ -f target/dist-work/optin-core_bg.wasm ] || { echo "build dist/ first (make dist)" >&2; exit 2; }
work=target/floor-work
out=target/floor-dist
mkdir -p "$work"
source scripts/wasm.sh
CARGO_TARGET_DIR=target/floor build_wasm optin_ui "$work" optin-ui \
  target/floor/wasm32-unknown-unknown/release/optin_yew_floor.wasm \
  --manifest-path bench/floor/Cargo.toml --features bench
rm -rf "$out" && mkdir -p "$out"
cp -r dist/lang "$out/lang"
cp "$work/optin-ui.js" "$work/optin-ui_bg.wasm" "$out/"
node scripts/assemble-loader.mjs target/dist-work/optin-core.js target/dist-work/optin-core_bg.wasm "$out/optin.js"
# Its sizes, as `make size` counts dist/'s.
node scripts/size.mjs --dist "$out"
