//! ISO 8601 timestamps for the consent record, in pure Rust so expiry decisions test natively.
//!
//! Only the UTC form the widget writes (`2026-11-25T13:18:56.123Z`) is produced; reading also
//! accepts it without milliseconds. Anything else reads as `None`, i.e. an invalid record.
//!
//! The range is 1970-01-01 to 9999-12-31: milliseconds since the epoch from 0 to [`MAX_MS`].
//! Four-digit years end at 9999, and nothing the widget handles predates the epoch. Keeping
//! both functions to this one range makes every timestamp `from_iso` accepts format back to
//! itself, so two different receipts can never end up with the same timestamp.

use std::num::NonZeroU64;

pub const DAY_MS: f64 = 86_400_000.0;
/// 9999-12-31T23:59:59.999Z, the last instant the format can write.
pub const MAX_MS: f64 = 253_402_300_799_999.0;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
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

/// Milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
///
/// Only clock readings and sums of them come here (now, now + a lifetime), which lie well inside
/// the range. Should anything else come (a clock set before 1970, NaN), it is clamped to the
/// range's nearest end rather than written as a year the format cannot hold; `from_iso` never
/// returns such a value, so no parsed timestamp reaches this clamp.
pub fn to_iso(ms: f64) -> String {
    let ms = ms.clamp(0.0, MAX_MS) as i64;
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(24);
    let parts = [
        (y, 4, '-'),
        (m, 2, '-'),
        (d, 2, 'T'),
        (rem / 3_600_000, 2, ':'),
        (rem / 60_000 % 60, 2, ':'),
        (rem / 1000 % 60, 2, '.'),
        (rem % 1000, 3, 'Z'),
    ];
    for (value, width, after) in parts {
        push_padded(&mut s, value, width);
        s.push(after);
    }
    s
}

/// Zero-padded decimal without `format!`, which would pull core::fmt into the wasm.
/// `value` is never negative. Divided as a u64 by a `NonZeroU64`: no division-by-zero check.
fn push_padded(s: &mut String, value: i64, width: u32) {
    for place in (0..width).rev() {
        let place = NonZeroU64::new(10_u64.pow(place)).unwrap_or(NonZeroU64::MIN);
        s.push(char::from(b'0' + (value as u64 / place % 10) as u8));
    }
}

/// Parses what `to_iso` writes (milliseconds optional). `None` for anything else, including
/// dates before 1970 (which would otherwise be negative milliseconds, outside the range).
pub fn from_iso(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    // Works on bytes, never slicing the str: no char-boundary panics on hostile input.
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, &d| {
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
    let valid = y >= 1970
        && (1..=12).contains(&mo)
        && d >= 1
        && d <= days_in_month(y, mo)
        && h < 24
        && mi < 60
        && sec < 60;
    valid.then(|| {
        (days_from_civil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + millis)
            as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for ms in [
            0.0,
            1_764_076_736_123.0,
            951_782_400_000.0,
            4_102_444_799_999.0,
        ] {
            assert_eq!(from_iso(&to_iso(ms)), Some(ms), "{}", to_iso(ms));
        }
        assert_eq!(to_iso(1_764_076_736_123.0), "2025-11-25T13:18:56.123Z");
        assert_eq!(to_iso(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn accepts_no_millis_and_rejects_junk() {
        assert_eq!(from_iso("1970-01-01T00:00:01Z"), Some(1000.0));
        for bad in [
            "",
            "2025-13-01T00:00:00Z",
            "2025-02-30T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01 00:00:00Z",
            "2025-01-01T00:00:00+01:00",
            "2025-01-01T00:00:00.12Z",
            "+025-01-01T00:00:00Z",
            "2025-01-01T00:00:00.1234Z",
        ] {
            assert_eq!(from_iso(bad), None, "{bad}");
        }
        assert!(from_iso("2024-02-29T00:00:00Z").is_some());
        assert!(from_iso("2023-02-29T00:00:00Z").is_none());
    }

    #[test]
    fn nothing_before_1970_or_after_9999() {
        for bad in [
            "1969-12-31T23:59:59.999Z",
            "1969-12-31T23:59:59Z",
            "1900-01-01T00:00:00Z",
            "0000-01-01T00:00:00.000Z",
        ] {
            assert_eq!(from_iso(bad), None, "{bad}");
        }
        assert_eq!(from_iso("1970-01-01T00:00:00.000Z"), Some(0.0));
        assert_eq!(from_iso("9999-12-31T23:59:59.999Z"), Some(MAX_MS));
        // Outside the range, to_iso writes the range's nearest end, never a wrapped year.
        assert_eq!(to_iso(-1.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(to_iso(f64::NAN), "1970-01-01T00:00:00.000Z");
        assert_eq!(to_iso(MAX_MS + 1.0), "9999-12-31T23:59:59.999Z");
    }

    /// Every accepted timestamp formats back to itself (with `.000` added when it had no
    /// milliseconds), so no two accepted timestamps mean the same instant.
    #[test]
    fn every_accepted_timestamp_round_trips() {
        let mut accepted = 0;
        for year in (0..10_000)
            .step_by(29)
            .chain([1969, 1970, 2000, 2100, 9999])
        {
            for month in 0..=13 {
                for day in [0, 1, 9, 28, 29, 30, 31, 32] {
                    for time in [
                        "00:00:00",
                        "23:59:59.999",
                        "12:34:56.789",
                        "24:00:00",
                        "00:60:00",
                    ] {
                        let s = format!("{year:04}-{month:02}-{day:02}T{time}Z");
                        let Some(ms) = from_iso(&s) else { continue };
                        let expected = if s.len() == 20 {
                            s.replace('Z', ".000Z")
                        } else {
                            s
                        };
                        assert_eq!(to_iso(ms), expected);
                        accepted += 1;
                    }
                }
            }
        }
        assert!(accepted > 30_000, "{accepted}");
        // And every day of the range, through to_iso and back.
        let mut ms = 0.0;
        while ms <= MAX_MS {
            assert_eq!(from_iso(&to_iso(ms)), Some(ms), "{}", to_iso(ms));
            ms += 3.0 * DAY_MS + 1_001.0;
        }
    }
}
