//! optin-yew: optin's consent UI as Yew components, and consent as Yew state.
//!
//! One set of components serves two ways of reaching optin's engine (optin-core), chosen by the
//! crate that mounts them through a [`Connector`]:
//!
//! - in a Yew app (feature `in-process`, the default): [`OptinProvider`] runs the core inside the
//!   app's own wasm; [`use_consent`] reads and changes the choice, [`Gated`] renders children only
//!   while granted, [`Banner`] shows the banner and [`Preferences`] the preferences panel (both
//!   read one UI state, which the provider holds);
//! - in the standalone widget (`optin-ui`, this crate without `in-process`): the same
//!   [`ConsentUi`] mounted in a shadow root, connected to the core through `window.optin`.
//!
//! The view modules (`banner`, `preferences`, `rich_text`, `model`, `state`, `dom`) know nothing
//! of either connection: [`ConsentUi`] calls the connector, they get data and callbacks.

mod banner;
mod connector;
/// DOM chores shared with optin-ui's mount (the shadow host on `<body>`, listeners, tasks).
#[doc(hidden)]
pub mod dom;
mod model;
mod preferences;
/// The banner rendered ahead of time by Yew's server renderer, for optin-core's early banner.
#[cfg(feature = "ssr")]
#[doc(hidden)]
pub mod prerender;
mod rich_text;
pub mod state;
mod ui;

#[cfg(feature = "in-process")]
mod gated;
#[cfg(feature = "in-process")]
mod in_process;
#[cfg(feature = "in-process")]
mod langs;
#[cfg(feature = "in-process")]
mod provider;
#[cfg(feature = "in-process")]
mod signals;

pub use connector::{send, Command, Connector};
pub use model::{set_shipped_texts, use_shipped_texts};
pub use ui::ConsentUi;

#[cfg(feature = "in-process")]
pub use gated::{Gated, GatedProps};
#[cfg(feature = "in-process")]
pub use in_process::InProcess;
#[cfg(feature = "in-process")]
pub use provider::{
    use_consent, Banner, BannerProps, Consent, OptinProvider, OptinProviderProps, Preferences,
    PreferencesProps,
};

/// The widget's stylesheet (`styles/banner.css` and `styles/panel.css`, minified by `build.rs`):
/// adopted by the shadow root [`Banner`] renders into, or for an app that renders the UI in its
/// own tree to include.
pub const STYLESHEET: &str = include_str!(concat!(env!("OUT_DIR"), "/optin.css"));

/// The banner's part of [`STYLESHEET`] alone: what optin-core's early banner adopts.
#[doc(hidden)]
pub const BANNER_STYLESHEET: &str = include_str!(concat!(env!("OUT_DIR"), "/banner.css"));
