//! optin-receiver: stores optin consent receipts, so a site owner can demonstrate consent
//! (GDPR Art. 7(1)).
//!
//! `receipt` decides what a valid receipt is, `store` keeps receipts durably behind the
//! `ReceiptStore` trait (SQLite today), `http` serves `POST /receipts` with CORS for the
//! configured origins, and `main.rs` is the command line. `json` and `time` are the two small
//! parsers the receipt rules need. See README.md for the schema, status codes and deployment.

pub mod http;
pub mod json;
pub mod receipt;
pub mod store;
pub mod time;

pub use http::{start, Origins, Running};
pub use receipt::Receipt;
pub use store::{Inserted, ReceiptStore, SqliteStore, StoreError};
