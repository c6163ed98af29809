#!/usr/bin/env bash
# Builds dist/: the loader (with the core's wasm inlined) and the UI it loads on demand.
#   dist/optin.js          classic script a site includes: core glue + core wasm + loader (loader/src/*.js)
#   dist/optin-ui.js       the UI's wasm-bindgen glue (global `optin_ui`), fetched only for a banner
#   dist/optin-ui_bg.wasm  the Yew UI
#   dist/lang/<code>.json  built-in texts of each language but English, fetched with the UI
#   dist/optin.d.ts        TypeScript declarations of window.optin
#   dist/optin.sri.json    sha384 (Subresource Integrity) of optin.js and of each file it fetches
# Both wasm files are built by scripts/wasm.sh (cdylib with LTO, wasm-bindgen, optimized, minified).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

out=dist
work=target/dist-work
mkdir -p "$out" "$work"

source scripts/wasm.sh
release=target/wasm32-unknown-unknown/release
build_wasm optin_core "$work" optin-core "$release/optin_core.wasm" -p optin-core
build_wasm optin_ui "$work" optin-ui "$release/optin_ui.wasm" -p optin-ui

# The files the loader fetches go to dist/ first: optin.js embeds the sha384 of these exact bytes.
cp "$work/optin-ui.js" "$out/optin-ui.js"
cp "$work/optin-ui_bg.wasm" "$out/optin-ui_bg.wasm"
rm -rf "$out/lang" && mkdir -p "$out/lang"
# Minified: the files are data, served as they are.
for f in lang/*.json; do node -e 'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))))' "$f" > "$out/$f"; done
node scripts/assemble-loader.mjs "$work/optin-core.js" "$work/optin-core_bg.wasm" "$out/optin.js"
cp loader/optin.d.ts "$out/optin.d.ts"
# The config's JSON Schema, generated from the core's validation table (README "Config schema").
cargo run -q -p optin-cli -- schema > "$out/optin.schema.json"
echo "dist/ built: $(cd "$out" && ls | tr '\n' ' ')"
# For the embed snippet: <script src=".../optin.js" integrity="…" crossorigin="anonymous" defer>
echo "optin.js integrity (SRI): $(node -p 'require("./dist/optin.sri.json")["optin.js"]')"
