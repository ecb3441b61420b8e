//! Dates from file paths. Export trees are usually laid out by date (`2026/11/23/…`,
//! `…_2026-11-23_…`, `year=2026/month=11/day=23/`), while many exports carry no date of their
//! own (Transcribe, WebVTT, plain text). A call that neither its export nor `--metadata` dates
//! takes the date in its file's path.
//!
//! The built-in patterns are `YYYY/MM/DD/` (directories), `year=YYYY/month=MM/day=DD`,
//! `YYYY-MM-DD` and `YYYYMMDD` (eight digits with no digit either side); when the path holds
//! several dates, the last one (the most specific: a file name inside dated directories) wins.
//! `--date-from-path REGEX` replaces them: the groups named `year`, `month` and `day`, or else
//! the first capture group read as a date (`2026-11-23`, `2026/11/23`, `20261123`, RFC 3339,
//! epoch); again the last match in the path wins. `--date-from-path off` turns it off.

use super::dates::parse_date;
use anyhow::{Context, bail};
use chrono::NaiveDate;
use regex::{Captures, Regex};

/// The built-in patterns, each with groups named year, month and day, and the boundary check
/// its match needs on either side.
const BUILTIN: &[(&str, Boundary)] = &[
    (
        r"(?P<year>\d{4})[/\\](?P<month>\d{2})[/\\](?P<day>\d{2})[/\\]",
        Boundary::Separator,
    ),
    (
        r"year=(?P<year>\d{4})[/\\]month=(?P<month>\d{1,2})[/\\]day=(?P<day>\d{1,2})",
        Boundary::Digit,
    ),
    (
        r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})",
        Boundary::Digit,
    ),
    (
        r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})",
        Boundary::Digit,
    ),
];

/// What may not touch a match: another digit (so `120261123` is no date), or, for directory
/// patterns, anything but a path separator before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Boundary {
    Digit,
    Separator,
}

/// Years a path date may have: digits outside them are ids, not dates.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

#[derive(Debug)]
pub struct PathDates {
    patterns: Vec<(Regex, Boundary)>,
    custom: bool,
}

impl PathDates {
    /// The dater for `--date-from-path`: built-in patterns when `None`, nothing for `off`.
    pub fn new(spec: Option<&str>) -> anyhow::Result<Option<PathDates>> {
        match spec.map(str::trim) {
            Some("off") => Ok(None),
            None => Ok(Some(PathDates {
                patterns: BUILTIN
                    .iter()
                    .map(|(re, b)| (Regex::new(re).expect("built-in pattern"), *b))
                    .collect(),
                custom: false,
            })),
            Some(re) => {
                let regex = Regex::new(re).with_context(|| format!("--date-from-path `{re}`"))?;
                let names: Vec<&str> = regex.capture_names().flatten().collect();
                let ymd = ["year", "month", "day"].iter().all(|n| names.contains(n));
                if !ymd && regex.captures_len() < 2 {
                    bail!(
                        "--date-from-path `{re}`: needs groups named year, month and day, or one capture group holding a date, e.g. `_(\\d{{8}})_` or `(?P<year>\\d{{4}})/(?P<month>\\d\\d)/(?P<day>\\d\\d)/`"
                    );
                }
                Ok(Some(PathDates {
                    patterns: vec![(regex, Boundary::Digit)],
                    custom: true,
                }))
            }
        }
    }

    /// The date in `path`: of the matches of every pattern, the one that ends last.
    pub fn date(&self, path: &str) -> Option<NaiveDate> {
        let mut best: Option<(usize, NaiveDate)> = None;
        for (re, boundary) in &self.patterns {
            let mut at = 0;
            while at <= path.len() {
                let Some(c) = re.captures_at(path, at) else {
                    break;
                };
                let m = c.get(0).expect("group 0");
                if (self.custom || fits(path, m.start(), m.end(), *boundary))
                    && let Some(d) = self.read(&c)
                    && best.is_none_or(|(end, _)| m.end() > end)
                {
                    best = Some((m.end(), d));
                }
                // Overlapping candidates too: `2024-03-05_2024-03-06` holds two dates.
                at = next_char(path, m.start());
            }
        }
        best.map(|(_, d)| d)
    }

    fn read(&self, c: &Captures<'_>) -> Option<NaiveDate> {
        let num = |n: &str| c.name(n).and_then(|m| m.as_str().parse::<u32>().ok());
        let date = match (num("year"), num("month"), num("day")) {
            (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d),
            _ => {
                let s = c.get(1)?.as_str();
                parse_date(s).or_else(|| NaiveDate::parse_from_str(s, "%Y%m%d").ok())
            }
        }?;
        use chrono::Datelike;
        YEARS.contains(&date.year()).then_some(date)
    }
}

fn next_char(s: &str, from: usize) -> usize {
    s[from..]
        .chars()
        .next()
        .map_or(s.len() + 1, |c| from + c.len_utf8())
}

fn fits(path: &str, start: usize, end: usize, boundary: Boundary) -> bool {
    let before = path[..start].chars().next_back();
    let after = path[end..].chars().next();
    match boundary {
        Boundary::Digit => {
            !before.is_some_and(|c| c.is_ascii_digit())
                && !after.is_some_and(|c| c.is_ascii_digit())
        }
        Boundary::Separator => before.is_none_or(|c| c == '/' || c == '\\'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn built_in_layouts() {
        let p = PathDates::new(None).unwrap().unwrap();
        assert_eq!(p.date("exports/2026/11/23/calls.csv"), d(2026, 11, 23));
        assert_eq!(p.date("2026/11/23/calls.csv"), d(2026, 11, 23));
        assert_eq!(p.date("exports/calls_2026-11-23_eu.csv"), d(2026, 11, 23));
        assert_eq!(p.date("exports/calls-20261123.jsonl.gz"), d(2026, 11, 23));
        assert_eq!(
            p.date("s3/year=2026/month=11/day=3/part-0.json"),
            d(2026, 11, 3)
        );
        assert_eq!(
            p.date("analysis_2024-03-06T10_15_00Z.json"),
            d(2024, 3, 6),
            "a timestamp's date"
        );
        // The last date in the path wins: the file inside a dated directory.
        assert_eq!(p.date("2026/11/23/late_2026-11-24.csv"), d(2026, 11, 24));
        assert_eq!(p.date("a_2024-03-05_2024-03-06.csv"), d(2024, 3, 6));
        assert_eq!(
            p.date("backup-2025-01-01/2026/11/23/x.csv"),
            d(2026, 11, 23)
        );
    }

    #[test]
    fn digits_that_are_not_dates() {
        let p = PathDates::new(None).unwrap().unwrap();
        assert_eq!(p.date("calls/call-120261123.csv"), None, "nine digits");
        assert_eq!(p.date("calls/12345678.csv"), None, "year 1234");
        assert_eq!(p.date("calls/20261332.csv"), None, "month 13");
        assert_eq!(p.date("calls/2026-02-30.csv"), None, "no 30 February");
        assert_eq!(
            p.date("x2026/11/23/a.csv"),
            None,
            "not a directory of its own"
        );
        assert_eq!(p.date("2026/11/23.csv"), None, "no directory for the day");
        assert_eq!(p.date("-"), None);
    }

    #[test]
    fn custom_patterns() {
        let p = PathDates::new(Some(r"_d(\d{6})_")).unwrap().unwrap();
        assert_eq!(p.date("x_d261123_y.csv"), None, "six digits are not a date");
        let p = PathDates::new(Some(r"day-(\d{8})")).unwrap().unwrap();
        assert_eq!(p.date("out/day-20261123/a.csv"), d(2026, 11, 23));
        let p = PathDates::new(Some(r"(?P<day>\d\d)\.(?P<month>\d\d)\.(?P<year>\d{4})"))
            .unwrap()
            .unwrap();
        assert_eq!(p.date("calls 23.11.2026.csv"), d(2026, 11, 23));
        assert!(PathDates::new(Some("off")).unwrap().is_none());
        let e = PathDates::new(Some(r"\d{8}")).unwrap_err().to_string();
        assert!(e.contains("needs groups named year, month and day"), "{e}");
        assert!(PathDates::new(Some("(")).is_err());
    }
}
