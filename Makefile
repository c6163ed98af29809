# optin: every entry point. `make demo` and `make test` install what is missing first (idempotent).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
PORT ?= 8000

.PHONY: trunk example example-build example-ssr-build setup dist package crates-check demo test test-loader test-native test-wasm test-e2e test-receiver receiver size size-check size-floor bench bench-floor bench-smoke fuzz fuzz-smoke lint screenshots clean

setup:
	@bash scripts/setup.sh

dist: setup
	@bash scripts/build-dist.sh

## The npm package: dist/ packed by `npm pack` into target/package/optin-consent-<version>.tgz
## (version: Cargo.toml's [workspace.package]; see package/).
package: dist
	@node package/make-package.mjs

## optin-core and optin-yew as crates.io would get them (`cargo publish --dry-run`: packs, builds,
## uploads nothing; optin-yew against the packed optin-core).
crates-check:
	cargo publish --dry-run -q -p optin-core -p optin-yew --allow-dirty

## Serves the demo site (www/) with the freshly built widget on http://127.0.0.1:$(PORT)/
demo: dist
	@bash scripts/demo.sh $(PORT)

## Every test layer: the loader's unit tests, native unit tests, wasm-bindgen tests in headless
## Chromium, the consent-log receiver's tests, end-to-end tests in headless Chromium, size budgets,
## one benchmark smoke run. The e2e tests install the npm package (`package`).
test: setup lint test-loader test-native test-wasm test-receiver dist example-build example-ssr-build size-check package crates-check test-e2e bench-smoke fuzz-smoke

# The receiver is its own workspace (SQLite's C code does not build for wasm32).
RECEIVER := CARGO_TARGET_DIR=$(CURDIR)/receiver/target cargo

lint:
	cargo fmt --all -- --check
	cargo clippy -q --workspace --exclude optin-cli --target wasm32-unknown-unknown --all-targets -- -D warnings
# Natively: the CLI, and the core's native-only code (config/schema.rs).
	cargo clippy -q -p optin-core -p optin-cli --all-targets -- -D warnings
	cargo fmt --manifest-path receiver/Cargo.toml -- --check
	cargo fmt --manifest-path bench/floor/Cargo.toml -- --check
	cargo fmt --manifest-path fuzz/Cargo.toml -- --check
	$(RECEIVER) clippy -q --manifest-path receiver/Cargo.toml --all-targets -- -D warnings
	tsc -p loader --noEmit

## The loader's modules in node (loader/src/: the consent-log outbox, Consent Mode's default).
test-loader:
	node --test tests/loader/

test-native:
	cargo test -q --workspace

test-wasm:
	cd core && wasm-pack test --headless --chrome
	cd yew && wasm-pack test --headless --chrome
# The components under server rendering and hydration (yew/tests/hydration.rs needs both).
	cd yew && wasm-pack test --headless --chrome -- --features ssr,hydration
	wasm-pack test --headless --chrome

test-e2e: receiver
	node --test --test-concurrency=1 tests/e2e/

## optin scan and optin audit in headless Chromium on the demo site, a leaky copy and the demo
## gated by its drafted config (cli/tests/scan.rs; a plain cargo test skips them: they need dist/).
.PHONY: test-scan
test: test-scan
test-scan: dist
	cargo test -q -p optin-cli --test scan -- --ignored --test-threads=1

test-receiver:
	$(RECEIVER) test -q --manifest-path receiver/Cargo.toml

## The consent-log receiver (release): receiver/target/release/optin-receiver --help
receiver:
	$(RECEIVER) build -q --manifest-path receiver/Cargo.toml

## Rewrites core/src/early_banner.json: optin-yew's banner rendered ahead of time by Yew's server
## renderer, the template of the banner the core shows at first paint (a test fails when it is stale).
.PHONY: early-banner
early-banner:
	OPTIN_BLESS=1 cargo test -q -p optin-yew --test early_banner the_template_is_what_yew_renders_now

## Screenshots of banner and panel for the README (docs/screenshots/).
screenshots: dist
	node scripts/screenshots.mjs

## Brotli bytes a returning and a first-time visitor download.
size:
	@node scripts/size.mjs

size-check:
	@node scripts/size.mjs --check
	@node scripts/size-example.mjs --check

## examples/yew-app (optin-yew in a Yew app) built without trunk, with and without optin
## (target/example/): what the e2e tests serve and size-check weighs.
example-build: setup
	@bash scripts/build-example.sh

## examples/yew-ssr (optin-yew in a server-rendered Yew app): index.html rendered natively by Yew's
## server renderer, and the wasm that hydrates it (target/example-ssr/, what the e2e tests serve).
example-ssr-build: setup
	@bash scripts/build-ssr-example.sh

## The example Yew app with `trunk serve` (live rebuild) on http://127.0.0.1:8081/; installs
## trunk 0.21.14 once (~8 min).
example: setup
	@command -v trunk >/dev/null || cargo install trunk --version 0.21.14 --locked
	cd examples/yew-app && trunk serve

## The smallest banner Yew can render (bench/floor), built like the UI: what any Yew banner costs.
size-floor: setup
	@bash scripts/yew-floor.sh

bench: dist
	node bench/run.mjs

## The first visit's floor: optin's core with the smallest Yew banner as its UI, beside optin and
## vanilla-cookieconsent (main runs; bench/results/floor.md).
bench-floor: dist
	bash scripts/floor-dist.sh
	node bench/run.mjs --widgets optin,optin-floor,vanilla --kinds main --name floor

bench-smoke:
	node bench/run.mjs --smoke

## cargo-fuzz targets (fuzz/: the JSON reader, the config, the stored record) on stable Rust with
## RUSTC_BOOTSTRAP=1; the first build takes ~2 min. fuzz-smoke: 20 s each; fuzz: 5 min each.
fuzz-smoke: setup
	@bash fuzz/run.sh 20

fuzz: setup
	@bash fuzz/run.sh 300

## Development server with live rebuild (optional; installs trunk 0.21.14 once, ~8 min).
trunk: setup
	@command -v trunk >/dev/null || cargo install trunk --version 0.21.14 --locked
	trunk serve

clean:
	rm -rf dist target/dist-work target/npm-package target/package www/optin
