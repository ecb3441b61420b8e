//! Agreement between two raters on yes/no verdicts: precision, recall and F1 with the first
//! rater (the reviewer) as truth, and Cohen's κ.
//!
//! Every rate is an exact fraction of the integer counts (`Ratio`): printed, rounded and
//! compared with a threshold from those integers, never through a float (κ = 0.4 worked out
//! in f64 is 0.3999…, below a `--min-kappa 0.4`, and κ = 0 came out as `-0.00`).

use serde::Serialize;

/// An exact fraction of the counts: compared exactly (`num-rational` compares without
/// overflow), printed and rounded by `Decimal`.
pub type Ratio = num_rational::Ratio<i128>;

/// A decimal as typed (`0.4`, `-.25`, `1`, `+0.60`), exactly, without going through a float;
/// `None` for anything else (exponents, `inf`, more than 30 decimals).
pub fn parse_decimal(s: &str) -> Option<Ratio> {
    let s = s.trim();
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || int.len() > 30
        || frac.len() > 30
    {
        return None;
    }
    let mut num: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        num = num.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    let den = 10i128.checked_pow(frac.len() as u32)?;
    Some(Ratio::new(if negative { -num } else { num }, den))
}

/// A fraction written with a fixed number of decimals, rounded half away from zero from the
/// exact value (as the report rounds 91.25 to 91.3).
pub trait Decimal {
    /// With `decimals` decimals; a value that rounds to zero is `0.00`, never `-0.00`.
    fn fixed(&self, decimals: u32) -> String;
    /// Rounded as `fixed` rounds, as the nearest f64 (for JSON); never `-0.0`.
    fn rounded(&self, decimals: u32) -> f64;
}

/// `r × 10^decimals` rounded to an integer, halves away from zero; `None` on overflow.
fn scaled(r: &Ratio, decimals: u32) -> Option<i128> {
    let scaled = r.numer().checked_mul(10i128.checked_pow(decimals)?)?;
    let den = r.denom().unsigned_abs();
    let q = (scaled.unsigned_abs().checked_mul(2)?.checked_add(den)? / (2 * den)) as i128;
    Some(if scaled < 0 { -q } else { q })
}

/// The nearest f64, for the overflow fallbacks only.
fn approx(r: &Ratio) -> f64 {
    *r.numer() as f64 / *r.denom() as f64
}

impl Decimal for Ratio {
    fn fixed(&self, decimals: u32) -> String {
        let Some(q) = scaled(self, decimals) else {
            return format!("{:.*}", decimals as usize, approx(self) + 0.0);
        };
        let unit = 10u128.pow(decimals);
        let (whole, frac) = (q.unsigned_abs() / unit, q.unsigned_abs() % unit);
        let sign = if q < 0 { "-" } else { "" };
        if decimals == 0 {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{frac:0width$}", width = decimals as usize)
        }
    }

    fn rounded(&self, decimals: u32) -> f64 {
        let unit = 10f64.powi(decimals as i32);
        match scaled(self, decimals) {
            Some(q) => q as f64 / unit + 0.0,
            None => (approx(self) * unit).round() / unit + 0.0,
        }
    }
}

/// Counts of paired verdicts. Exact and mergeable; every rate is derived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Agreement {
    /// Pairs compared.
    pub n: u64,
    /// The reference rater (the reviewer) said yes.
    pub reviewer_yes: u64,
    /// The other rater (the tool) said yes.
    pub tool_yes: u64,
    pub both_yes: u64,
}

impl Agreement {
    pub fn add(&mut self, reviewer: bool, tool: bool) {
        self.n += 1;
        self.reviewer_yes += u64::from(reviewer);
        self.tool_yes += u64::from(tool);
        self.both_yes += u64::from(reviewer && tool);
    }

    fn ratio(a: u64, b: u64) -> Option<Ratio> {
        (b > 0).then(|| Ratio::new(i128::from(a), i128::from(b)))
    }

    /// Of the tool's yeses, the share the reviewer agrees with; `None` when the tool said no
    /// yes at all.
    pub fn precision(&self) -> Option<Ratio> {
        Self::ratio(self.both_yes, self.tool_yes)
    }

    /// Of the reviewer's yeses, the share the tool found; `None` when the reviewer said no yes.
    pub fn recall(&self) -> Option<Ratio> {
        Self::ratio(self.both_yes, self.reviewer_yes)
    }

    /// 2·both / (reviewer yes + tool yes); `None` when neither said yes (nothing to find, and
    /// nothing wrongly found).
    pub fn f1(&self) -> Option<Ratio> {
        Self::ratio(2 * self.both_yes, self.reviewer_yes + self.tool_yes)
    }

    /// Pairs where both said no.
    fn both_no(&self) -> u64 {
        (self.n + self.both_yes) - self.reviewer_yes - self.tool_yes
    }

    /// Share of pairs that agree.
    pub fn observed(&self) -> Option<Ratio> {
        Self::ratio(self.both_yes + self.both_no(), self.n)
    }

    /// Cohen's κ = (po − pe) / (1 − pe), exactly: with po = agree/n and pe = Σ/n², where
    /// Σ = reviewer_yes·tool_yes + reviewer_no·tool_no, κ = (n·agree − Σ) / (n² − Σ). `None`
    /// when there is nothing to compare, or when both raters gave one and the same answer
    /// throughout (pe = 1: agreement is perfect but κ is undefined).
    pub fn kappa(&self) -> Option<Ratio> {
        if self.n == 0 {
            return None;
        }
        let n = i128::from(self.n);
        let (r, t) = (i128::from(self.reviewer_yes), i128::from(self.tool_yes));
        let agree = i128::from(self.both_yes + self.both_no());
        let chance = r * t + (n - r) * (n - t);
        (n * n != chance).then(|| Ratio::new(n * agree - chance, n * n - chance))
    }

    /// Whether κ is below `min`, compared exactly. An undefined κ with perfect agreement is
    /// not below anything.
    pub fn kappa_below(&self, min: Ratio) -> bool {
        match self.kappa() {
            Some(k) => k < min,
            None => self
                .observed()
                .is_some_and(|po| po < Ratio::from_integer(1)),
        }
    }
}

/// Two decimals, or empty when undefined.
pub fn fmt2(x: Option<Ratio>) -> String {
    x.map(|v| v.fixed(2)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(bool, bool)]) -> Agreement {
        let mut a = Agreement::default();
        for &(r, t) in pairs {
            a.add(r, t);
        }
        a
    }

    /// Both yes, tool only, reviewer only, both no.
    fn counts(a: usize, b: usize, c: usize, d: usize) -> Agreement {
        let mut pairs = vec![(true, true); a];
        pairs.extend(vec![(false, true); b]);
        pairs.extend(vec![(true, false); c]);
        pairs.extend(vec![(false, false); d]);
        from(&pairs)
    }

    fn dec(s: &str) -> Ratio {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn textbook_kappa() {
        // 50 pairs: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → po 0.7, pe 0.5, κ 0.4.
        let a = counts(20, 10, 5, 15);
        assert_eq!(a.kappa(), Some(dec("0.4")));
        assert_eq!(a.precision(), Some(Ratio::new(2, 3)));
        assert_eq!(a.recall(), Some(dec("0.8")));
        assert_eq!(a.f1(), Some(Ratio::new(40, 55)));
    }

    /// κ that is exactly a round number is that number: f64 made 0.3999… of these.
    #[test]
    fn exact_kappa_meets_its_own_threshold() {
        for a in [counts(4, 2, 1, 3), counts(1, 0, 1, 1), counts(1, 1, 1, 9)] {
            assert_eq!(a.kappa(), Some(dec("0.4")), "{a:?}");
            assert!(!a.kappa_below(dec("0.4")), "{a:?}");
            assert!(a.kappa_below(dec("0.41")), "{a:?}");
            assert_eq!(fmt2(a.kappa()), "0.40");
        }
        let zero = counts(0, 0, 1, 2);
        assert_eq!(zero.kappa(), Some(Ratio::new(0, 1)));
        assert!(!zero.kappa_below(dec("0")));
        assert_eq!(fmt2(zero.kappa()), "0.00");
        assert_eq!(zero.kappa().unwrap().rounded(3).to_string(), "0");
    }

    #[test]
    fn fixed_rounds_the_exact_fraction_half_away_from_zero() {
        assert_eq!(Ratio::new(5, 8).fixed(2), "0.63");
        assert_eq!(Ratio::new(-5, 8).fixed(2), "-0.63");
        assert_eq!(Ratio::new(-1, 1000).fixed(2), "0.00");
        assert_eq!(Ratio::new(1, 1).fixed(2), "1.00");
        assert_eq!(Ratio::new(-1, 3).fixed(3), "-0.333");
        assert_eq!(Ratio::new(5, 6).rounded(3), 0.833);
        assert_eq!(Ratio::new(-1, 3000).rounded(3).to_string(), "0");
    }

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(parse_decimal("0.4"), Some(Ratio::new(2, 5)));
        assert_eq!(parse_decimal(" -.25"), Some(Ratio::new(-1, 4)));
        assert_eq!(parse_decimal("+1"), Some(Ratio::new(1, 1)));
        assert_eq!(parse_decimal("1."), Some(Ratio::new(1, 1)));
        for bad in ["", "-", ".", "4e-1", "inf", "NaN", "0.4.1", "1,5"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn undefined_cases() {
        let all_no = from(&[(false, false); 4]);
        assert_eq!(all_no.f1(), None);
        assert_eq!(all_no.kappa(), None);
        assert!(!all_no.kappa_below(dec("0.9")));
        let none = Agreement::default();
        assert_eq!(none.kappa(), None);
        let disagree = from(&[(true, false), (false, true)]);
        assert!(disagree.kappa_below(dec("0.000000001")));
        assert_eq!(disagree.f1(), Some(Ratio::new(0, 1)));
    }
}
