//! Filling in what an export lacks: the agent id from the file name (`--agent-from-filename`)
//! and contact records joined on call id (`--metadata`).

use crate::model::Call;
use crate::read::input::Input;
use anyhow::{Context, bail};
use std::path::Path;

/// Fills in agent ids and call metadata the exports lack.
pub struct Enricher {
    agent_from_filename: Option<regex::Regex>,
}

impl Enricher {
    pub fn new(
        agent_from_filename: Option<&str>,
        metadata: Option<&Path>,
    ) -> anyhow::Result<Option<Enricher>> {
        let agent_from_filename = agent_from_filename
            .map(|r| {
                let re =
                    regex::Regex::new(r).with_context(|| format!("--agent-from-filename `{r}`"))?;
                if re.captures_len() < 2 {
                    bail!(
                        "--agent-from-filename `{r}`: needs a capture group, e.g. `_AGENT_(.*?)_`"
                    );
                }
                Ok(re)
            })
            .transpose()?;
        if metadata.is_some() {
            bail!("--metadata is not available yet");
        }
        Ok(agent_from_filename.is_some().then_some(Enricher {
            agent_from_filename,
        }))
    }

    pub fn enrich(&self, call: &mut Call, input: &Input) {
        if call.agent_id.is_none()
            && let Some(re) = &self.agent_from_filename
            && let Some(m) = re.captures(input.file_name()).and_then(|c| c.get(1))
            && !m.as_str().is_empty()
        {
            call.agent_id = Some(m.as_str().to_string());
        }
    }
}
