//! Gates for nightly jobs: `--fail-under`, `--fail-agent-under` (with `--min-calls`) and
//! `--fail-on`. They are checked against the report's own numbers (rounded as printed), so a
//! verdict never disagrees with what the report shows; the verdicts go into the JSON report and
//! a failed gate exits 1 with a one-line reason on stderr.

use crate::audit::fmt_num;
use crate::render::Row;
use crate::rubric::{Kind, Rubric};
use anyhow::bail;

/// A gate asked for on the command line, checked before any input is read.
#[derive(Clone, Debug, PartialEq)]
pub enum Gate {
    /// The overall mean score must be at least this.
    FailUnder(f64),
    /// Every agent with at least `min_calls` calls must have a mean score of at least `score`.
    FailAgentUnder { score: f64, min_calls: u64 },
    /// This violation item must not occur in any call. `index` is its rubric position.
    FailOn { item: String, index: usize },
}

impl Gate {
    /// The flag as written, for messages: `--fail-under 75`.
    pub fn flag(&self) -> String {
        match self {
            Gate::FailUnder(t) => format!("--fail-under {}", fmt_num(*t)),
            Gate::FailAgentUnder { score, min_calls } => {
                format!(
                    "--fail-agent-under {} --min-calls {min_calls}",
                    fmt_num(*score)
                )
            }
            Gate::FailOn { item, .. } => format!("--fail-on {item}"),
        }
    }

    /// The gate's name without its value: `fail-under`.
    pub fn name(&self) -> &'static str {
        match self {
            Gate::FailUnder(_) => "fail-under",
            Gate::FailAgentUnder { .. } => "fail-agent-under",
            Gate::FailOn { .. } => "fail-on",
        }
    }
}

/// A gate and how the run fared against it.
#[derive(Clone, Debug, PartialEq)]
pub struct GateVerdict {
    pub gate: Gate,
    pub passed: bool,
    /// One line, for stderr and the reports.
    pub reason: String,
}

fn score_threshold(flag: &str, v: f64) -> anyhow::Result<f64> {
    if !v.is_finite() || !(0.0..=100.0).contains(&v) {
        bail!("{flag} {v}: expected a score between 0 and 100");
    }
    Ok(v)
}

/// The gates of a command line, validated against the rubric.
pub fn gates(
    fail_under: Option<f64>,
    fail_agent_under: Option<f64>,
    min_calls: u64,
    fail_on: &[String],
    rubric: &Rubric,
) -> anyhow::Result<Vec<Gate>> {
    let mut out = Vec::new();
    if let Some(t) = fail_under {
        out.push(Gate::FailUnder(score_threshold("--fail-under", t)?));
    }
    if let Some(t) = fail_agent_under {
        out.push(Gate::FailAgentUnder {
            score: score_threshold("--fail-agent-under", t)?,
            min_calls,
        });
    }
    for id in fail_on {
        let Some(index) = rubric.item_index(id) else {
            let violations: Vec<&str> = rubric
                .items
                .iter()
                .filter(|i| i.kind == Kind::Violation)
                .map(|i| i.id.as_str())
                .collect();
            bail!(
                "--fail-on `{id}`: no such item in the rubric (its violations: {})",
                violations.join(", ")
            );
        };
        if rubric.items[index].kind != Kind::Violation {
            bail!(
                "--fail-on `{id}`: `{id}` is an {} item; --fail-on takes a violation item",
                rubric.items[index].kind.as_str()
            );
        }
        out.push(Gate::FailOn {
            item: id.clone(),
            index,
        });
    }
    Ok(out)
}

/// Checks each gate. `overall` is the report's overall line, `agents` one line per agent over
/// every audited call (whatever `--group-by`, `--top` and `--bottom` show).
pub fn evaluate(gates: &[Gate], overall: &Row, agents: &[Row]) -> Vec<GateVerdict> {
    gates
        .iter()
        .map(|gate| {
            let (passed, reason) = match gate {
                Gate::FailUnder(t) => match overall.mean_score {
                    None => (false, "no calls were audited: there is no mean score".into()),
                    Some(mean) => {
                        let passed = mean >= *t;
                        let sign = if passed { "≥" } else { "<" };
                        (
                            passed,
                            format!("overall mean score {mean:.1} {sign} {}", fmt_num(*t)),
                        )
                    }
                },
                Gate::FailAgentUnder { score, min_calls } => {
                    let low: Vec<String> = agents
                        .iter()
                        .filter(|r| r.calls >= *min_calls)
                        .filter_map(|r| {
                            r.mean_score
                                .filter(|m| m < score)
                                .map(|m| format!("{} ({m:.1})", r.key))
                        })
                        .collect();
                    let considered = agents.iter().filter(|r| r.calls >= *min_calls).count();
                    if low.is_empty() {
                        (
                            true,
                            format!(
                                "all {considered} agent(s) with ≥ {min_calls} call(s) score ≥ {}",
                                fmt_num(*score)
                            ),
                        )
                    } else {
                        (
                            false,
                            format!(
                                "{} of {considered} agent(s) with ≥ {min_calls} call(s) score below {}: {}",
                                low.len(),
                                fmt_num(*score),
                                low.join(", ")
                            ),
                        )
                    }
                }
                Gate::FailOn { item, index } => {
                    let calls = overall.items.get(*index).map_or(0, |i| i.occurred);
                    (calls == 0, format!("{item} occurred in {calls} call(s)"))
                }
            };
            GateVerdict {
                gate: gate.clone(),
                passed,
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ItemRate;

    fn row(key: &str, calls: u64, mean: Option<f64>, hold: u64) -> Row {
        Row {
            key: key.into(),
            calls,
            upset_calls: 0,
            mean_score: mean,
            pass_rate: None,
            items: vec![ItemRate {
                applicable: calls,
                occurred: hold,
                matches: hold,
                rate: None,
            }],
            violations_per_100: None,
            calmed_rate: None,
            delta: None,
        }
    }

    #[test]
    fn thresholds_compare_with_the_printed_numbers() {
        let overall = row("(all)", 4, Some(75.0), 0);
        let v = evaluate(&[Gate::FailUnder(75.0)], &overall, &[]);
        assert!(v[0].passed, "{}", v[0].reason);
        let v = evaluate(&[Gate::FailUnder(75.1)], &overall, &[]);
        assert!(!v[0].passed);
        assert_eq!(v[0].reason, "overall mean score 75.0 < 75.1");
    }

    #[test]
    fn no_calls_fail_the_overall_gate() {
        let v = evaluate(&[Gate::FailUnder(0.0)], &row("(all)", 0, None, 0), &[]);
        assert!(!v[0].passed);
    }

    #[test]
    fn agents_below_min_calls_are_not_gated() {
        let agents = [row("ann", 5, Some(90.0), 0), row("bo", 1, Some(10.0), 0)];
        let overall = row("(all)", 6, Some(76.7), 0);
        let gate = |min_calls| Gate::FailAgentUnder {
            score: 50.0,
            min_calls,
        };
        assert!(evaluate(&[gate(2)], &overall, &agents)[0].passed);
        let v = evaluate(&[gate(1)], &overall, &agents);
        assert!(!v[0].passed);
        assert!(v[0].reason.ends_with("bo (10.0)"), "{}", v[0].reason);
    }

    #[test]
    fn fail_on_counts_calls() {
        let gate = Gate::FailOn {
            item: "hold".into(),
            index: 0,
        };
        assert!(evaluate(std::slice::from_ref(&gate), &row("(all)", 3, None, 0), &[])[0].passed);
        let v = evaluate(&[gate], &row("(all)", 3, None, 2), &[]);
        assert!(!v[0].passed);
        assert_eq!(v[0].reason, "hold occurred in 2 call(s)");
    }
}
