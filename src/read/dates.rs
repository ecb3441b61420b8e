//! Dates and times as exports write them.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// A call date from a cell: `2024-03-05`, `2024/03/05`, RFC 3339 (`2024-03-05T14:02:11Z`),
/// `2024-03-05 14:02:11[.fff]`, or a Unix epoch in seconds, milliseconds or microseconds.
/// Date-times are taken as written (their own offset's calendar date).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y/%m/%d") {
        return Some(d);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.date_naive());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt.date());
        }
    }
    // "2021-11-25 13:35:14.215558+00:00" and other offsets.
    if let Ok(dt) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(dt.date_naive());
    }
    epoch_ms(s).and_then(|ms| DateTime::from_timestamp_millis(ms as i64).map(|d| d.date_naive()))
}

/// A day given on the command line or in a config file (`--since`, `--until`, `--as-of`):
/// `2024-03-05` or `2024/03/05`. Calls are dated by the day, so a value with a time of day
/// (`2026-11-26T12:00:00`) or a Unix time is refused, saying what to write instead, rather than
/// cut to its date in silence (an analyst asking for "since noon" would get the whole day).
pub fn parse_day(s: &str) -> Result<NaiveDate, String> {
    parse_day_expecting(s, "a date like 2024-03-05")
}

/// `parse_day`, saying `expected` when `s` is no date at all (an option that also takes words
/// names them).
pub fn parse_day_expecting(s: &str, expected: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    for f in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Ok(d);
        }
    }
    match parse_date(t) {
        Some(d) if epoch_ms(t).is_some() => Err(format!(
            "`{s}`: calls are filtered by whole days, so give a date like {d}, not a Unix time \
             (this one falls on {d}, UTC)"
        )),
        Some(d) => Err(format!(
            "`{s}`: calls are filtered by whole days, so give a date without a time of day: \
             {d} (it takes in the whole day)"
        )),
        None => Err(format!("`{s}`: expected {expected}")),
    }
}

/// Milliseconds since the Unix epoch from a number in s, ms or µs (told apart by magnitude,
/// which is unambiguous for dates between 2001 and 2286).
pub fn epoch_ms(s: &str) -> Option<u64> {
    let v: f64 = s.trim().parse().ok()?;
    if !v.is_finite() || v <= 0.0 {
        return None;
    }
    let ms = if v >= 1e14 {
        v / 1000.0
    } else if v >= 1e11 {
        v
    } else if v >= 1e9 {
        v * 1000.0
    } else {
        return None;
    };
    Some(ms as u64)
}

/// Milliseconds since the epoch from an RFC 3339 timestamp.
pub fn rfc3339_ms(s: &str) -> Option<u64> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .and_then(|d| u64::try_from(d.timestamp_millis()).ok())
}

/// A relative span like `7d`, `2w`, `48h` as a number of days (hours only in whole days).
pub fn parse_span_days(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    // Digits beyond i64 saturate like any span longer than the calendar (they were refused
    // while a span one digit shorter was taken).
    let n: i64 = match num.parse::<u64>() {
        Ok(n) => i64::try_from(n).unwrap_or(i64::MAX),
        Err(_) if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => i64::MAX,
        Err(_) => return Err(format!("`{s}`: expected a span like 7d, 2w or 24h")),
    };
    match unit {
        "d" => Ok(n),
        // `24` is 24 days or a day, by whose reading: a cron line must not guess (tester t25).
        // Only readings that would be taken are offered (reviewer r27: `7h` and `0d` are not).
        "" if n == 0 => Err(format!(
            "`{s}`: a span needs its unit and at least a day: 1d, 1w or 24h"
        )),
        "" if n % 24 == 0 => Err(format!(
            "`{s}`: a span needs its unit: {s}d for days, {s}h for hours, {s}w for weeks"
        )),
        "" => Err(format!(
            "`{s}`: a span needs its unit: {s}d for days or {s}w for weeks"
        )),
        // Spans longer than the calendar saturate: they reach back to its start.
        "w" => Ok(n.saturating_mul(7)),
        // Calls are dated by the day: hours are whole days or nothing.
        "h" if n % 24 == 0 => Ok(n / 24),
        "h" => Err(format!(
            "`{s}`: calls are dated by the day, so a span in hours must be whole days (24h, 48h); use {}d",
            n.saturating_add(23) / 24
        )),
        _ => Err(format!(
            "`{s}`: unknown unit `{unit}` (use d, w, or h in whole days)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn dates_in_the_shapes_exports_use() {
        assert_eq!(parse_date("2024-03-05"), d(2024, 3, 5));
        assert_eq!(parse_date("2024/03/05"), d(2024, 3, 5));
        assert_eq!(parse_date("2022-10-27T03:31:50.735Z"), d(2022, 10, 27));
        assert_eq!(parse_date("2021-11-25 13:35:14.215558"), d(2021, 11, 25));
        assert_eq!(
            parse_date("2021-11-25 13:35:14.215558+00:00"),
            d(2021, 11, 25)
        );
        assert_eq!(parse_date("1709647331"), d(2024, 3, 5));
        assert_eq!(parse_date("1709647331000"), d(2024, 3, 5));
        assert_eq!(parse_date("1709647331000000"), d(2024, 3, 5));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("12"), None);
    }

    #[test]
    fn days_for_filters_refuse_a_time_of_day_or_an_epoch() {
        assert_eq!(parse_day("2026-11-26"), Ok(d(2026, 11, 26).unwrap()));
        assert_eq!(parse_day(" 2026/11/26 "), Ok(d(2026, 11, 26).unwrap()));
        assert_eq!(parse_date("2026-11-26T23:59"), d(2026, 11, 26));
        assert_eq!(parse_date("2026/11/26 23:59"), d(2026, 11, 26));
        let e = parse_day("2026-11-26T12:00").unwrap_err();
        assert!(e.contains("without a time of day"), "{e}");
        let e = parse_day("2026-11-26T12:00:00").unwrap_err();
        assert!(e.contains("without a time of day: 2026-11-26"), "{e}");
        let e = parse_day("2026-12-02T08:00:00Z").unwrap_err();
        assert!(e.contains("filtered by whole days"), "{e}");
        let e = parse_day("1795651200").unwrap_err();
        assert!(e.contains("not a Unix time"), "{e}");
        let e = parse_day("tomorrow").unwrap_err();
        assert!(e.contains("expected a date like 2024-03-05"), "{e}");
    }

    #[test]
    fn spans() {
        assert_eq!(parse_span_days("7d"), Ok(7));
        assert_eq!(parse_span_days("2w"), Ok(14));
        // Calls are dated by the day: 24h is a day, 36h is refused with the days to use.
        assert_eq!(parse_span_days("48h"), Ok(2));
        let refused = parse_span_days("36h").unwrap_err();
        assert!(refused.contains("use 2d"), "{refused}");
        assert!(parse_span_days("7y").is_err());
        assert!(parse_span_days("d").is_err());
        // A number alone: days or hours? Refused, naming both (tester t25 F8).
        let bare = parse_span_days("24").unwrap_err();
        assert!(bare.contains("24d for days, 24h for hours"), "{bare}");
        // Only readings that would be taken: no `7h`, no `0d`.
        let bare = parse_span_days("7").unwrap_err();
        assert!(
            bare.contains("7d for days or 7w") && !bare.contains("7h"),
            "{bare}"
        );
        assert!(parse_span_days("0").unwrap_err().contains("at least a day"));
        assert_eq!(parse_span_days(&format!("{}w", i64::MAX)), Ok(i64::MAX));
        assert_eq!(
            parse_span_days(&format!("{}h", i64::MAX / 24 * 24)),
            Ok(i64::MAX / 24)
        );
    }
}
