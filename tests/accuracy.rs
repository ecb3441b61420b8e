//! Accuracy of the built-in rubric against hand labels of 165 TweetSumm conversations
//! (`accuracy/labels.csv`, made by reading them; see `accuracy/GUIDELINES.md`).
//!
//! Prints per-item precision, recall and F1 and holds the rubric to the targets of its issue.
//! Skips when `../shared` (the corpus) is absent. Run it alone with
//! `cargo test --test accuracy -- --nocapture`.

mod common;
use common::*;
use std::collections::HashMap;

/// Items with a target F1.
const TARGETS: &[(&str, f64)] = &[
    ("apology", 0.90),
    ("thanks", 0.90),
    ("follow_up", 0.90),
    ("transfer", 0.90),
    ("additional_concerns", 0.90),
    ("empathy", 0.80),
    ("clarifying_question", 0.80),
    ("resolution", 0.80),
    ("customer_upset", 0.80),
    ("mirroring", 0.70),
];

/// Items labelled but without a target: reported only.
const REPORTED: &[&str] = &["customer_calmed", "hold"];

#[derive(Default, Clone, Copy)]
struct Confusion {
    tp: u32,
    fp: u32,
    fn_: u32,
    tn: u32,
}

impl Confusion {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        1.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// Predicted: the item matched at least once (signals: flagged 1).
fn predicted(cell: &str) -> bool {
    !cell.is_empty() && cell != "0"
}

#[test]
fn default_rubric_meets_the_accuracy_targets() {
    let Some(shared) = shared() else { return };
    let w = Workdir::new();
    let calls = w.path("calls.csv");
    callaudit()
        .args(["audit", "--quiet", "--format", "json", "--calls"])
        .arg(&calls)
        .arg(shared.join("data/tweetsumm/tweetsumm-dev.csv"))
        .assert()
        .success();
    let audited: HashMap<String, HashMap<String, String>> = read_calls_csv(&calls)
        .into_iter()
        .map(|r| (r["call_id"].clone(), r))
        .collect();
    let labels = read_calls_csv(&repo_path("accuracy/labels.csv"));
    assert!(labels.len() >= 150, "at least 150 labelled conversations");

    let items: Vec<&str> = TARGETS
        .iter()
        .map(|(i, _)| *i)
        .chain(REPORTED.iter().copied())
        .collect();
    let mut table = String::from(
        "| item | labelled 1 | precision | recall | F1 | target |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    let mut misses = Vec::new();
    for item in &items {
        let mut c = Confusion::default();
        for l in &labels {
            let a = audited
                .get(&l["call_id"])
                .unwrap_or_else(|| panic!("labelled call {} not audited", l["call_id"]));
            match (l[*item] == "1", predicted(&a[*item])) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                (false, false) => c.tn += 1,
            }
        }
        let target = TARGETS.iter().find(|(i, _)| i == item).map(|(_, t)| *t);
        table.push_str(&format!(
            "| `{item}` | {} | {:.2} | {:.2} | {:.2} | {} |\n",
            c.tp + c.fn_,
            c.precision(),
            c.recall(),
            c.f1(),
            target.map_or("–".to_string(), |t| format!("≥ {t:.2}"))
        ));
        if let Some(t) = target
            && c.f1() < t
        {
            misses.push(format!("{item}: F1 {:.2} < {t:.2}", c.f1()));
        }
    }
    println!("{table}");
    assert!(misses.is_empty(), "below target: {misses:?}\n{table}");
}
