//! `callaudit sample INPUT…`: picks calls for QA reviewers and writes a review sheet (and, with
//! `--packet`, the sampled transcripts to read).
//!
//! The draw is weighted reservoir sampling (Efraimidis–Spirakis): each call gets the key
//! `ln(u) / w`, where `u` in (0, 1) comes from a hash of the seed and the call id and `w` is the
//! call's weight, and each agent keeps the calls with the largest keys (`--per-agent`), or the
//! whole selection does (`--size`: the N largest, at most `--per-agent` of an agent's). The sample therefore
//! depends only on the calls, their verdicts and the seed: not on file order, thread count or
//! the order calls finish in.

use super::ExitCode;
use super::common::{enricher, input_format, load_rubric, read_options, threads};
use crate::cli::args::SampleArgs;
use callaudit::audit::CallAudit;
use callaudit::calibration::sheet::{SAMPLE_COLUMNS, TOOL_PREFIX};
use callaudit::calibration::tool_says;
use callaudit::model::Call;
use callaudit::output::AtomicFile;
use callaudit::pipeline::{AuditSink, InputError, RunOptions};
use callaudit::privacy::Masker;
use callaudit::read::input::{Discovered, discover};
use callaudit::rubric::Rubric;
use callaudit::sanitize::{csv_cell, html_text, markdown_text};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

/// Weight factor for a call whose customer was upset.
pub const UPSET_WEIGHT: f64 = 3.0;
/// Weight factor for a call that scored below the pass mark.
pub const FAILED_WEIGHT: f64 = 3.0;

#[derive(Clone, Debug)]
struct Candidate {
    key: f64,
    call_id: String,
    agent: String,
    date: Option<NaiveDate>,
    tool: Vec<bool>,
}

/// A call's uniform draw in (0, 1), from the seed and its id alone.
fn uniform(seed: u64, call_id: &str) -> f64 {
    // The seed is hashed first: xxh3 takes a raw seed almost additively for short inputs, and
    // seeds 1 and 2 would then draw nearly the same calls.
    let seed = xxhash_rust::xxh3::xxh3_64(&seed.to_le_bytes());
    let h = xxhash_rust::xxh3::xxh3_64_with_seed(call_id.as_bytes(), seed);
    ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// The call's weight in the draw: 1, ×3 when the customer was upset, ×3 when it failed.
pub fn weight(audit: &CallAudit, random: bool) -> f64 {
    if random {
        return 1.0;
    }
    let mut w = 1.0;
    if audit.upset == Some(true) {
        w *= UPSET_WEIGHT;
    }
    if !audit.passed {
        w *= FAILED_WEIGHT;
    }
    w
}

struct Sampler<'r> {
    rubric: &'r Rubric,
    /// How many calls each bucket keeps: `--per-agent`, or `--size` without it.
    cap: usize,
    /// Whether calls are kept per agent (`--per-agent`, or neither flag) or in one bucket of
    /// the whole selection (`--size` alone: only its N calls are ever held).
    per_agent: bool,
    random: bool,
    seed: u64,
    /// The calls kept with the largest keys, per agent (or under `""`, all of them).
    by_agent: BTreeMap<String, Vec<Candidate>>,
}

impl AuditSink for Sampler<'_> {
    fn accept(&mut self, _call: &Call, audit: &mut CallAudit) -> anyhow::Result<()> {
        if self.cap == 0 {
            return Ok(());
        }
        let key = uniform(self.seed, &audit.call_id).ln() / weight(audit, self.random);
        let bucket = if self.per_agent {
            audit.agent_id.as_str()
        } else {
            ""
        };
        if !self.by_agent.contains_key(bucket) {
            self.by_agent.insert(bucket.to_string(), Vec::new());
        }
        let kept = self.by_agent.get_mut(bucket).expect("inserted");
        let better = |a: &Candidate| (key, &audit.call_id) > (a.key, &a.call_id);
        if kept.len() >= self.cap {
            // The weakest kept candidate makes room if this one beats it.
            let (weakest, _) = kept
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| a.key.total_cmp(&b.key).then(a.call_id.cmp(&b.call_id)))
                .expect("cap > 0");
            if !better(&kept[weakest]) {
                return Ok(());
            }
            kept.swap_remove(weakest);
        }
        kept.push(Candidate {
            key,
            call_id: audit.call_id.clone(),
            agent: audit.agent_id.clone(),
            date: audit.date,
            tool: (0..self.rubric.items.len())
                .map(|i| tool_says(self.rubric, audit, i))
                .collect(),
        });
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.by_agent.clear();
        Ok(())
    }
}

/// The calls drawn: each bucket's, and with `--size N` the N of them with the largest keys
/// (ties by call id, as a bucket keeps them). With `--per-agent M` too, that is the draw of N
/// calls taken largest key first, passing over an agent's once M of theirs are in: an agent's
/// calls past their M largest keys could never be taken, so the buckets hold every call that
/// could be.
fn drawn(by_agent: BTreeMap<String, Vec<Candidate>>, size: Option<usize>) -> Vec<Candidate> {
    let mut all: Vec<Candidate> = by_agent.into_values().flatten().collect();
    if let Some(n) = size {
        all.sort_by(|a, b| b.key.total_cmp(&a.key).then(b.call_id.cmp(&a.call_id)));
        all.truncate(n);
    }
    all
}

/// Keeps the transcripts of the sampled calls (second pass, `--packet`).
struct Transcripts {
    calls: Vec<Call>,
}

impl AuditSink for Transcripts {
    fn accept(&mut self, call: &Call, _audit: &mut CallAudit) -> anyhow::Result<()> {
        self.calls.push(call.clone());
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.calls.clear();
        Ok(())
    }
}

/// Calls per agent when neither `--per-agent` nor `--size` is given.
const PER_AGENT_DEFAULT: usize = 5;

pub fn run(args: SampleArgs) -> anyhow::Result<ExitCode> {
    // 0 would draw nothing and write a sheet of a header alone for reviewers.
    if args.per_agent == Some(0) {
        anyhow::bail!("--per-agent must be at least 1 (0 draws no call)");
    }
    if args.size == Some(0) {
        anyhow::bail!("--size must be at least 1 (0 draws no call)");
    }
    let rubric = load_rubric(&args.input)?;
    let items = sheet_items(&rubric, &args.items)?;
    let mut filters = super::audit::filters(&args.filter)?;
    let packet_format = packet_format(&args)?;
    let outputs: Vec<(&str, &std::path::Path)> = [("-o", &args.output), ("--packet", &args.packet)]
        .into_iter()
        .filter_map(|(flag, p)| p.as_deref().map(|p| (flag, p)))
        .collect();
    super::common::distinct_outputs(&outputs)?;
    if let Some(packet) = args.packet.as_deref() {
        super::common::stdout_spared(
            args.output.as_deref(),
            "the review sheet",
            &[super::common::SecondOutput {
                flag: "--packet",
                shown: packet,
                path: packet,
                what: "the packet",
                hint: "",
            }],
        )?;
    }
    let discovered = discover(&args.input.inputs).map_err(InputError)?;
    super::common::outputs_spare_inputs(
        &outputs,
        args.output.is_none().then_some("the review sheet"),
        Some(&discovered),
        &super::common::side_files(&args.input),
    )?;
    let mut sheet_file = args.output.as_deref().map(AtomicFile::create).transpose()?;
    let packet_file = args.packet.as_deref().map(AtomicFile::create).transpose()?;
    let enricher = enricher(&args.input)?;
    super::audit::resolve_filter_agents(&mut filters, enricher.as_ref());
    let opts = RunOptions {
        rubric: &rubric,
        read: read_options(&args.input)?,
        format: input_format(&args.input)?,
        threads: threads(&args.input)?,
        detail: false,
        audit: true,
        filters: filters.clone(),
        keep_going: args.input.keep_going,
        enrich: enricher.as_ref(),
        progress: None,
        shard: None,
    };
    let per_agent = match (args.per_agent, args.size) {
        (Some(m), _) => Some(m),
        (None, Some(_)) => None,
        (None, None) => Some(PER_AGENT_DEFAULT),
    };
    let mut sampler = Sampler {
        rubric: &rubric,
        cap: per_agent.or(args.size).unwrap_or(PER_AGENT_DEFAULT),
        per_agent: per_agent.is_some(),
        random: args.random,
        seed: args.seed,
        by_agent: BTreeMap::new(),
    };
    let acct = super::common::run_pipeline(&discovered, &opts, &mut sampler)?;
    super::audit::print_warnings(&acct);
    if !args.quiet {
        if let Some(line) = super::audit::filters_line(&args.filter, &filters) {
            say!("callaudit: {}", callaudit::sanitize::terminal_safe(&line));
        }
        say!("{}", acct.summary());
    }
    if acct.calls_audited == 0 {
        let dates = super::audit::dates_asked(&filters);
        return Err(InputError(format!(
            "no calls matched: nothing to sample{dates} (check the inputs and filters)"
        ))
        .into());
    }
    let picked = picked_in_order(&args, &rubric, drawn(sampler.by_agent, args.size));
    let sheet = sheet_csv(&rubric, &items, &picked, args.blind)?;
    match sheet_file.as_mut() {
        Some(f) => f.write_all(sheet.as_bytes())?,
        None => {
            let mut lock = callaudit::output::stdout();
            lock.write_all(sheet.as_bytes())?;
            lock.flush()?;
        }
    }
    // Both outputs are written whole, then put in place together: a run that fails on one
    // replaces neither.
    let mut ready = Vec::new();
    if let (Some(mut file), Some(format)) = (packet_file, packet_format) {
        let calls = transcripts(&discovered, opts, &picked)?;
        let masker = Masker::new(args.input.redact);
        let text = match format {
            PacketFormat::Html => packet_html(&calls, masker),
            PacketFormat::Markdown => packet_markdown(&calls, masker),
        };
        file.write_all(text.as_bytes())?;
        ready.push(file.prepare()?);
    }
    if let Some(f) = sheet_file {
        ready.push(f.prepare()?);
    }
    callaudit::output::commit_all(ready)?;
    Ok(ExitCode::Ok)
}

/// `--packet`'s format, from its extension.
fn packet_format(args: &SampleArgs) -> anyhow::Result<Option<PacketFormat>> {
    args.packet
        .as_deref()
        .map(|p| {
            match p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
            {
                Some(e) if e == "html" || e == "htm" => Ok(PacketFormat::Html),
                Some(e) if e == "md" || e == "markdown" => Ok(PacketFormat::Markdown),
                // `-` is stdout for the other outputs; the packet has no format flag, so its
                // name must carry one (tester t14's finding 7).
                _ if p == std::path::Path::new("-") => Err(anyhow::anyhow!(
                    "--packet -: the packet is written to a file, whose extension says the format: name one ending in .html or .md (the packet cannot go to stdout)"
                )),
                _ => Err(anyhow::anyhow!(
                    "--packet {}: the extension says the format: use .html or .md",
                    p.display()
                )),
            }
        })
        .transpose()
}

/// The sampled calls, agents in the order people read names (Unicode collation in the
/// rubric's language), then by date and id; said on stderr unless `--quiet`.
fn picked_in_order(
    args: &SampleArgs,
    rubric: &Rubric,
    mut picked: Vec<Candidate>,
) -> Vec<Candidate> {
    let names = callaudit::language::NameOrder::new(rubric.text_rules.language);
    picked.sort_by(|a, b| {
        names
            .compare(&a.agent, &b.agent)
            .then_with(|| (a.date, &a.call_id).cmp(&(b.date, &b.call_id)))
    });
    if !args.quiet {
        let agents: HashSet<&str> = picked.iter().map(|c| c.agent.as_str()).collect();
        // With --size, how the draw went: all N, or fewer and why.
        let mut per_agent: HashMap<&str, usize> = HashMap::new();
        for c in &picked {
            *per_agent.entry(c.agent.as_str()).or_default() += 1;
        }
        // The cap is to blame only where an agent reached it; else the selection was short.
        let capped = |m: usize| per_agent.values().any(|&k| k >= m);
        let size = match (args.size, args.per_agent) {
            (Some(n), _) if picked.len() == n => format!("--size {n}, "),
            (Some(n), Some(m)) if capped(m) => format!(
                "--size {n}: at most {m} of each agent (--per-agent) leaves {} call(s), ",
                picked.len()
            ),
            (Some(n), _) => format!(
                "--size {n}: the selection has only {} call(s), ",
                picked.len()
            ),
            (None, _) => String::new(),
        };
        say!(
            "callaudit: sampled {} call(s) of {} agent(s) ({size}{}, seed {})",
            picked.len(),
            agents.len(),
            if args.random {
                "uniform"
            } else {
                "upset and failed calls weighted ×3 each"
            },
            args.seed
        );
    }
    picked
}

/// Reads the inputs again for the sampled calls' transcripts, in sheet order.
fn transcripts(
    discovered: &Discovered,
    mut opts: RunOptions<'_>,
    picked: &[Candidate],
) -> anyhow::Result<Vec<Call>> {
    opts.filters.only = Some(picked.iter().map(|c| c.call_id.clone()).collect());
    let mut found = Transcripts { calls: Vec::new() };
    super::common::run_pipeline(discovered, &opts, &mut found)?;
    let order: BTreeMap<&str, usize> = picked
        .iter()
        .enumerate()
        .map(|(i, c)| (c.call_id.as_str(), i))
        .collect();
    found
        .calls
        .sort_by_key(|c| order.get(c.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(found.calls)
}

/// The items the sheet has columns for (`--items`, by index in rubric order; every item when
/// none is named): reviewers were asked to judge items the QA standard does not define, and
/// guessed (tester t24 W6). An id the rubric lacks is refused, with the nearest ids.
fn sheet_items(rubric: &Rubric, wanted: &[String]) -> anyhow::Result<Vec<usize>> {
    if wanted.iter().all(|w| w.trim().is_empty()) {
        return Ok((0..rubric.items.len()).collect());
    }
    let mut keep = vec![false; rubric.items.len()];
    for id in wanted.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        match rubric.item_index(id) {
            Some(i) => keep[i] = true,
            None => anyhow::bail!(
                "--items: no item `{id}` in the rubric{} (`callaudit rubric show` lists them)",
                callaudit::suggest::did_you_mean(id, rubric.items.iter().map(|i| &i.id))
            ),
        }
    }
    Ok((0..rubric.items.len()).filter(|&i| keep[i]).collect())
}

fn sheet_csv(
    rubric: &Rubric,
    items: &[usize],
    picked: &[Candidate],
    blind: bool,
) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = SAMPLE_COLUMNS.map(String::from).to_vec();
    header.extend(items.iter().map(|&i| rubric.items[i].id.clone()));
    if !blind {
        header.extend(
            items
                .iter()
                .map(|&i| format!("{TOOL_PREFIX}{}", rubric.items[i].id)),
        );
    }
    w.write_record(&header)?;
    for c in picked {
        let mut row = vec![
            csv_cell(&c.call_id),
            csv_cell(&c.agent),
            c.date.map(|d| d.to_string()).unwrap_or_default(),
        ];
        row.extend(items.iter().map(|_| String::new()));
        if !blind {
            row.extend(items.iter().map(|&i| u8::from(c.tool[i]).to_string()));
        }
        w.write_record(&row)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

#[derive(Clone, Copy)]
enum PacketFormat {
    Html,
    Markdown,
}

fn packet_html(calls: &[Call], masker: Masker) -> String {
    let mut h = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Calls for review</title><style>\
         body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}\
         section{border-top:1px solid #ccc;padding:1rem 0}h2{font-size:1.1rem;margin:0 0 .5rem}\
         .meta{color:#666}ol{padding-left:2.5rem}li{margin:.2rem 0}\
         .agent b{color:#0b5394}.customer b{color:#8a4b00}.other b{color:#555}\
         </style></head><body>\n<h1>Calls for review</h1>\n",
    );
    h.push_str(&format!(
        "<p>{} call(s). Score each item in the review sheet: 1 if it happened in the call, \
         0 if not, blank if you did not judge it.</p>\n",
        calls.len()
    ));
    for c in calls {
        h.push_str(&format!(
            "<section id=\"call-{}\"><h2>Call {}</h2><p class=\"meta\">agent {}{}</p><ol>\n",
            html_text(&c.id),
            html_text(&c.id),
            html_text(c.agent()),
            c.date.map(|d| format!(" · {d}")).unwrap_or_default()
        ));
        for t in &c.turns {
            let who = t.speaker.as_str();
            h.push_str(&format!(
                "<li class=\"{who}\"><b>{who}</b>: {}</li>\n",
                html_text(&masker.mask(c.turn_text(t)))
            ));
        }
        h.push_str("</ol></section>\n");
    }
    h.push_str("</body></html>\n");
    h
}

fn packet_markdown(calls: &[Call], masker: Masker) -> String {
    let mut m = format!(
        "# Calls for review\n\n{} call(s). Score each item in the review sheet: 1 if it happened \
         in the call, 0 if not, blank if you did not judge it.\n",
        calls.len()
    );
    for c in calls {
        m.push_str(&format!(
            "\n## Call {}\n\nagent {}{}\n\n",
            markdown_text(&c.id),
            markdown_text(c.agent()),
            c.date.map(|d| format!(" · {d}")).unwrap_or_default()
        ));
        for (i, t) in c.turns.iter().enumerate() {
            m.push_str(&format!(
                "{}. **{}**: {}\n",
                i + 1,
                t.speaker.as_str(),
                markdown_text(&masker.mask(c.turn_text(t)))
            ));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::uniform;

    /// Every column of a review sheet but the items' and the tool's is a name an item id may
    /// not take (tester t1, F15).
    #[test]
    fn a_sheet_s_fixed_columns_are_reserved_item_ids() {
        let rubric = callaudit::rubric::Rubric::default_rubric();
        for blind in [false, true] {
            let all: Vec<usize> = (0..rubric.items.len()).collect();
            let sheet = super::sheet_csv(&rubric, &all, &[], blind).unwrap();
            let header = sheet.lines().next().unwrap();
            let fixed: Vec<&str> = header
                .split(',')
                .filter(|c| rubric.item_index(c).is_none() && !c.starts_with(super::TOOL_PREFIX))
                .collect();
            assert_eq!(fixed.len(), 3, "{header}");
            for column in fixed {
                assert!(
                    !callaudit::columns::reserved_in(column).is_empty(),
                    "`{column}` is not reserved"
                );
            }
        }
    }

    /// Over many seeds, each of 50 short ids is among the 10 largest draws about 20% of the
    /// time: the draw does not favour ids by their shape.
    #[test]
    fn draws_do_not_favour_ids() {
        let ids: Vec<String> = (0..50).map(|i| format!("c{i:02}")).collect();
        let mut top = vec![0u32; ids.len()];
        let seeds = 2000;
        for seed in 0..seeds {
            let mut keyed: Vec<(f64, usize)> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| (uniform(seed, id), i))
                .collect();
            keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
            for &(_, i) in &keyed[..10] {
                top[i] += 1;
            }
        }
        let expected = seeds as f64 * 0.2;
        // Neighbouring seeds draw unrelated samples: two top-10s of 50 share 2 ids on average.
        let top_of = |seed: u64| {
            let mut keyed: Vec<(f64, usize)> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| (uniform(seed, id), i))
                .collect();
            keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
            keyed[..10].iter().map(|k| k.1).collect::<Vec<_>>()
        };
        let shared: usize = (0..200)
            .map(|s| {
                let (a, b) = (top_of(s), top_of(s + 1));
                a.iter().filter(|i| b.contains(i)).count()
            })
            .sum();
        assert!(
            (300..=500).contains(&shared),
            "{shared} shared ids in 200 pairs"
        );
        for (i, &n) in top.iter().enumerate() {
            assert!(
                (f64::from(n) - expected).abs() < expected * 0.25,
                "{} in the top 10 {n} times of {seeds}, expected about {expected}",
                ids[i]
            );
        }
    }
}
