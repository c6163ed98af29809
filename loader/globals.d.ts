// What the loader's modules (loader/src/*.js) find in the scope scripts/assemble-loader.mjs wraps
// them in, for the type check (`tsc -p loader`). Nothing here ships.

/** The public API's types (loader/optin.d.ts, shipped as dist/optin.d.ts). */
type Optin = import('./optin').Optin;
type OptinConfig = import('./optin').OptinConfig;
type OptinReceipt = import('./optin').OptinReceipt;

/** The core's wasm, inlined as one char per byte: the argument of the wrapper function. */
declare const CORE_WASM: string;

/** `sha384-…` of the UI's two files, by their path next to optin.js: computed by
 * scripts/assemble-loader.mjs from the files it ships with (the language files' are in
 * `optin_ui.sri`). */
declare const INTEGRITY: { [file: string]: string };

/** Read from the core's Rust source at build time (scripts/core-constants.mjs). */
declare const DEFAULT_STORAGE_KEY: string;
declare const SETTINGS_BUTTON_OFF: string;
declare const ACCEPT_ALL: string;
declare const REJECT_ALL: string;
declare const CUSTOM: string;

/**
 * The core's wasm-bindgen glue (`--target no-modules --no-modules-global optin_core`), placed
 * before the loader inside the same function: the exports of core/src/api.rs. `undefined` is
 * Rust's `None` (before the start, or no such thing); the loader calls most of them only once
 * started.
 */
declare namespace optin_core {
  function initSync(init: { module: BufferSource }): unknown;
  /** Whether the visitor must be asked (no valid stored choice); throws on a broken config. */
  function start(configJson: string | null | undefined): boolean;
  function choose(method: string, accepted: string[]): void;
  function reset(): void;
  function accept_service(category: string, service: string): void;
  function allow_for_page(target: string): void;
  function granted(category: string): boolean;
  function granted_service(category: string, service: string): boolean;
  function consent_json(): string | undefined;
  function receipt_json(): string | undefined;
  function choices_json(): string | undefined;
  function config_json(): string | undefined;
  function lang(): string | undefined;
  function settings_label(): string | undefined;
  function catalogue_file(): string | undefined;
  function consent_mode_json(): string | undefined;
  /** The banner Yew rendered ahead of time, filled for this visitor: `[stylesheet, theme,
   * layout, banner]` in JSON (core/src/early_banner.rs); `texts` is the language's file. */
  function early_banner(texts: string | undefined, settingsUnavailable: boolean): string | undefined;
}

/** The UI's glue (optin-ui.js, a classic script of its own, fetched on demand): src/lib.rs. */
declare function optin_ui(init: { module_or_path: Promise<Response> }): Promise<unknown>;
declare namespace optin_ui {
  /** `sha384-…` of each language file (`lang/de.json`), appended by scripts/assemble-loader.mjs. */
  const sri: { [file: string]: string } | undefined;
  function show(view: 'banner' | 'preferences', texts: string | undefined): void;
  function hide(): void;
}

interface Window {
  /** Google's tag (or the one Consent Mode defines when the page has none). */
  gtag?: (...args: unknown[]) => void;
  dataLayer: unknown[];
  /** Prioritized Task Scheduling, where the browser has it. */
  scheduler?: { postTask(task: () => void, options: { priority: 'user-blocking' }): unknown };
}
