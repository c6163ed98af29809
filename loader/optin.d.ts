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
  method: OptinMethod;
  /** The language the visitor was shown. */
  lang: string;
}

/** `event.detail` of `optin:change` and `optin:consent` (dispatched on `document`). */
export interface OptinChange {
  changed: string[];
  granted: string[];
  denied: string[];
}

export interface Optin {
  /** Resolves with the API once the widget has started; rejects if the config is broken. */
  ready: Promise<Optin>;
  /** Whether a category is granted now (false until started: fail closed). */
  granted(category: string): boolean;
  /** The valid stored record, or null before a choice. */
  consent(): OptinRecord | null;
  /** The config in effect (the page's, or the built-in one). */
  config(): object | null;
  /** The language the widget speaks to this visitor. */
  language(): string | null;
  acceptAll(): Promise<void>;
  rejectAll(): Promise<void>;
  /** Grants exactly these categories (required ones are always granted). */
  accept(categories: string[]): Promise<void>;
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
