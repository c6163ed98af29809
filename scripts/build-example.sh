#!/usr/bin/env bash
# Builds examples/yew-app (optin-yew in a Yew app) the way the UI is built (scripts/wasm.sh:
# cdylib with LTO, wasm-bindgen, wasm-opt -Oz, minified glue), without trunk, twice:
#   target/example/app/       with optin (the e2e tests serve it: tests/e2e/yew-app.test.mjs)
#   target/example/bare/      the same app without the `optin` feature (no consent management)
# Each holds example.js (glue, global `optin_example`) and example_bg.wasm; target/example/app/
# also index.html (the example's, with trunk's link replaced by the two files) and embed.html.
# scripts/size-example.mjs compares the two: optin's marginal cost in a Yew app.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
source scripts/wasm.sh

out=target/example
built=target/wasm32-unknown-unknown/release/optin_yew_example.wasm
mkdir -p "$out/app" "$out/bare"
build_wasm optin_example "$out/bare" example "$built" -p optin-yew-example --no-default-features "$@"
build_wasm optin_example "$out/app" example "$built" -p optin-yew-example "$@"

app=examples/yew-app
cp "$app/embed.html" "$out/app/embed.html"
# Absolute paths: the router's pages (/video, /about) are served this same file.
loader='<script src="/example.js"></script><script>optin_example({ module_or_path: "/example_bg.wasm" });</script>'
sed "s#<link data-trunk rel=\"rust\"[^>]*>#$loader#; /<link data-trunk/d" "$app/index.html" > "$out/app/index.html"
echo "example built: $out/app (with optin), $out/bare (without)"
