//! UTC timestamps in the one ISO 8601 form the widget writes (`2026-11-25T13:18:56.123Z`,
//! milliseconds optional), read into milliseconds since the Unix epoch and written back.
//!
//! Receipts carry three of them and the store adds `received_at`; comparing and storing them
//! needs a strict parser and a canonical form, not a date library. Both are optin-core's
//! `time.rs`, so whatever the widget writes, the receiver reads; this adds the clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ`;
/// `None` for anything else (other offsets, other precisions, impossible dates). The widget's
/// own reader, so both ends agree on what a timestamp is.
pub fn parse_iso(s: &str) -> Option<i64> {
    optin_core::time::from_iso(s).map(|ms| ms as i64)
}

/// The canonical form, `YYYY-MM-DDTHH:MM:SS.mmmZ`, of milliseconds since the epoch.
pub fn format_iso(ms: i64) -> String {
    optin_core::time::to_iso(ms as f64)
}

/// Now, in milliseconds since the epoch (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms_and_writes_the_canonical_one() {
        let ms = parse_iso("2025-11-25T13:18:56.123Z").unwrap();
        assert_eq!(ms, 1_764_076_736_123);
        assert_eq!(format_iso(ms), "2025-11-25T13:18:56.123Z");
        assert_eq!(parse_iso("2025-11-25T13:18:56Z"), Some(1_764_076_736_000));
        assert_eq!(format_iso(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_iso(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn round_trips() {
        for ms in [0, 1_764_076_736_123, 951_782_400_000, 253_402_300_799_999] {
            assert_eq!(parse_iso(&format_iso(ms)), Some(ms), "{}", format_iso(ms));
        }
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "2025-11-25",
            "2025-11-25T13:18:56",
            "2025-11-25T13:18:56.123",
            "2025-11-25T13:18:56+00:00",
            "2025-11-25 13:18:56Z",
            "2025-11-25T13:18:56.1Z",
            "2025-11-25T13:18:56.123456Z",
            "2025-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-01-00T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T00:60:00Z",
            "2025-01-01T00:00:60Z",
            "+025-01-01T00:00:00Z",
            "2025-01-01T00:00:00z",
            "2025-01-01T00:00:0éZ",
            "２０２５-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
        assert!(parse_iso("2024-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn now_is_after_2025() {
        assert!(now_ms() > parse_iso("2025-01-01T00:00:00Z").unwrap());
    }
}
