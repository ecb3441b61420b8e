//! Per-call records (`--calls FILE`): one line per audited call, in the order calls were
//! audited. The format follows the file's extension: `.csv` or `.jsonl`.

pub mod csv;
pub mod evidence;
pub mod jsonl;
pub mod partial;

use crate::audit::{CallAudit, Evidence, Verdict};
use crate::model::Call;
use crate::output::AtomicFile;
use crate::privacy::Masker;
use crate::rubric::{Kind, Rubric};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// `--calls-format`: the format of the per-call records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CallsFormat {
    Csv,
    Jsonl,
}

/// A per-call output.
pub trait CallRecords: Send {
    fn write(&mut self, rubric: &Rubric, call: &Call, audit: &CallAudit) -> anyhow::Result<()>;
    /// Forgets every record written so far (the run starts a second pass): the output starts
    /// again from its header. Nothing forgotten reaches the destination, even a pipe.
    fn restart(&mut self) -> anyhow::Result<()>;
    /// Finishes the file, ready to be put in place with the run's other outputs.
    fn finish(self: Box<Self>) -> anyhow::Result<crate::output::Prepared>;
    /// Whether records need evidence (the audit then collects it).
    fn needs_detail(&self) -> bool;
}

/// Opens the per-call file for `path`, by extension, or by `format` (`--calls-format`) when
/// the name has none (`-`, a pipe, a device). `masker` masks quoted evidence text; `overrides`
/// adds the CSV's `overridden` column (`audit --overrides`). Without either, a device, pipe or
/// `/dev/fd/N` gets the CSV records.
pub fn create(
    path: &Path,
    format: Option<CallsFormat>,
    rubric: &Rubric,
    masker: Masker,
    overrides: bool,
) -> anyhow::Result<Box<dyn CallRecords>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let by_ext = match ext.as_str() {
        "csv" => Some(CallsFormat::Csv),
        "jsonl" | "ndjson" => Some(CallsFormat::Jsonl),
        _ => None,
    };
    let in_place = crate::output::written_in_place(path);
    let chosen = match (by_ext, format) {
        (Some(e), Some(f)) if e != f => anyhow::bail!(
            "--calls {}: the extension says {}, --calls-format says {}",
            path.display(),
            name(e),
            name(f)
        ),
        (Some(e), _) => e,
        (None, Some(f)) => f,
        (None, None) if in_place => CallsFormat::Csv,
        _ => anyhow::bail!(
            "--calls {}: the extension says the format: use .csv or .jsonl (or `-` for stdout, with --calls-format csv or jsonl)",
            path.display()
        ),
    };
    let file = AtomicFile::create_held(path)?;
    Ok(match chosen {
        CallsFormat::Csv => Box::new(csv::CsvRecords::new(file, rubric, overrides)?),
        CallsFormat::Jsonl => Box::new(jsonl::JsonlRecords::new(file, masker)),
    })
}

/// A CSV output that can start again from its header (`CallRecords::restart`): the csv
/// crate's writer gives its file back only by value.
pub struct CsvOutput {
    w: Option<::csv::Writer<AtomicFile>>,
    header: Vec<String>,
    /// What the file holds, for errors: "per-call CSV", "the evidence file".
    what: &'static str,
}

impl CsvOutput {
    pub fn new(file: AtomicFile, header: Vec<String>, what: &'static str) -> anyhow::Result<Self> {
        let mut w = ::csv::Writer::from_writer(file);
        w.write_record(&header)?;
        Ok(CsvOutput {
            w: Some(w),
            header,
            what,
        })
    }

    pub fn write_record<I, T>(&mut self, record: I) -> anyhow::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer().write_record(record)?;
        Ok(())
    }

    fn writer(&mut self) -> &mut ::csv::Writer<AtomicFile> {
        self.w.as_mut().expect("open until finished")
    }

    fn take_file(&mut self) -> anyhow::Result<AtomicFile> {
        let what = self.what;
        self.w
            .take()
            .expect("open until finished")
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {what}: {}", e.error()))
    }

    /// Forgets every row written so far and writes the header again.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let mut file = self.take_file()?;
        file.restart()?;
        let mut w = ::csv::Writer::from_writer(file);
        w.write_record(&self.header)?;
        self.w = Some(w);
        Ok(())
    }

    /// Finishes the file, ready to be put in place (`Prepared::commit`).
    pub fn finish(mut self) -> anyhow::Result<crate::output::Prepared> {
        Ok(self.take_file()?.prepare()?)
    }
}

fn name(f: CallsFormat) -> &'static str {
    match f {
        CallsFormat::Csv => "csv",
        CallsFormat::Jsonl => "jsonl",
    }
}

/// The per-call value of an item's column: the match count for expected and violation items,
/// for signals 1/0; empty when the item did not apply to the call (mirroring in a calm call,
/// calmed in a calm call, interruption without timings). A 0 there read as "the agent did not
/// mirror" or "did not interrupt" where the call was not scored on it; `explain` and the
/// JSONL records give what was said all the same.
pub fn item_cell(kind: Kind, count: u32, verdict: Verdict) -> String {
    match (kind, verdict) {
        (_, Verdict::NotApplicable) => String::new(),
        (Kind::Signal, v) => u8::from(v.occurred()).to_string(),
        _ => count.to_string(),
    }
}

/// The score as written per call: two decimals, so sums of per-call scores reproduce the
/// report's means.
pub fn score_text(audit: &CallAudit) -> String {
    format!("{:.2}", audit.score())
}

/// The turns of one call as they are quoted: masked whole, once each, so that a card number is
/// found wherever a quote or an excerpt then cuts it, and a long turn with many matches is
/// masked once rather than once per match.
pub struct MaskedTurns<'c> {
    call: &'c Call,
    masker: Masker,
    turns: HashMap<u32, Cow<'c, str>>,
}

impl<'c> MaskedTurns<'c> {
    pub fn new(call: &'c Call, masker: Masker) -> MaskedTurns<'c> {
        MaskedTurns {
            call,
            masker,
            turns: HashMap::new(),
        }
    }

    /// Turn `turn`'s text, masked (empty when the call has no such turn). Masking keeps byte
    /// offsets, so ranges into the turn's text fit the masked text too.
    pub fn turn(&mut self, turn: u32) -> &str {
        let (call, masker) = (self.call, self.masker);
        self.turns.entry(turn).or_insert_with(|| {
            call.turns
                .get(turn as usize)
                .map_or(Cow::Borrowed(""), |t| masker.mask(call.turn_text(t)))
        })
    }

    /// An evidence's quoted text, masked as part of its turn. Quotes that are not the turn's
    /// own words (a silence's measurement) are masked on their own.
    pub fn quote(&mut self, e: &Evidence) -> String {
        let (start, end) = (e.start as usize, e.end as usize);
        let own_words = self
            .call
            .turns
            .get(e.turn as usize)
            .and_then(|t| self.call.turn_text(t).get(start..end))
            .is_some_and(|words| words == e.text);
        if own_words && let Some(masked) = self.turn(e.turn).get(start..end) {
            return masked.to_string();
        }
        self.masker.mask(&e.text).into_owned()
    }
}

/// Characters of the turn quoted on either side of a match in the evidence file.
pub const CONTEXT_CHARS: usize = 200;

/// A quote longer than this many characters is cut to its beginning and end.
pub const QUOTE_CHARS: usize = 400;

/// `text` when it has at most `QUOTE_CHARS` characters, else its first and last
/// `QUOTE_CHARS / 2` joined by ` … `.
pub fn shorten(text: &str) -> Cow<'_, str> {
    shorten_to(text, QUOTE_CHARS)
}

/// `text` when it has at most `max` characters, else its first and last `max / 2` joined by
/// ` … `.
pub fn shorten_to(text: &str, max: usize) -> Cow<'_, str> {
    if text.char_indices().nth(max).is_none() {
        return text.into();
    }
    let half = (max / 2).max(1);
    let head = text.char_indices().nth(half).map_or(text.len(), |(i, _)| i);
    let tail = text
        .char_indices()
        .rev()
        .nth(half - 1)
        .map_or(0, |(i, _)| i);
    format!("{} … {}", &text[..head], &text[tail.max(head)..]).into()
}

/// The context of a match at bytes `start..end` of `text`: the whole text when it has at most
/// `CONTEXT_CHARS` characters on either side of the match, else up to that many, cut after or
/// before a space where there is one, with `…` where text was left out. The match itself is
/// `shorten`ed. Each quote is then bounded whatever the length of the turn.
pub fn excerpt(text: &str, start: usize, end: usize) -> String {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(start);
    let end = floor(end).max(start);
    let mut from = text[..start]
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(i, _)| i);
    if from > 0
        && let Some((i, c)) = text[from..start]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
    {
        from += i + c.len_utf8();
    }
    let mut to = text[end..]
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(text.len(), |(i, _)| end + i);
    if to < text.len()
        && let Some(i) = text[end..to].rfind(char::is_whitespace)
    {
        to = end + i;
    }
    let mut out = String::with_capacity(to - from + 8);
    if from > 0 {
        out.push('…');
    }
    out.push_str(&text[from..start]);
    out.push_str(&shorten(&text[start..end]));
    out.push_str(&text[end..to]);
    if to < text.len() {
        out.push('…');
    }
    out
}

/// A turn of the HTML report's call list without a counted match is shown whole up to this
/// many characters; a longer one shows its first `TURN_HEAD_CHARS`, then `…`.
pub const TURN_SHOWN_CHARS: usize = 600;
pub const TURN_HEAD_CHARS: usize = 400;
/// A turn with counted matches is shown whole up to this many characters; a longer one shows
/// `CONTEXT_CHARS` on either side of each match (a match longer than `QUOTE_CHARS`, its
/// beginning and end), `…` between.
pub const MATCHED_TURN_CHARS: usize = 2_000;
/// Characters of one transcript the call list shows at most, each turn counting
/// `TURN_COST` more for its line: past it, turns are left out (the turns without a match
/// first, those next to a match last), so that a page of 100 transcripts stays a few MB.
pub const TRANSCRIPT_SHOWN_CHARS: usize = 20_000;
pub const TURN_COST: usize = 40;

/// The byte index `chars` characters into `text` (its length when it is shorter).
fn char_index(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// One range, as `shown_ranges` gives the parts of a turn.
fn whole(range: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
    std::iter::once(range).collect()
}

/// The parts of a turn the HTML call list shows, as byte ranges in order (the text between
/// and around them is left out): the whole turn when it is short, else its beginning (no
/// match) or the words around each match (`marks`: byte ranges of its counted matches). A
/// range starts and ends at a space where there is one near.
pub fn shown_ranges(text: &str, marks: &[(usize, usize)]) -> Vec<std::ops::Range<usize>> {
    let chars = text.chars().count();
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let marks: Vec<(usize, usize)> = marks
        .iter()
        .map(|&(s, e)| (floor(s), floor(e)))
        .filter(|(s, e)| s < e)
        .collect();
    if marks.is_empty() {
        if chars <= TURN_SHOWN_CHARS {
            return whole(0..text.len());
        }
        let mut end = char_index(text, TURN_HEAD_CHARS);
        if let Some(i) = text[..end].rfind(char::is_whitespace)
            && i > end / 2
        {
            end = i;
        }
        return whole(0..end);
    }
    if chars <= MATCHED_TURN_CHARS {
        return whole(0..text.len());
    }
    // Each match, or a long match's beginning and end, with its context.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (s, e) in marks {
        if text[s..e].chars().nth(QUOTE_CHARS).is_none() {
            spans.push((s, e));
        } else {
            let half = QUOTE_CHARS / 2;
            spans.push((s, s + char_index(&text[s..e], half)));
            let tail = text[s..e]
                .char_indices()
                .rev()
                .nth(half - 1)
                .map_or(s, |(i, _)| s + i);
            spans.push((tail, e));
        }
    }
    let mut ranges: Vec<std::ops::Range<usize>> = spans
        .into_iter()
        .map(|(s, e)| {
            let mut from = text[..s]
                .char_indices()
                .rev()
                .nth(CONTEXT_CHARS - 1)
                .map_or(0, |(i, _)| i);
            if from > 0
                && let Some((i, c)) = text[from..s]
                    .char_indices()
                    .find(|(_, c)| c.is_whitespace())
            {
                from += i + c.len_utf8();
            }
            let mut to = e + char_index(&text[e..], CONTEXT_CHARS);
            if to < text.len()
                && let Some(i) = text[e..to].rfind(char::is_whitespace)
            {
                to = e + i;
            }
            from..to
        })
        .collect();
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut joined: Vec<std::ops::Range<usize>> = Vec::new();
    for r in ranges {
        match joined.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => joined.push(r),
        }
    }
    joined
}

/// Which turns of a transcript the call list shows, from each turn's characters shown (its
/// `shown_ranges`) and whether it has a counted match: every turn when they fit in
/// `TRANSCRIPT_SHOWN_CHARS`, else, while they fit, the turns with a match, then those next to
/// one, then the others, each group in the transcript's order.
pub fn shown_turns(turns: &[(usize, bool)]) -> Vec<bool> {
    let cost = |chars: usize| chars + TURN_COST;
    let total: usize = turns.iter().map(|&(c, _)| cost(c)).sum();
    if total <= TRANSCRIPT_SHOWN_CHARS {
        return vec![true; turns.len()];
    }
    let matched = |i: usize| turns.get(i).is_some_and(|&(_, m)| m);
    let next_to_match = |i: usize| (i > 0 && matched(i - 1)) || matched(i + 1);
    let mut shown = vec![false; turns.len()];
    let mut room = TRANSCRIPT_SHOWN_CHARS;
    for pass in 0..3 {
        for (i, &(chars, m)) in turns.iter().enumerate() {
            let in_pass = match pass {
                0 => m,
                1 => !m && next_to_match(i),
                _ => !m && !next_to_match(i),
            };
            if in_pass && cost(chars) <= room {
                shown[i] = true;
                room -= cost(chars);
            }
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_turns_are_quoted_whole() {
        let t = "I'm so sorry about the double charge, let me fix that.";
        assert_eq!(excerpt(t, 7, 12), t);
        assert_eq!(excerpt("", 0, 0), "");
        let exactly = format!(
            "{}sorry{}",
            "a".repeat(CONTEXT_CHARS),
            "b".repeat(CONTEXT_CHARS)
        );
        assert_eq!(excerpt(&exactly, CONTEXT_CHARS, CONTEXT_CHARS + 5), exactly);
    }

    #[test]
    fn long_turns_are_cut_around_the_match_at_spaces() {
        let words = "word ".repeat(1000);
        let text = format!("{words}I am sorry {words}");
        let at = words.len() + 5;
        let e = excerpt(&text, at, at + 5);
        assert!(e.starts_with("…word ") && e.ends_with(" word…"), "{e}");
        assert!(e.contains(" I am sorry word "), "{e}");
        let chars = e.chars().count();
        assert!(chars <= 2 * CONTEXT_CHARS + 5 + 2, "{chars}");
        assert!(chars >= 2 * CONTEXT_CHARS - 10, "{chars}");
        // Cut at the start or the end only.
        assert!(excerpt(&text, 0, 4).starts_with("word word"));
        assert!(!excerpt(&text, 0, 4).starts_with('…'));
        assert!(excerpt(&text, text.len() - 4, text.len()).ends_with("word "));
    }

    #[test]
    fn multibyte_text_is_cut_on_characters() {
        let text = "é".repeat(1000) + "sorry" + &"ü".repeat(1000);
        let at = "é".len() * 1000;
        let e = excerpt(&text, at, at + 5);
        assert_eq!(e.chars().count(), 2 * CONTEXT_CHARS + 5 + 2);
        // Offsets inside a character are moved back to its start.
        assert!(excerpt(&text, 1, 3).starts_with("é"));
    }

    #[test]
    fn long_quotes_keep_their_beginning_and_end() {
        let text = format!("START {} END", "x".repeat(10_000));
        let short = shorten(&text);
        assert!(
            short.starts_with("START x") && short.ends_with("x END"),
            "{short}"
        );
        assert_eq!(short.chars().count(), QUOTE_CHARS + 3);
        let e = excerpt(&text, 0, text.len());
        assert_eq!(e, short);
        assert!(matches!(shorten("short"), Cow::Borrowed("short")));
    }

    #[test]
    fn long_turns_are_shown_in_part_and_short_ones_whole() {
        let short = "I'm so sorry about that.";
        assert_eq!(shown_ranges(short, &[]), whole(0..short.len()));
        assert_eq!(shown_ranges(short, &[(4, 9)]), whole(0..short.len()));
        // No match: the beginning, cut at a space.
        let words = "word ".repeat(1000);
        let r = shown_ranges(&words, &[]);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].start, 0);
        assert!(r[0].end <= 400 && r[0].end > 390, "{r:?}");
        assert!(words[..r[0].end].ends_with("word"));
        // Matches: the words around each, joined where they meet.
        let text = format!("{words}sorry {words}sorry sorry {words}");
        let at: Vec<usize> = text.match_indices("sorry").map(|(i, _)| i).collect();
        let marks: Vec<(usize, usize)> = at.iter().map(|&i| (i, i + 5)).collect();
        let r = shown_ranges(&text, &marks);
        assert_eq!(r.len(), 2, "{r:?}");
        for (range, &i) in r.iter().zip([at[0], at[1]].iter()) {
            assert!(range.start < i && range.end > i + 5);
            assert!(range.len() <= 2 * CONTEXT_CHARS + 20, "{range:?}");
        }
        assert!(r[1].end > at[2] + 5);
        // A match longer than a quote: its beginning and end.
        let long = "a".repeat(5000);
        let r = shown_ranges(&long, &[(100, 4900)]);
        assert_eq!(r.len(), 2, "{r:?}");
        // Multi-byte text is cut at characters.
        let cjk = "李".repeat(3000);
        for r in shown_ranges(&cjk, &[(3000, 3003)])
            .iter()
            .chain(&shown_ranges(&cjk, &[]))
        {
            assert!(cjk.is_char_boundary(r.start) && cjk.is_char_boundary(r.end));
        }
    }

    #[test]
    fn a_long_transcript_keeps_its_matched_turns_first() {
        assert_eq!(shown_turns(&[(10, false), (10, true)]), vec![true, true]);
        // 100 turns of 400 characters: 44,000 with their lines, past the 20,000.
        let mut turns = vec![(400, false); 100];
        turns[50].1 = true;
        turns[90].1 = true;
        let shown = shown_turns(&turns);
        assert!(shown[50] && shown[90] && shown[49] && shown[51] && shown[89] && shown[91]);
        assert!(shown[0] && !shown[99]);
        let kept: usize = shown.iter().filter(|&&s| s).map(|_| 440).sum();
        assert!(kept <= TRANSCRIPT_SHOWN_CHARS, "{kept}");
        assert_eq!(shown.iter().filter(|&&s| s).count(), 45);
    }
}
