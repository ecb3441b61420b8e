//! Utterance CSV: one row per utterance, columns found by their usual names (or `--map`).
//!
//! Rows are read as byte records into one reused buffer; a call's rows are collected while its
//! id stays the same and handed on when it changes, so memory holds one call at a time.

use super::dates::parse_date;
use super::line_tracker::LineTracker;
use super::{CallSink, ReadContext, ReadError, Reader, text_lossy};
use crate::accounting::SkipReason;
use crate::model::{Call, Channel, Speaker};
use std::io::BufRead;

pub struct CsvReader;

/// Header names recognised for each role, after lower-casing and turning spaces and dashes
/// into underscores. The first column that matches wins. (`--metadata` uses them too.)
pub(crate) const CANDIDATES: &[(&str, &[&str])] = &[
    (
        "call",
        &[
            "call_id",
            "contact_id",
            "conversation_id",
            "callid",
            "contactid",
            "conversationid",
            "interaction_id",
            "call",
        ],
    ),
    (
        "agent",
        &[
            "agent_id",
            "agent",
            "agent_name",
            "agentid",
            "rep_id",
            "rep_name",
            "agent_email",
        ],
    ),
    (
        "speaker",
        &[
            "speaker",
            "role",
            "participant",
            "participant_role",
            "sender_type",
            "speaker_role",
            "participant_type",
        ],
    ),
    (
        "text",
        &[
            "text",
            "content",
            "transcript",
            "utterance",
            "message",
            "message_text",
            "utterance_text",
            "body",
        ],
    ),
    (
        "order",
        &[
            "turn",
            "seq",
            "index",
            "sequence",
            "turn_index",
            "turn_number",
            "position",
            "start_ms",
            "begin_offset_millis",
        ],
    ),
    (
        "date",
        &[
            "date",
            "call_date",
            "started_at",
            "timestamp",
            "created_at",
            "call_start",
            "contact_date",
        ],
    ),
    (
        "start",
        &[
            "start_ms",
            "begin_offset_millis",
            "start_offset_ms",
            "begin_ms",
        ],
    ),
    ("end", &["end_ms", "end_offset_millis", "end_offset_ms"]),
    ("team", &["team", "team_name"]),
    ("queue", &["queue", "queue_name"]),
    ("channel", &["channel", "medium", "contact_channel"]),
];

/// Which column holds each role.
#[derive(Debug, Default)]
struct Columns {
    call: usize,
    speaker: usize,
    text: usize,
    agent: Option<usize>,
    order: Option<usize>,
    date: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
    team: Option<usize>,
    queue: Option<usize>,
    channel: Option<usize>,
}

pub(crate) fn header_key(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

/// The header for messages: its first columns, and how many there are when it is long (a
/// million-column header must not make a million-column message).
fn header_list(headers: &[String]) -> String {
    const SHOWN: usize = 30;
    if headers.len() <= SHOWN {
        return headers.join(", ");
    }
    format!(
        "{}, … ({} columns)",
        headers[..SHOWN].join(", "),
        headers.len()
    )
}

fn find_columns(headers: &[String], ctx: &ReadContext<'_>) -> Result<Columns, ReadError> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let mut found: Vec<(&str, Option<usize>)> = Vec::new();
    for (role, names) in CANDIDATES {
        let col = match ctx.options.map.get(role) {
            Some(mapped) => {
                let k = header_key(mapped);
                let col = keys.iter().position(|h| *h == k);
                if col.is_none() {
                    return Err(ReadError::Input(format!(
                        "{}:1: --map {role}={mapped}: no such column; the header has: {}",
                        ctx.name,
                        header_list(headers)
                    )));
                }
                col
            }
            None => names.iter().find_map(|n| keys.iter().position(|h| h == n)),
        };
        found.push((role, col));
    }
    let get = |role: &str| found.iter().find(|(r, _)| *r == role).and_then(|(_, c)| *c);
    let missing: Vec<&str> = ["call", "speaker", "text"]
        .into_iter()
        .filter(|r| get(r).is_none())
        .collect();
    if !missing.is_empty() {
        let expected: Vec<String> = missing
            .iter()
            .map(|r| {
                let names = CANDIDATES
                    .iter()
                    .find(|(n, _)| n == r)
                    .map(|(_, c)| *c)
                    .unwrap_or(&[]);
                format!("{r} ({})", names.join(" / "))
            })
            .collect();
        return Err(ReadError::Input(format!(
            "{}:1: no column for {}; the header has: {}. Name the columns with --map, e.g. --map {}=COLUMN",
            ctx.name,
            expected.join(", "),
            header_list(headers),
            missing[0]
        )));
    }
    Ok(Columns {
        call: get("call").expect("checked"),
        speaker: get("speaker").expect("checked"),
        text: get("text").expect("checked"),
        agent: get("agent"),
        order: get("order"),
        date: get("date"),
        start: get("start"),
        end: get("end"),
        team: get("team"),
        queue: get("queue"),
        channel: get("channel"),
    })
}

/// The delimiter of the header line: the most frequent of `,`, tab and `;` outside quotes.
pub(crate) fn sniff_delimiter(input: &mut dyn BufRead) -> u8 {
    let head = input.fill_buf().unwrap_or(&[]);
    let line_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in &head[..line_end] {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], usize::from(i == 0)))
        .unwrap_or(0);
    [b',', b'\t', b';'][best]
}

/// Lines inside a record's fields that look like rows of their own: at least as many delimiters
/// as a row has, and in the call-id position a value shaped like the record's own call id
/// (`C-1002` beside `C-1001`). A message with line breaks rarely has both; the rows after an
/// unclosed quote, swallowed into its field, always do.
fn rows_inside(record: &csv::ByteRecord, delimiter: u8, n_fields: usize, call_col: usize) -> u64 {
    let Some(own_id) = record.get(call_col).map(<[u8]>::trim_ascii) else {
        return 0;
    };
    if own_id.is_empty() {
        return 0;
    }
    let class = |b: &u8| match b {
        b'0'..=b'9' => 0u8,
        b'a'..=b'z' | b'A'..=b'Z' => 1,
        _ => 2,
    };
    let shaped_like_own = |id: &[u8]| {
        let id = id.trim_ascii();
        let id = id.strip_prefix(b"\"").unwrap_or(id);
        let id = id.strip_suffix(b"\"").unwrap_or(id);
        id.len() == own_id.len() && id.iter().map(class).eq(own_id.iter().map(class))
    };
    record
        .iter()
        .flat_map(|field| field.split(|&b| b == b'\n').skip(1))
        .filter(|line| {
            memchr::memchr_iter(delimiter, line).count() + 1 >= n_fields
                && line
                    .split(|&b| b == delimiter)
                    .nth(call_col)
                    .is_some_and(shaped_like_own)
        })
        .count() as u64
}

/// The `\n` bytes inside a record's fields, without the line end that a field left open at the
/// end of the file also holds. The csv reader counts every `\n` it consumes, quoted or not, so
/// only a record that moved that count by more than one (rare: quoted line breaks, blank lines
/// before it) needs looking at.
fn line_breaks_inside(record: &csv::ByteRecord, lines_consumed: u64) -> u64 {
    if lines_consumed <= 1 {
        return 0;
    }
    let body = record.as_slice();
    let trailing = body.iter().rev().take_while(|b| matches!(b, b'\r' | b'\n'));
    let body = &body[..body.len() - trailing.count()];
    memchr::memchr_iter(b'\n', body).count() as u64
}

fn parse_number(field: &[u8]) -> Option<f64> {
    // Turn numbers are small integers: skip the float parser for them.
    if (1..=15).contains(&field.len()) && field.iter().all(u8::is_ascii_digit) {
        return Some(field.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64);
    }
    let s = std::str::from_utf8(field).ok()?.trim();
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

impl Reader for CsvReader {
    fn read(
        &self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let delimiter = ctx
            .options
            .delimiter
            .unwrap_or_else(|| sniff_delimiter(input));
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(256 * 1024)
            .from_reader(LineTracker::new(input));
        let mut record = csv::ByteRecord::new();
        // I/O errors (a truncated gzip) carry no position: name the line reading stopped at.
        let io_error = |ctx: &ReadContext<'_>, rdr: &mut csv::Reader<LineTracker<_>>, e| {
            let at = rdr.position().byte();
            let line = rdr.get_mut().line_at(at);
            ReadError::Input(format!("{}:{line}: cannot read: {e}", ctx.name))
        };
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()), // empty file: no rows
            Err(e) => return Err(io_error(ctx, &mut rdr, e)),
        }
        let headers: Vec<String> = record
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let cols = find_columns(&headers, ctx)?;
        let n_fields = headers.len();

        let mut current: Option<Call> = None;
        let mut last_row_line: Option<u64> = None;
        // Whether the last record was already reported as an unclosed quote that swallowed rows.
        let mut last_row_swallowed = false;
        loop {
            match rdr.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    // The call being collected is incomplete: its rows are not audited.
                    if let Some(partial) = current.take() {
                        ctx.acct
                            .skip(SkipReason::UnreadableFile, partial.turns.len() as u64);
                    }
                    return Err(io_error(ctx, &mut rdr, e));
                }
            }
            // The physical line the record starts on (see `LineTracker`).
            let line = rdr
                .get_mut()
                .line_at(record.position().map_or(0, |p| p.byte()));
            // A blank line between records is not a row.
            if record.len() == 1 && record[0].is_empty() {
                continue;
            }
            last_row_line = Some(line);
            ctx.acct.rows_read += 1;
            // A record over several lines is either a message with line breaks or an unclosed
            // quote that swallowed the rows after it; the second loses rows unless it is caught.
            let lines_consumed = rdr
                .position()
                .line()
                .saturating_sub(record.position().map_or(0, |p| p.line()));
            let breaks = line_breaks_inside(&record, lines_consumed);
            let swallowed = if breaks > 0 {
                rows_inside(&record, delimiter, n_fields, cols.call)
            } else {
                0
            };
            last_row_swallowed = swallowed > 0;
            if swallowed > 0 {
                ctx.acct.rows_read += swallowed;
                ctx.skip_rows(
                    SkipReason::MalformedRow,
                    line,
                    1 + swallowed,
                    &format!(
                        "a quoted field opened on this line runs to line {}, and {} (an unclosed quote?)",
                        line + breaks,
                        if swallowed == 1 {
                            "a line inside it looks like a row of its own".to_string()
                        } else {
                            format!("{swallowed} lines inside it look like rows of their own")
                        }
                    ),
                )?;
                continue;
            }
            if record.len() != n_fields {
                let span = if breaks > 0 {
                    format!(
                        " (the record runs to line {}: a quoted field with line breaks, or an unclosed quote)",
                        line + breaks
                    )
                } else {
                    String::new()
                };
                ctx.skip(
                    SkipReason::MalformedRow,
                    line,
                    &format!("expected {n_fields} fields, found {}{span}", record.len()),
                )?;
                continue;
            }
            let mut lossy = false;
            let call_id = text_lossy(&record[cols.call], ctx.acct, &mut lossy);
            let call_id = call_id.trim();
            if call_id.is_empty() {
                ctx.skip(SkipReason::MissingCallId, line, "empty call id")?;
                continue;
            }
            let text = text_lossy(&record[cols.text], ctx.acct, &mut lossy);
            if text.trim().is_empty() {
                ctx.skip(SkipReason::MissingText, line, "empty text")?;
                continue;
            }
            let order = match cols.order {
                Some(c) if !record[c].trim_ascii().is_empty() => match parse_number(&record[c]) {
                    Some(v) => Some(v),
                    None => {
                        let v = String::from_utf8_lossy(&record[c]).into_owned();
                        ctx.skip(
                            SkipReason::MalformedRow,
                            line,
                            &format!("order column `{}`: `{v}` is not a number", headers[c]),
                        )?;
                        continue;
                    }
                },
                _ => None,
            };
            let speaker_label = text_lossy(&record[cols.speaker], ctx.acct, &mut lossy);
            let speaker = Speaker::from_label(&speaker_label);
            if speaker == Speaker::Other {
                ctx.acct.rows_other_speaker += 1;
            }

            let same_call = current.as_ref().is_some_and(|c| c.id == call_id);
            if !same_call {
                if let Some(done) = current.take()
                    && !sink(done)
                {
                    return Err(ReadError::Stopped);
                }
                let mut call = ctx.new_call(call_id);
                call.line = line;
                current = Some(call);
            }
            let call = current.as_mut().expect("set above");
            let optional =
                |c: Option<usize>, lossy: &mut bool, acct: &mut crate::accounting::Accounting| {
                    c.map(|c| text_lossy(&record[c], acct, lossy).trim().to_string())
                        .filter(|s| !s.is_empty())
                };
            if call.agent_id.is_none() {
                call.agent_id = optional(cols.agent, &mut lossy, ctx.acct);
            }
            if call.team.is_none() {
                call.team = optional(cols.team, &mut lossy, ctx.acct);
            }
            if call.queue.is_none() {
                call.queue = optional(cols.queue, &mut lossy, ctx.acct);
            }
            if call.channel == Channel::Unknown
                && let Some(raw) = optional(cols.channel, &mut lossy, ctx.acct)
            {
                call.channel = Channel::from_label(&raw);
            }
            if call.date.is_none()
                && let Some(raw) = optional(cols.date, &mut lossy, ctx.acct)
            {
                call.date = parse_date(&raw);
                if call.date.is_none() {
                    ctx.acct.warn(format!(
                        "{}:{line}: date `{raw}` not understood (expected YYYY-MM-DD, RFC 3339 or epoch); the call has no date",
                        ctx.name
                    ));
                }
            }
            let start = cols.start.and_then(|c| parse_number(&record[c]));
            let end = cols.end.and_then(|c| parse_number(&record[c]));
            let turn = call.push_turn(speaker, &text, line);
            turn.order = order;
            turn.start_ms = start.filter(|v| *v >= 0.0).map(|v| v as u64);
            turn.end_ms = end.filter(|v| *v >= 0.0).map(|v| v as u64);
        }
        if let Some(row) = last_row_line
            && !last_row_swallowed
            && rdr.get_ref().ends_in_open_quote(row)
        {
            let msg = format!(
                "{}:{row}: a quoted field opens on this line and is never closed: the rest of the file (to line {}) was read as its text, not as rows",
                ctx.name,
                rdr.get_ref().last_content_line()
            );
            if ctx.options.strict {
                return Err(ReadError::Strict(msg));
            }
            ctx.acct.warn(msg);
        }
        if let Some(done) = current.take()
            && !sink(done)
        {
            return Err(ReadError::Stopped);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::read::ReadOptions;
    use crate::read::read_for_test;

    fn read(data: &str, options: ReadOptions) -> (Result<Vec<Call>, ReadError>, Accounting) {
        read_for_test(&CsvReader, "t.csv", data.as_bytes(), &options)
    }

    #[test]
    fn groups_contiguous_rows_and_maps_speakers() {
        let (calls, acct) = read(
            "Contact ID,Agent,Role,Message,Seq\nc1,ann,Customer,hi,1\nc1,ann,REP,hello,2\nc2,bob,bot,beep,1\n",
            ReadOptions::default(),
        );
        let calls = calls.unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].turns.len(), 2);
        assert_eq!(calls[0].turns[1].speaker, Speaker::Agent);
        assert_eq!(calls[0].agent(), "ann");
        assert_eq!(calls[1].turns[0].speaker, Speaker::Other);
        assert_eq!(acct.rows_read, 3);
        assert_eq!(acct.rows_other_speaker, 1);
    }

    #[test]
    fn bad_rows_are_skipped_with_their_line() {
        let (calls, acct) = read(
            "call_id,speaker,text,turn\nc1,agent,hi,1\nc1,agent\n,agent,x,2\nc1,agent,,3\nc1,agent,y,abc\n",
            ReadOptions::default(),
        );
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert_eq!(acct.rows_read, 5);
        assert_eq!(acct.rows_skipped_total(), 4);
        assert!(
            acct.warnings[0].starts_with("t.csv:3:"),
            "{:?}",
            acct.warnings
        );
        assert!(
            acct.warnings[3].contains("`abc` is not a number"),
            "{:?}",
            acct.warnings
        );
    }

    #[test]
    fn an_unclosed_quote_that_swallows_rows_is_caught_and_counted() {
        // Line 2's quote is never closed: the csv parser reads line 3 into its text and, by
        // chance, ends with the right number of fields. Both rows are skipped and counted.
        let data = "call_id,agent,turn,speaker,text\n\
                    C-1,a,1,customer,\"I was charged twice\n\
                    C-1,a,2,agent,\"Sorry about that\"\n\
                    C-1,a,3,customer,\"ok\"\n";
        let (calls, acct) = read(data, ReadOptions::default());
        let calls = calls.unwrap();
        assert_eq!(calls[0].turns.len(), 1);
        assert_eq!(calls[0].turn_text(&calls[0].turns[0]), "ok");
        assert_eq!(acct.rows_read, 3);
        assert_eq!(acct.rows_skipped_total(), 2);
        assert!(
            acct.warnings[0].starts_with("t.csv:2: a quoted field opened on this line runs to line 3, and a line inside it looks like a row of its own"),
            "{:?}",
            acct.warnings
        );
    }

    #[test]
    fn a_message_with_line_breaks_is_not_mistaken_for_swallowed_rows() {
        let data = "call_id,agent,turn,speaker,text\n\
                    C-1,a,1,customer,\"Line one\nLine two, with, commas, in, it\nC-2 said\"\n";
        let (calls, acct) = read(data, ReadOptions::default());
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert_eq!(acct.rows_skipped_total(), 0, "{:?}", acct.warnings);
    }

    #[test]
    fn a_wrong_field_count_over_several_lines_names_where_the_record_ends() {
        let data = "call_id,agent,turn,speaker,text\n\
                    C-1,a,1,customer,\"x\ny\",extra\n\
                    C-1,a,2,agent,\"ok\"\n";
        let (calls, acct) = read(data, ReadOptions::default());
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert!(
            acct.warnings[0].contains("expected 5 fields, found 6 (the record runs to line 3"),
            "{:?}",
            acct.warnings
        );
    }

    #[test]
    fn strict_stops_at_the_first_bad_row() {
        let (r, _) = read(
            "call_id,speaker,text\nc1,agent\n",
            ReadOptions {
                strict: true,
                ..ReadOptions::default()
            },
        );
        assert!(matches!(r, Err(ReadError::Strict(m)) if m.starts_with("t.csv:2:")));
    }

    #[test]
    fn missing_columns_list_the_header_and_the_map_hint() {
        let (r, _) = read("id,who,words\n1,agent,hi\n", ReadOptions::default());
        let Err(ReadError::Input(m)) = r else {
            panic!()
        };
        assert!(m.contains("the header has: id, who, words"), "{m}");
        assert!(m.contains("--map call=COLUMN"), "{m}");
    }

    #[test]
    fn delimiters_bom_crlf_and_quoted_newlines() {
        let (calls, _) = read(
            "\u{feff}call_id;speaker;text\r\nc1;agent;\"two\nlines\"\r\nc1;customer;ok\r\n",
            ReadOptions::default(),
        );
        let calls = calls.unwrap();
        assert_eq!(calls[0].turns.len(), 2);
        assert_eq!(calls[0].turn_text(&calls[0].turns[0]), "two\nlines");
        assert_eq!(calls[0].turns[1].line, 4);
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_and_counted() {
        let mut data = b"call_id,speaker,text\nc1,agent,caf".to_vec();
        data.push(0xE9);
        data.extend_from_slice(b"\n");
        let mut acct = Accounting::default();
        let options = ReadOptions::default();
        let mut ctx = ReadContext::new("t.csv", 0, &options, &mut acct);
        let mut calls = Vec::new();
        CsvReader
            .read(&mut data.as_slice(), &mut ctx, &mut |c| {
                calls.push(c);
                true
            })
            .unwrap();
        assert_eq!(calls[0].turn_text(&calls[0].turns[0]), "caf\u{fffd}");
        assert_eq!(acct.rows_lossy_utf8, 1);
    }

    #[test]
    fn map_overrides_detection() {
        let (calls, _) = read(
            "ticket,who,words\nt1,agent,hello\n",
            ReadOptions {
                map: crate::read::ColumnMap::parse("call=ticket,speaker=who,text=words").unwrap(),
                ..ReadOptions::default()
            },
        );
        assert_eq!(calls.unwrap()[0].id, "t1");
    }
}
