// TypeScript declarations for optin's public API (`window.optin`), shipped as dist/optin.d.ts.

export type OptinMethod = 'accept-all' | 'reject-all' | 'custom';

/** The stored consent record (localStorage `optin.consent`, schema 1). */
export interface OptinRecord {
  schema: 1;
  /** Random UUID v4, kept across later changes of the same visitor's choice. */
  id: string;
  /** The config revision the visitor saw. */
  revision: number;
  /** ISO 8601, when consent was first given. */
  givenAt: string;
  /** ISO 8601, when it was last changed. */
  updatedAt: string;
  /** ISO 8601, when the visitor will be asked again. */
  expiresAt: string;
  /** One entry per category: granted or not. */
  categories: Record<string, boolean>;
  /** Services granted one by one in categories not granted as a whole. */
  services: Record<string, Record<string, boolean>>;
  method: OptinMethod;
  /** The language the visitor was shown. */
  lang: string;
  /** Whether the browser sent a Global Privacy Control signal when the choice was made. */
  gpc: boolean;
}

/** `optin.receipt()`: the record, with what the visitor consented under (sent to `log.endpoint`). */
export interface OptinReceipt extends OptinRecord {
  /** The config's `privacyPolicyUrl`, or null when it has none. */
  policyUrl: string | null;
  /** The page's origin (`https://www.example.com`). */
  site: string;
}

export interface OptinChoices {
  categories: Record<string, boolean>;
  services: Record<string, Record<string, boolean>>;
  /** The stored choice was made under an older config revision: show what changed. */
  revised: boolean;
  /** The browser's Global Privacy Control signal applies: categories marked `gpc` start off. */
  gpc: boolean;
}

/** A cookie a service sets, as listed in the panel (and deleted on withdrawal). */
export interface OptinCookie {
  /** Exact name, or a pattern with `*` wildcards. */
  name: string;
  purpose?: string;
  duration?: string;
  party?: 'first' | 'third';
  path?: string;
}

export interface OptinService {
  id: string;
  name?: string;
  provider?: string;
  purpose?: string;
  privacyPolicyUrl?: string;
  cookies?: OptinCookie[];
  /** localStorage keys removed on withdrawal. */
  localStorage?: string[];
}

export interface OptinCategory {
  /** a-z, 0-9, `-`, `_`. */
  id: string;
  /** Always on, shown locked. */
  required?: boolean;
  /** Sale or sharing of data: off under a Global Privacy Control signal. */
  gpc?: boolean;
  services?: OptinService[];
}

/** The site's configuration, as given (README "Config"); unknown fields are refused. */
export interface OptinConfig {
  revision?: number;
  lang?: string;
  privacyPolicyUrl?: string;
  /** localStorage key (and cookie name) of the record; default `optin.consent`. */
  storageKey?: string;
  expiresAfterDays?: number;
  cookieDomain?: string;
  reloadOnWithdraw?: boolean;
  layout?: 'bar-bottom' | 'bar-top' | 'box-bottom-left' | 'box-bottom-right' | 'box-center';
  theme?: 'auto' | 'light' | 'dark';
  settingsButton?: 'off' | 'bottom-left' | 'bottom-right';
  /** Consent type (`analytics_storage`, …) -> category id or `category/service`. */
  googleConsentMode?: Record<string, string>;
  honorGpc?: boolean;
  /** Where each choice's receipt is POSTed (a consent log). */
  log?: { endpoint: string };
  categories: OptinCategory[];
  /** Per language: the texts (README "Config"), and `categories.<id>.{title,description}`. */
  texts?: Record<string, Record<string, unknown>>;
}

/** `event.detail` of `optin:change` and `optin:consent` (dispatched on `document`). */
export interface OptinChange {
  /** Category ids, and `category/service` for services that changed on their own. */
  changed: string[];
  granted: string[];
  denied: string[];
}

export interface Optin {
  /** Resolves with the API once the widget has started; rejects if the config is broken. */
  ready: Promise<Optin>;
  /** Whether a category is granted now (false until started: fail closed). */
  granted(category: string): boolean;
  /** Whether a service of a category is granted (its category, or the service alone). */
  grantedService(category: string, service: string): boolean;
  /** The valid stored record, or null before a choice. */
  consent(): OptinRecord | null;
  /** The consent receipt (the record, the policy and the site), or null before a choice. */
  receipt(): OptinReceipt | null;
  /** The config in effect (the page's, or the built-in one); null until started. */
  config(): OptinConfig | null;
  /** The language the widget speaks to this visitor. */
  language(): string | null;
  acceptAll(): Promise<void>;
  rejectAll(): Promise<void>;
  /** Grants exactly these: category ids and `category/service` pairs (required ones always). */
  accept(categories: string[]): Promise<void>;
  /** Grants one service, or with `''` its whole category, keeping the rest (stored). */
  acceptService(category: string, service: string): Promise<void>;
  /** Allows a category or `category/service` for this page view only (not stored). */
  allowForPage(target: string): Promise<void>;
  /** The switches the preferences panel starts from. */
  choices(): OptinChoices | null;
  /** Forgets the stored choice (localStorage and cookie) and shows the banner again. */
  reset(): Promise<void>;
  /** Subscribes to `optin:<name>`; returns the unsubscribe function. */
  on(name: 'ready' | 'consent' | 'change', fn: (detail: OptinChange | null) => void): () => void;
  /** Shows the banner. */
  show(): Promise<void>;
  /** Opens the preferences panel. */
  showPreferences(): Promise<void>;
  /** Hides the banner or panel without recording a choice. */
  hide(): Promise<void>;
  /** Runs `fn` once the widget has started (also the pre-load queue's entry point). */
  push(fn: (optin: Optin) => void): void;
}

declare global {
  interface Window {
    /** Before optin.js has loaded, an array used as a queue: `(window.optin = window.optin || []).push(fn)`. */
    optin: Optin | Array<(optin: Optin) => void>;
  }
  interface DocumentEventMap {
    'optin:ready': CustomEvent<null>;
    'optin:consent': CustomEvent<OptinChange>;
    'optin:change': CustomEvent<OptinChange>;
  }
}
