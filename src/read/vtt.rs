//! WebVTT captions, one call per file:
//!
//! ```text
//! WEBVTT
//!
//! 1
//! 00:00:01.000 --> 00:00:04.200
//! <v Ann>Thanks for calling, this is Ann.</v>
//! ```
//!
//! Each cue is a turn (a cue with several voices is one turn per voice); its start and
//! end are the cue timings. The speaker is the `<v Name>` voice, or a `Name:` prefix where
//! the captions have no voice tags (as some meeting tools write them); roles follow the rules
//! of `text::NamedSpeakers` (with `--agent-names`, or else the first voice is taken as the
//! agent, with a warning). A cue without a speaker is `other`. Other tags are dropped and
//! character references decoded. `NOTE`, `STYLE` and `REGION` blocks are skipped (but a block
//! whose second line is a timing line is a cue, its first line the cue's identifier, as in the
//! spec's parser: `NOTE …` straight above a timing line does not hide the cue). The call id
//! is the file name; a `YYYY-MM-DD` in the file name is the date. Captions are of a
//! recording, so the call's channel is voice (the rubric's `unless_on_voice` reads it).

use super::text::{NamedSpeakers, stamp_ms};
use super::{At, CallSink, ReadContext, ReadError, ReadErrorKind, Reader, date_in_file_name};
use crate::accounting::SkipReason;
use crate::model::{Call, Channel, Speaker};
use crate::read::{Count, Line, Lines};
use regex::Regex;
use std::io::BufRead;
use std::sync::LazyLock;

pub struct VttReader;

/// The first line of a WebVTT file: `WEBVTT`, alone or followed by a blank and a title.
pub fn is_header(line: &str) -> bool {
    let line = line.trim_start_matches('\u{feff}').trim_end();
    line == "WEBVTT" || line.starts_with("WEBVTT ") || line.starts_with("WEBVTT\t")
}

/// `<v Name>` or `<v.class Name>`, anywhere in a line.
static VOICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?>").expect("valid regex")
});

/// A line cut at its voice tags: the text before the first one (`None` when the line has
/// none), then each voice's name and text, up to the next voice tag. The spec lets a voice
/// span sit in class, italic, bold, underline, ruby and language spans and after a timestamp
/// tag (`<c.loud><v Agent>…`), and a line may hold several voices (`<v Ann>Hi</v> <v Bob>Hello`).
fn voices_of(line: &str) -> (&str, Vec<(Option<String>, &str)>) {
    let mut voices = Vec::new();
    let mut before = line;
    let mut last: Option<(Option<String>, usize)> = None;
    for c in VOICE.captures_iter(line) {
        let whole = c.get(0).expect("whole match");
        match last.take() {
            Some((name, from)) => voices.push((name, &line[from..whole.start()])),
            None => before = &line[..whole.start()],
        }
        let name = c.name("name").map(|n| n.as_str().trim().to_string());
        last = Some((name, whole.end()));
    }
    if let Some((name, from)) = last {
        voices.push((name, &line[from..]));
    }
    (before, voices)
}

/// `Name: text` where the captions have no voice tags.
static NAME_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?P<name>[^\W\d_][\w .'\-]{0,39}?)\s*:\s(?P<text>.*)$").expect("valid regex")
});

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));

/// Cue text without tags, with character references decoded.
fn plain(text: &str) -> String {
    let untagged = TAG.replace_all(text, "");
    if !untagged.contains('&') {
        return untagged.into_owned();
    }
    let mut out = String::with_capacity(untagged.len());
    let mut rest = untagged.as_ref();
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "lsquo" => Some('\u{2018}'),
                "rsquo" => Some('\u{2019}'),
                "ldquo" => Some('\u{201c}'),
                "rdquo" => Some('\u{201d}'),
                "ndash" => Some('\u{2013}'),
                "mdash" => Some('\u{2014}'),
                "hellip" => Some('\u{2026}'),
                "lrm" | "rlm" => None,
                _ => {
                    let code = entity
                        .strip_prefix("#x")
                        .or_else(|| entity.strip_prefix("#X"))
                        .map(|h| u32::from_str_radix(h, 16))
                        .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))?
                        .ok()?;
                    return char::from_u32(code).map(|c| (Some(c), end));
                }
            };
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.extend(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `00:01:02.500 --> 00:01:04.000 align:start` → (62500, 64000).
fn timing(line: &str) -> Option<(u64, u64)> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next()?;
    Some((stamp_ms(start.trim())?, stamp_ms(end)?))
}

/// One speaker's part of a cue.
struct Part {
    name: Option<String>,
    text: String,
}

/// Splits a cue's payload into the parts of each voice. Text outside any voice (a line
/// without a voice tag, or before a line's first one) continues the part before it.
fn parts(payload: &[String]) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for line in payload {
        let (before, voices) = voices_of(line);
        let before = plain(before);
        // Only tags before the first voice (`<c.loud><v Agent>`) leave nothing to continue.
        if voices.is_empty() || !before.trim().is_empty() {
            match out.last_mut() {
                Some(p) => {
                    p.text.push('\n');
                    p.text.push_str(&before);
                }
                None => out.push(Part {
                    name: None,
                    text: before,
                }),
            }
        }
        for (name, text) in voices {
            out.push(Part {
                name,
                text: plain(text),
            });
        }
    }
    for p in &mut out {
        if p.name.is_none()
            && let Some(c) = NAME_PREFIX.captures(&p.text)
        {
            let (name, text) = (c["name"].to_string(), c["text"].to_string());
            p.name = Some(name);
            p.text = text;
        }
    }
    out
}

/// The block being collected: its first line number and lines.
struct Block {
    line: u64,
    lines: Vec<String>,
    /// Its lines were dropped: the call outgrew --max-call-bytes.
    dropped: bool,
    /// The header block (after `WEBVTT`).
    header: bool,
}

impl Block {
    /// Whether a line holding `-->` belongs to this block as its timing: only as its first
    /// line, or as its second after a cue identifier. Anywhere else it starts a new block, as
    /// the spec's parser ("collect a WebVTT block") reads it: cues need no blank line between
    /// them, nor the header after it.
    fn takes_timing(&self) -> bool {
        !self.header && !self.dropped && self.lines.len() == 1 && !self.lines[0].contains("-->")
    }

    /// A `NOTE`, `STYLE` or `REGION` block, skipped. Not when its second line is a timing
    /// line: the spec's parser takes a `-->` line as a cue's timing whenever it is the second
    /// line of a block, so the block is a cue and its first line (`NOTE exported by …`) the
    /// cue's identifier, whatever it says.
    fn is_comment(&self) -> bool {
        let first = self.lines[0].trim_start();
        ["NOTE", "STYLE", "REGION"].iter().any(|k| {
            first == *k
                || first.starts_with(&format!("{k} "))
                || first.starts_with(&format!("{k}\t"))
        }) && self.lines.get(1).is_none_or(|l| !l.contains("-->"))
    }
}

impl VttReader {
    fn cue(
        block: Block,
        call: &mut Call,
        names: &mut NamedSpeakers<'_>,
        voiced: &mut bool,
        ctx: &mut ReadContext<'_>,
    ) -> Result<(), ReadError> {
        if block.dropped || call.too_large {
            // Counted as skipped when the call outgrew --max-call-bytes.
            ctx.acct.rows_read += 1;
            ctx.skip_row_of_large_call(call);
            return Ok(());
        }
        if block.header || block.is_comment() {
            return Ok(());
        }
        // The timing is the first line, or the second after a cue identifier.
        let Some(t) = block.lines.iter().take(2).position(|l| l.contains("-->")) else {
            ctx.acct.rows_read += 1;
            return ctx.skip(
                SkipReason::MalformedRow,
                block.line,
                "not a cue: expected a timing line like `00:00:01.000 --> 00:00:04.000`",
            );
        };
        let line = block.line + t as u64;
        let Some((start, end)) = timing(&block.lines[t]) else {
            ctx.acct.rows_read += 1;
            return ctx.skip(
                SkipReason::MalformedRow,
                line,
                &format!(
                    "cue timing `{}`: expected `hh:mm:ss.mmm --> hh:mm:ss.mmm`",
                    block.lines[t].trim()
                ),
            );
        };
        let payload = &block.lines[t + 1..];
        let cue_parts = parts(payload);
        if cue_parts.is_empty() {
            ctx.acct.rows_read += 1;
            return ctx.skip(SkipReason::MissingText, line, "cue without text");
        }
        for part in cue_parts {
            ctx.acct.rows_read += 1;
            if part.text.trim().is_empty() {
                ctx.skip(SkipReason::MissingText, line, "cue without text")?;
                continue;
            }
            let speaker = match part.name.as_deref().filter(|n| !n.is_empty()) {
                Some(name) => {
                    *voiced = true;
                    names.speaker(name).unwrap_or(Speaker::Other)
                }
                None => Speaker::Other,
            };
            let Some(turn) = ctx.push_turn(call, speaker, part.text.trim(), line)? else {
                continue;
            };
            turn.start_ms = Some(start);
            turn.end_ms = Some(end.max(start));
            if speaker == Speaker::Other {
                ctx.acct.rows_other_speaker += 1;
            }
        }
        Ok(())
    }
    /// Adds a line to the cue being read, unless the cue would take the call over
    /// --max-call-bytes (then the cue is dropped and the call marked too large).
    fn add_line(
        b: &mut Block,
        line: &str,
        line_no: u64,
        block_bytes: &mut u64,
        call: &mut Call,
        ctx: &mut ReadContext<'_>,
    ) -> Result<(), ReadError> {
        // A cue over many lines may not outgrow --max-call-bytes either.
        *block_bytes += line.len() as u64 + 1;
        if !b.dropped && call.bytes() + *block_bytes > ctx.options.max_call_bytes {
            b.dropped = true;
            b.lines = Vec::new();
            if !call.too_large {
                ctx.call_too_large(call, line_no, 0)?;
            }
        }
        if !b.dropped {
            b.lines.push(line.to_string());
        }
        Ok(())
    }

    /// Fails a file whose cues name no speaker; warns when the agent was guessed.
    fn check_voices(
        call: &Call,
        voiced: bool,
        names: &NamedSpeakers<'_>,
        ctx: &mut ReadContext<'_>,
    ) -> Result<(), ReadError> {
        if !call.turns.is_empty() && !voiced {
            return Err(ctx.error(
                At::File,
                ReadErrorKind::Shape,
                "no cue names its speaker; expected voice tags like `<v Ann>` (or `Ann: ` \
                 prefixes) to tell the agent from the customer",
            ));
        }
        if let Some(g) = names.guessed() {
            ctx.acct.warn(format!(
                "{}: took `{g}` (the first voice) as the agent and every other voice as the \
                 customer; name the agents with --agent-names",
                ctx.name
            ));
        }
        Ok(())
    }
}

impl Reader for VttReader {
    fn read(
        &self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let mut call = ctx.new_call_named_by_file();
        call.date = date_in_file_name(ctx.name);
        // Captions are of a recording: the call was spoken.
        call.channel = Channel::Voice;
        let agent_names = ctx.options.agent_names.clone();
        let mut names = NamedSpeakers::new(&agent_names, true);
        let mut voiced = false;
        let mut header_seen = false;
        let mut block: Option<Block> = None;
        // The spec's line ends: CR, LF or CRLF.
        let mut lines = Lines::cr_too();
        let mut block_bytes = 0u64;
        while let Some(next) = lines.next_or_too_long(input, ctx, Count::Never)? {
            let (line_no, raw) = match next {
                Line::Text(line_no, raw) => (line_no, raw),
                // A line over the limit (a cue's text, most likely) makes the call too large;
                // its block is one row of it.
                Line::TooLong(line_no, _) => {
                    if header_seen {
                        if !call.too_large {
                            ctx.call_too_large(&mut call, line_no, 0)?;
                        }
                        let b = block.get_or_insert_with(|| Block {
                            line: line_no,
                            lines: Vec::new(),
                            dropped: true,
                            header: false,
                        });
                        b.dropped = true;
                        b.lines = Vec::new();
                    }
                    continue;
                }
            };
            let line = raw.as_ref();
            if !header_seen {
                // Line 1, unless it was too long to be read.
                if line_no != 1 || !is_header(line) {
                    return Err(ctx.error(
                        At::Line(1),
                        ReadErrorKind::Shape,
                        "not WebVTT: expected the first line to be `WEBVTT`",
                    ));
                }
                header_seen = true;
                // The header block (title, metadata headers) runs to the first blank line.
                block = Some(Block {
                    line: 1,
                    lines: vec!["NOTE".into()],
                    dropped: false,
                    header: true,
                });
                continue;
            }
            if line.trim().is_empty() {
                if let Some(b) = block.take() {
                    Self::cue(b, &mut call, &mut names, &mut voiced, ctx)?;
                }
                block_bytes = 0;
                continue;
            }
            if line.contains("-->")
                && let Some(b) = block.take_if(|b| !b.takes_timing())
            {
                Self::cue(b, &mut call, &mut names, &mut voiced, ctx)?;
                block_bytes = 0;
            }
            let b = block.get_or_insert_with(|| Block {
                line: line_no,
                lines: Vec::new(),
                dropped: false,
                header: false,
            });
            Self::add_line(b, line, line_no, &mut block_bytes, &mut call, ctx)?;
        }
        if !header_seen && lines.number() > 0 {
            // The first line was too long to be read.
            return Err(ctx.error(
                At::Line(1),
                ReadErrorKind::Shape,
                "not WebVTT: expected the first line to be `WEBVTT`",
            ));
        }
        if let Some(b) = block.take() {
            Self::cue(b, &mut call, &mut names, &mut voiced, ctx)?;
        }
        Self::check_voices(&call, voiced, &names, ctx)?;
        call.agent_id = names.agent_id.take();
        ctx.deliver(call, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::read::ReadOptions;
    use crate::read::read_for_test;

    fn read(data: &str, agent_names: &[&str]) -> (Result<Vec<Call>, ReadError>, Accounting) {
        let options = ReadOptions {
            agent_names: agent_names.iter().map(|s| s.to_string()).collect(),
            ..ReadOptions::default()
        };
        read_for_test(&VttReader, "meet.vtt", data.as_bytes(), &options)
    }

    const CALL: &str = "WEBVTT - support call\nKind: captions\n\nNOTE exported by the recorder\n\n1\n00:00:01.000 --> 00:00:04.200 align:start\n<v Ann>Thanks for calling, this is Ann.</v>\n\n2\n00:05.000 --> 00:07.500\n<v.loud Bob Jones>It&#39;s <i>still</i> broken &amp; I&apos;m angry.\nTwice now.\n\n00:00:08.000 --> 00:00:09.000\n<v Ann>I&rsquo;m sorry.\n<v Bob Jones>Fine.\n";

    #[test]
    fn voices_timings_tags_and_entities() {
        let (calls, acct) = read(CALL, &["ann"]);
        let c = &calls.unwrap()[0];
        assert_eq!(c.id, "meet");
        assert_eq!(c.agent(), "Ann");
        let got: Vec<_> = c
            .turns
            .iter()
            .map(|t| (t.speaker, c.turn_text(t), t.start_ms, t.end_ms, t.line))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Speaker::Agent,
                    "Thanks for calling, this is Ann.",
                    Some(1000),
                    Some(4200),
                    7
                ),
                (
                    Speaker::Customer,
                    "It's still broken & I'm angry.\nTwice now.",
                    Some(5000),
                    Some(7500),
                    11
                ),
                (
                    Speaker::Agent,
                    "I\u{2019}m sorry.",
                    Some(8000),
                    Some(9000),
                    15
                ),
                (Speaker::Customer, "Fine.", Some(8000), Some(9000), 15),
            ]
        );
        assert_eq!(acct.rows_read, 4);
        assert!(acct.warnings.is_empty(), "{:?}", acct.warnings);
    }

    #[test]
    fn without_agent_names_the_first_voice_is_the_agent_and_it_is_reported() {
        let (calls, acct) = read(CALL, &[]);
        let c = &calls.unwrap()[0];
        assert_eq!(c.turns[0].speaker, Speaker::Agent);
        assert_eq!(c.turns[1].speaker, Speaker::Customer);
        assert_eq!(c.agent(), "Ann");
        assert!(acct.warnings[0].contains("took `Ann` (the first voice) as the agent"));
    }

    #[test]
    fn role_voices_and_name_prefixes() {
        let (calls, acct) = read(
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Customer>Hello?\n\n00:03.000 --> 00:04.000\n<v Agent>Hi!\n\n00:05.000 --> 00:06.000\nIVR: Goodbye.\n\n00:07.000 --> 00:08.000\nmusic\n",
            &[],
        );
        let c = &calls.unwrap()[0];
        let speakers: Vec<_> = c.turns.iter().map(|t| t.speaker).collect();
        assert_eq!(
            speakers,
            [
                Speaker::Customer,
                Speaker::Agent,
                Speaker::Other,
                Speaker::Other
            ]
        );
        assert_eq!(c.agent_id, None);
        assert_eq!(acct.rows_other_speaker, 2);
        assert!(acct.warnings.is_empty(), "{:?}", acct.warnings);
    }

    #[test]
    fn bad_cues_are_counted_and_bad_files_rejected() {
        let (calls, acct) = read(
            "WEBVTT\n\n00:01.000 --> soon\n<v Agent>x\n\n00:02.000 --> 00:03.000\n<v Agent>ok\n\n00:04.000 --> 00:05.000\n<v Customer>\n",
            &[],
        );
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert_eq!((acct.rows_read, acct.rows_skipped_total()), (3, 2));
        assert!(
            acct.warnings[0].starts_with("meet.vtt:3: cue timing `00:01.000 --> soon`"),
            "{:?}",
            acct.warnings
        );
        let (r, _) = read("Agent: hi\n", &[]);
        let e = r.unwrap_err();
        assert_eq!((e.kind, &e.at), (ReadErrorKind::Shape, &At::Line(1)));
        assert!(e.message.contains("expected the first line to be `WEBVTT`"));
        let (r, _) = read("WEBVTT\n\n00:01.000 --> 00:02.000\nhello\n", &[]);
        let e = r.unwrap_err();
        assert_eq!((e.kind, &e.at), (ReadErrorKind::Shape, &At::File));
        assert!(e.message.contains("no cue names its speaker"));
    }

    /// The spec lets a voice span sit inside class, italic, bold, underline, ruby and language
    /// spans (and after timestamps): `<c.loud><v Agent>…</v></c>` is the agent speaking.
    #[test]
    fn a_voice_inside_other_spans_is_the_speaker() {
        let (calls, acct) = read(
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<c.loud><v Agent>I hear you.</v></c>\n\n00:03.000 --> 00:04.000\n <i> <lang en><00:00:03.500><v.x Customer>Still broken.</v></lang></i>\n\n00:05.000 --> 00:06.000\n<c>Agent</c>: fine\n",
            &[],
        );
        let c = &calls.unwrap()[0];
        let got: Vec<_> = c
            .turns
            .iter()
            .map(|t| (t.speaker, c.turn_text(t)))
            .collect();
        assert_eq!(
            got,
            [
                (Speaker::Agent, "I hear you."),
                (Speaker::Customer, "Still broken."),
                (Speaker::Agent, "fine"),
            ]
        );
        assert_eq!(acct.rows_other_speaker, 0);
    }

    /// Two voices on one line are two turns, and text before a line's first voice tag
    /// continues the turn before it; it used to be given to the first voice.
    #[test]
    fn every_voice_on_a_line_is_its_own_turn() {
        let (calls, acct) = read(
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Agent>Anything else?</v> <v Customer>No, that's all.\n\n00:03.000 --> 00:04.000\n<v Customer>It broke\nagain <v Agent>I'm sorry.</v><v Customer>\n",
            &[],
        );
        let c = &calls.unwrap()[0];
        let got: Vec<_> = c
            .turns
            .iter()
            .map(|t| (t.speaker, c.turn_text(t), t.start_ms))
            .collect();
        assert_eq!(
            got,
            [
                (Speaker::Agent, "Anything else?", Some(1000)),
                (Speaker::Customer, "No, that's all.", Some(1000)),
                (Speaker::Customer, "It broke\nagain", Some(3000)),
                (Speaker::Agent, "I'm sorry.", Some(3000)),
            ]
        );
        // The empty last voice is a part without text, counted as skipped.
        assert_eq!((acct.rows_read, acct.rows_skipped_total()), (5, 1));
    }

    /// The spec's parser takes a timing line as the second line of a block whatever the first
    /// says: `NOTE …` right above it is the cue's identifier, and the cue is read. A comment
    /// ends at a blank line, or at a timing line later than its second line.
    #[test]
    fn a_note_line_right_above_a_timing_line_is_the_cue_identifier() {
        let cue = "00:00:01.000 --> 00:00:02.000\n<v Agent>Sorry for the wait.\n\n00:00:03.000 --> 00:00:04.000\n<v Customer>Fine.\n";
        for head in [
            "NOTE exported by recorder v2\n",
            "NOTE\n",
            "STYLE\n",
            "REGION\n",
            "NOTE one\nNOTE two\n",
            "NOTE one\n\n",
        ] {
            let (calls, acct) = read(&format!("WEBVTT\n\n{head}{cue}"), &[]);
            let c = &calls.unwrap()[0];
            let got: Vec<_> = c.turns.iter().map(|t| (c.turn_text(t), t.line)).collect();
            let first = 3 + head.matches('\n').count() as u64;
            assert_eq!(
                got,
                [("Sorry for the wait.", first), ("Fine.", first + 3)],
                "{head:?}"
            );
            assert_eq!(acct.rows_read, 2, "{head:?}");
        }
        // A comment over two lines is still one, and a style block too.
        let (calls, acct) = read(
            "WEBVTT\n\nSTYLE\n::cue { color: red }\n\nNOTE a\nb\n\n00:01.000 --> 00:02.000\n<v Agent>hi\n",
            &[],
        );
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert_eq!((acct.rows_read, acct.rows_skipped_total()), (1, 0));
    }

    #[test]
    fn timings() {
        assert_eq!(
            timing("00:01:02.500 --> 00:01:04.000 line:0"),
            Some((62500, 64000))
        );
        assert_eq!(timing("01:02,5 --> 01:03,000"), Some((62500, 63000)));
        assert_eq!(timing("garbage"), None);
    }
}
