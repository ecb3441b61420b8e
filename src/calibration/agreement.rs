//! Agreement between two raters on yes/no verdicts: precision, recall and F1 with the first
//! rater (the reviewer) as truth, and Cohen's κ.

use serde::Serialize;

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

    fn ratio(a: u64, b: u64) -> Option<f64> {
        (b > 0).then(|| a as f64 / b as f64)
    }

    /// Of the tool's yeses, the share the reviewer agrees with; `None` when the tool said no
    /// yes at all.
    pub fn precision(&self) -> Option<f64> {
        Self::ratio(self.both_yes, self.tool_yes)
    }

    /// Of the reviewer's yeses, the share the tool found; `None` when the reviewer said no yes.
    pub fn recall(&self) -> Option<f64> {
        Self::ratio(self.both_yes, self.reviewer_yes)
    }

    /// 2·both / (reviewer yes + tool yes); `None` when neither said yes (nothing to find, and
    /// nothing wrongly found).
    pub fn f1(&self) -> Option<f64> {
        Self::ratio(2 * self.both_yes, self.reviewer_yes + self.tool_yes)
    }

    /// Share of pairs that agree.
    pub fn observed(&self) -> Option<f64> {
        let both_no = (self.n + self.both_yes) - self.reviewer_yes - self.tool_yes;
        Self::ratio(self.both_yes + both_no, self.n)
    }

    /// Cohen's κ = (po − pe) / (1 − pe). `None` when there is nothing to compare, or when both
    /// raters gave one and the same answer throughout (pe = 1: agreement is perfect but κ is
    /// undefined).
    pub fn kappa(&self) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let n = self.n as f64;
        let po = self.observed()?;
        let (r, t) = (self.reviewer_yes as f64 / n, self.tool_yes as f64 / n);
        let pe = r * t + (1.0 - r) * (1.0 - t);
        if (1.0 - pe).abs() < 1e-12 {
            return None;
        }
        Some((po - pe) / (1.0 - pe))
    }

    /// Whether κ is below `min`. An undefined κ with perfect agreement is not below anything.
    pub fn kappa_below(&self, min: f64) -> bool {
        match self.kappa() {
            Some(k) => k < min,
            None => self.observed().is_some_and(|po| po < 1.0),
        }
    }
}

/// Two decimals, or empty when undefined.
pub fn fmt2(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_default()
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

    #[test]
    fn textbook_kappa() {
        // 50 pairs: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → po 0.7, pe 0.5, κ 0.4.
        let mut pairs = vec![(true, true); 20];
        pairs.extend(vec![(true, false); 5]);
        pairs.extend(vec![(false, true); 10]);
        pairs.extend(vec![(false, false); 15]);
        let a = from(&pairs);
        assert!((a.kappa().unwrap() - 0.4).abs() < 1e-9);
        assert!((a.precision().unwrap() - 20.0 / 30.0).abs() < 1e-9);
        assert!((a.recall().unwrap() - 0.8).abs() < 1e-9);
        assert!((a.f1().unwrap() - 40.0 / 55.0).abs() < 1e-9);
    }

    #[test]
    fn undefined_cases() {
        let all_no = from(&[(false, false); 4]);
        assert_eq!(all_no.f1(), None);
        assert_eq!(all_no.kappa(), None);
        assert!(!all_no.kappa_below(0.9));
        let none = Agreement::default();
        assert_eq!(none.kappa(), None);
        let disagree = from(&[(true, false), (false, true)]);
        assert!(disagree.kappa_below(0.0 + 1e-9));
        assert_eq!(disagree.f1(), Some(0.0));
    }
}
