//! UTC timestamps in the one ISO 8601 form the widget writes (`2026-11-25T13:18:56.123Z`,
//! milliseconds optional), read into milliseconds since the Unix epoch and written back.
//!
//! Receipts carry three of them and the store adds `received_at`; comparing and storing them
//! needs a strict parser and a canonical form, not a date library. The rules match optin-core's
//! `time.rs`, so whatever the widget writes, the receiver reads.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ`;
/// `None` for anything else (other offsets, other precisions, impossible dates).
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // Works on bytes and never slices the str: no char-boundary panic on hostile input.
    let num = |from: usize, len: usize| -> Option<i64> {
        b.get(from..from + len)?.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !seps.iter().all(|&(at, c)| b.get(at) == Some(&c)) {
        return None;
    }
    let millis = match b.len() {
        20 if b[19] == b'Z' => 0,
        24 if b[19] == b'.' && b[23] == b'Z' => num(20, 3)?,
        _ => return None,
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let valid = (1..=12).contains(&mo)
        && (1..=days_in_month(y, mo)).contains(&d)
        && h < 24
        && mi < 60
        && sec < 60;
    valid.then(|| {
        days_from_civil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + millis
    })
}

/// The canonical form, `YYYY-MM-DDTHH:MM:SS.mmmZ`, of milliseconds since the epoch (0 to 9999).
pub fn format_iso(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
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
