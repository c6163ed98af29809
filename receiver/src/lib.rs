//! optin-receiver: stores optin consent receipts, so a site owner can demonstrate consent
//! (GDPR Art. 7(1)).
//!
//! `receipt` reads a receipt with optin-core's own rules (the widget writes it with the same
//! code), `store` keeps receipts durably behind the `ReceiptStore` trait (SQLite or PostgreSQL),
//! `http` decides the reply to each request (routes, CORS for the configured origins, status
//! codes), `server` carries requests to it over axum on tokio with the limits that keep it up,
//! `metrics` holds the server's counters for `/metrics`, and `main.rs` is the command line.
//! `time` adds the clock to the core's timestamps. See README.md for the schema, status codes,
//! limits, health and metrics, and deployment.

pub mod http;
pub mod limit;
pub mod metrics;
pub mod receipt;
pub mod server;
pub mod store;
pub mod time;

pub use http::{Origins, Policy};
pub use metrics::MetricsFrom;
pub use receipt::Receipt;
pub use server::{start, start_with, Limits, Running};
pub use store::{Inserted, PostgresStore, ReceiptStore, SqliteStore, StoreError};
