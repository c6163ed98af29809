# Sourced by build-dist.sh and yew-floor.sh, so that everything measured is built the same way.
# build_wasm turns a Rust library crate into what ships: a cdylib built through `cargo rustc` (so
# LTO stays on: TOOLCHAIN.md trap), wasm-bindgen's no-modules glue declaring one global, then
# scripts/optimize-wasm.mjs (wasm-opt -Oz, short import names) and scripts/minify.mjs (the glue).
# Expects PATH to hold node_modules/.bin and ~/.cargo/bin, and the repository root as cwd.

build_wasm() { # global name, output dir, output stem, built .wasm, cargo rustc arguments…
  local global=$1 dir=$2 stem=$3 built=$4
  shift 4
  cargo rustc -q --release --target wasm32-unknown-unknown --lib --crate-type cdylib "$@"
  wasm-bindgen --target no-modules --no-modules-global "$global" --no-typescript \
    --out-dir "$dir" --out-name "$stem" "$built"
  node scripts/optimize-wasm.mjs "$dir/$stem.js" "$dir/${stem}_bg.wasm"
  node scripts/minify.mjs "$dir/$stem.js"
  grep -q "\b$global\b" "$dir/$stem.js" || { echo "the glue of $stem lost its global $global" >&2; return 1; }
}
