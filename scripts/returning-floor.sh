#!/usr/bin/env bash
# The returning visit's floor with the core as it is (issue 17, README "Size"): optin-core's wasm
# built as dist/ builds it, then without every export only a choice or the banner calls (choose,
# reset, accept_service, allow_for_page, receipt_json, choices_json, catalogue_file) and
# optimized again, so that wasm-opt drops whatever only those reached. What remains is what a
# returning visit can run: the start (config and record checks), gating, Consent Mode, the
# observer, placeholders, other tabs' choices and the read-only API. Prints brotli bytes of both.
# Needs a release build of the core (scripts/build-dist.sh) in target/wasm32-unknown-unknown.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
built=${1:-target/wasm32-unknown-unknown/release/optin_core.wasm}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)
wasm-bindgen --target no-modules --no-typescript --out-dir "$work" --out-name core "$built"
wasm-opt "${features[@]}" -Oz --strip-debug --strip-producers --strip-target-features \
  "$work/core_bg.wasm" -o "$work/all.wasm"
wasm-dis "${features[@]}" "$work/all.wasm" -o "$work/all.wat" 2>/dev/null
choice='choose\|reset\|accept_service\|allow_for_page\|receipt_json\|choices_json\|catalogue_file'
grep -v "^ (export \"\($choice\)\"" "$work/all.wat" > "$work/returning.wat"
wasm-as "${features[@]}" "$work/returning.wat" -o "$work/returning.wasm" 2>/dev/null
wasm-opt "${features[@]}" -Oz "$work/returning.wasm" -o "$work/returning.opt.wasm"
node -e '
const z = require("zlib"), fs = require("fs");
const br = (f) => z.brotliCompressSync(fs.readFileSync(f), { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const [all, ret] = process.argv.slice(1).map(br);
console.log(`core wasm, every export:         ${all} B brotli`);
console.log(`core wasm, returning-visit only: ${ret} B brotli (${all - ret} B less)`);
' "$work/all.wasm" "$work/returning.opt.wasm"
