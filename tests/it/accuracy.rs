//! Accuracy of the built-in rubric against hand labels of TweetSumm conversations, measured with
//! `callaudit calibrate` (the command users run on their own review sheets).
//!
//! The labels (`accuracy/tune.csv`, `accuracy/heldout.csv`) were made by two independent
//! labellers from `../shared/qa-standard.md` alone, disagreements settled by a third reading
//! (accuracy/GUIDELINES.md). The split was committed before any tuning; the rubric is tuned on
//! the tune part only, and the held-out part is the headline.
//!
//! Prints the held-out and tune tables with the naive keyword baseline beside the rubric, and
//! fails when a held-out F1 falls below its floor (the value measured when the rubric was last
//! changed: a change that makes a held-out item worse must say so here). The targets
//! are printed beside them, met or not. Skips, saying it checked nothing, when `../shared` is
//! absent. Run it alone with `cargo test --test tests accuracy -- --nocapture`.

use super::common;
use common::*;
use std::collections::BTreeMap;

/// (item, target F1 on the held-out part, floor: just below the held-out F1 last measured).
const ITEMS: &[(&str, f64, f64)] = &[
    ("apology", 0.90, 0.97),
    ("thanks", 0.90, 0.97),
    // Seventh scoring: 0.85 -> 0.87, transfer 0.73 -> 0.79; eighth: transfer 0.79 -> 0.800.
    ("follow_up", 0.90, 0.86),
    ("transfer", 0.90, 0.79),
    ("channel_move", 0.90, 0.91),
    ("additional_concerns", 0.90, 0.85),
    // Eighth scoring: 0.790 -> 0.81, met (sixth: 0.78 -> 0.790; fifth: 0.79 -> 0.78, worse).
    ("empathy", 0.80, 0.80),
    ("clarifying_question", 0.80, 0.90),
    // Seventh scoring: 0.74 -> 0.77 (sixth: 0.72 -> 0.74).
    ("resolution", 0.80, 0.76),
    // Eighth scoring: 0.81 -> 0.82 (seventh: 0.82 -> 0.81, worse by one call).
    ("customer_upset", 0.80, 0.81),
    // Eighth scoring: 0.52 -> 0.51, worse; seventh: 0.57 -> 0.52, worse (docs/accuracy.md).
    ("customer_calmed", 0.80, 0.50),
    // Eighth scoring: 0.25 -> 0.36 (2 of 7 found, 2 false alarms).
    ("mirroring", 0.70, 0.35),
    ("dismissive", 0.70, 0.26),
];

/// One row of `calibrate --format csv`. The rates are worked out again from the exact counts:
/// the CSV's two decimals would round 0.797 up to a target of 0.80.
#[derive(Clone, Debug, Default)]
struct Scores {
    n: u64,
    reviewer_yes: u64,
    /// As `calibrate` prints them (two decimals), for the table.
    printed: [String; 3],
    f1: Option<f64>,
}

fn rate(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn calibrate(
    sheet: &str,
    rubric: Option<&str>,
    corpus: &std::path::Path,
) -> BTreeMap<String, Scores> {
    let mut cmd = callaudit();
    cmd.args(["calibrate", "--quiet", "--format", "csv"])
        .arg(repo_path(sheet))
        .arg(corpus);
    if let Some(r) = rubric {
        cmd.arg("--rubric").arg(repo_path(r));
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "calibrate {sheet}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let count = |i: usize| rec[i].parse::<u64>().unwrap();
            let (reviewer_yes, tool_yes, both) = (count(2), count(3), count(4));
            (
                rec[0].to_string(),
                Scores {
                    n: count(1),
                    reviewer_yes,
                    printed: [5, 6, 7].map(|i| match &rec[i] {
                        "" => "–".to_string(),
                        v => v.to_string(),
                    }),
                    f1: rate(2 * both, reviewer_yes + tool_yes),
                },
            )
        })
        .collect()
}

/// Two decimals, as `calibrate` prints them.
fn f2(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{v:.2}"))
}

fn table(ours: &BTreeMap<String, Scores>, naive: &BTreeMap<String, Scores>) -> String {
    let mut t = String::from(
        "| item | labelled 1 / n | precision | recall | F1 | naive F1 | target |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (item, target, _) in ITEMS {
        let s = ours.get(*item).cloned().unwrap_or_default();
        let n = naive.get(*item).cloned().unwrap_or_default();
        let n = Scores {
            printed: n
                .printed
                .clone()
                .map(|p| if p.is_empty() { "–".into() } else { p }),
            ..n
        };
        let met = s.f1.is_some_and(|f| f >= *target);
        // Met or not is decided on the exact F1; say so where rounding would hide it.
        let exact = match s.f1 {
            Some(f) if !met && f2(Some(f)) == f2(Some(*target)) => format!(" ({f:.3})"),
            _ => String::new(),
        };
        t.push_str(&format!(
            "| `{item}` | {} / {} | {} | {} | {} | {} | ≥ {target:.2} {}{exact} |\n",
            s.reviewer_yes,
            s.n,
            s.printed[0],
            s.printed[1],
            s.printed[2],
            n.printed[2],
            if met { "met" } else { "**not met**" }
        ));
    }
    t
}

#[test]
fn built_in_rubric_on_held_out_and_tune_labels() {
    let Some(shared) = shared() else {
        println!("accuracy: ../shared is absent: checked nothing");
        return;
    };
    let corpus = shared.join("data/tweetsumm/tweetsumm-dev.csv");
    let naive_rubric = Some("accuracy/naive-keywords.toml");
    let held = calibrate("accuracy/heldout.csv", None, &corpus);
    let held_naive = calibrate("accuracy/heldout.csv", naive_rubric, &corpus);
    let tune = calibrate("accuracy/tune.csv", None, &corpus);
    let tune_naive = calibrate("accuracy/tune.csv", naive_rubric, &corpus);
    println!("Held out (the headline):\n\n{}", table(&held, &held_naive));
    println!(
        "Tune (what the phrases were tuned on):\n\n{}",
        table(&tune, &tune_naive)
    );

    let mut below = Vec::new();
    for (item, _, floor) in ITEMS {
        let f1 = held.get(*item).and_then(|s| s.f1).unwrap_or(0.0);
        if f1 + 1e-9 < *floor {
            below.push(format!("{item}: held-out F1 {f1:.2} < floor {floor:.2}"));
        }
    }
    assert!(below.is_empty(), "held-out F1 fell: {below:?}");

    // The one list of items to read with care (README, HTML report) is the measured one.
    let measured: Vec<(&str, f64)> = ITEMS
        .iter()
        .filter_map(|(item, _, _)| {
            let f1 = held.get(*item).and_then(|s| s.f1).unwrap_or(0.0);
            (f1 < 0.80).then_some((*item, f1))
        })
        .collect();
    let listed = callaudit::rubric::HELD_OUT_BELOW_0_80;
    let mut ids: Vec<&str> = measured.iter().map(|(i, _)| *i).collect();
    let mut listed_ids: Vec<&str> = listed.iter().map(|(i, _)| *i).collect();
    ids.sort_unstable();
    listed_ids.sort_unstable();
    assert_eq!(
        ids, listed_ids,
        "rubric::HELD_OUT_BELOW_0_80 must list the items whose held-out F1 is below 0.80"
    );
    for (item, f1) in measured {
        let (_, shown) = listed.iter().find(|(i, _)| *i == item).unwrap();
        let shown: f64 = shown.parse().unwrap();
        assert!(
            (shown - f1).abs() < 0.006,
            "rubric::HELD_OUT_BELOW_0_80 shows {item} at {shown}, measured {f1:.3}"
        );
    }
}

/// README.md's "How far to trust each column" names every item of the one list of items whose
/// held-out F1 is below 0.80 (`rubric::HELD_OUT_BELOW_0_80`, which the HTML report names too),
/// with that F1, and links to docs/accuracy.md. Needs no `../shared`.
#[test]
fn readme_names_the_items_below_0_80() {
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    let start = readme
        .find("## How far to trust each column")
        .expect("README has the section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    assert!(section.contains("docs/accuracy.md"), "{section}");
    for (id, f1) in callaudit::rubric::HELD_OUT_BELOW_0_80 {
        assert!(
            section.contains(&format!("`{id}` {f1}")),
            "README's trust section should name `{id}` {f1}:\n{section}"
        );
    }
}
