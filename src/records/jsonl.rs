//! Per-call JSONL: the CSV's fields plus, per item, its verdict and evidence (1-based turn,
//! speaker, start time, matched text, the rule that matched, and in `also` the item's other
//! rules that matched the same words). Matched text is masked (card numbers always, the rest
//! with `--redact`).

use super::{CallRecords, MaskedTurns, score_text};
use crate::audit::CallAudit;
use crate::model::Call;
use crate::output::AtomicFile;
use crate::privacy::Masker;
use crate::rubric::Rubric;
use serde_json::{Map, Value, json};
use std::io::Write;

pub struct JsonlRecords {
    file: AtomicFile,
    masker: Masker,
}

impl JsonlRecords {
    pub fn new(file: AtomicFile, masker: Masker) -> JsonlRecords {
        JsonlRecords { file, masker }
    }
}

/// The JSON object of one audited call (also used by `explain --format json`). Quoted text is
/// masked as part of its turn.
pub fn call_json(rubric: &Rubric, call: &Call, a: &CallAudit, masker: Masker) -> Value {
    let mut turns = MaskedTurns::new(call, masker);
    let mut items = Map::new();
    for (i, (item, o)) in rubric.items.iter().zip(&a.items).enumerate() {
        let evidence: Vec<Value> = a
            .detail
            .as_ref()
            .map(|d| {
                d.evidence[i]
                    .iter()
                    .map(|e| {
                        let mut v = json!({
                            "turn": e.turn + 1,
                            "speaker": e.speaker.as_str(),
                            "start_ms": e.start_ms,
                            "text": turns.quote(e),
                            "rule": e.rule,
                        });
                        // The item's other phrases that matched the same words (one match), as
                        // `rubric test` names them after "also".
                        if !e.also.is_empty() {
                            v["also"] = json!(e.also);
                        }
                        v
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut v = json!({"verdict": o.verdict.as_str(), "count": o.count, "evidence": evidence});
        // Only with `audit --overrides`: the reviewer's verdict replaced the tool's.
        if let Some(ov) = a.overridden.iter().find(|ov| ov.item == i) {
            v["overridden"] = json!({"tool": ov.tool, "reviewer": ov.reviewer});
        }
        items.insert(item.id.clone(), v);
    }
    json!({
        "call_id": a.call_id,
        "agent_id": a.agent_id,
        "date": a.date.map(|d| d.to_string()),
        "team": a.team,
        "queue": a.queue,
        "turns": a.turns,
        "score": score_text(a).parse::<f64>().unwrap_or(0.0),
        "passed": a.passed,
        "customer_upset": a.upset,
        "customer_calmed": a.calmed,
        "items": items,
    })
}

impl CallRecords for JsonlRecords {
    fn write(&mut self, rubric: &Rubric, call: &Call, a: &CallAudit) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.file, &call_json(rubric, call, a, self.masker))?;
        self.file.write_all(b"\n")?;
        Ok(())
    }

    fn restart(&mut self) -> anyhow::Result<()> {
        self.file.restart()?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> anyhow::Result<crate::output::Prepared> {
        Ok(self.file.prepare()?)
    }

    fn needs_detail(&self) -> bool {
        true
    }
}
