#!/usr/bin/env bash
# Builds examples/yew-ssr (optin-yew in a server-rendered Yew app) into target/example-ssr/:
#   index.html                    the app rendered natively by Yew's server renderer, at build
#                                 time (the crate's `render` binary, feature `ssr`)
#   example.js, example_bg.wasm   the same app for the browser (feature `hydration`), built like
#                                 the UI (scripts/wasm.sh), which hydrates that markup
# No server: any static host serves the folder (tests/e2e/yew-ssr.test.mjs does).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
source scripts/wasm.sh

out=target/example-ssr
built=target/wasm32-unknown-unknown/release/optin_yew_ssr_example.wasm
mkdir -p "$out"
cargo run -q -p optin-yew-ssr-example --features ssr --bin render -- "$out"
build_wasm optin_ssr_example "$out" example "$built" -p optin-yew-ssr-example --features hydration "$@"
echo "example built: $out (server-rendered index.html, hydrating wasm)"
