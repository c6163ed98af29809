//! optin-receiver: stores optin consent receipts, so a site owner can demonstrate consent
//! (GDPR Art. 7(1)).
//!
//! `receipt` reads a receipt with optin-core's own rules (the widget writes it with the same
//! code), `store` keeps receipts durably behind the `ReceiptStore` trait (SQLite today), `http`
//! serves `POST /receipts` with CORS for the configured origins, and `main.rs` is the command
//! line. `time` adds the clock to the core's timestamps. See README.md for the schema, status
//! codes and deployment.

pub mod http;
pub mod receipt;
pub mod store;
pub mod time;

pub use http::{start, Origins, Running};
pub use receipt::Receipt;
pub use store::{Inserted, ReceiptStore, SqliteStore, StoreError};
