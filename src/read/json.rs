//! Vendor JSON: one whole document per file (`.json`, or JSON on stdin), handed to the
//! format its top-level keys belong to. The keys are looked at on the whole parsed document,
//! not on the first bytes, because exports put them in any order (`JobName` may come after a
//! long `Transcript`).
//!
//! Also accepted here, because tools write them as `.json` too: conversation JSONL (one call
//! per line) and a single pretty-printed conversation object `{call_id, turns: [...]}`.

use super::vendor::{self, kind, not_json, read_within, too_large_document};
use super::{
    At, CallSink, InputFormat, ReadContext, ReadError, ReadErrorKind, Reader, jsonl::JsonlReader,
};
use serde_json::{Map, Value};
use std::io::{BufRead, Read};

pub struct JsonReader;

/// What each vendor format is recognised by, for the message when nothing matches.
const EXPECTED: &str = "Transcribe Call Analytics (`JobName` + `Transcript`), Contact Lens \
(`Participants` + `Transcript`), post-call analytics (`SpeechSegments`), Genesys Cloud \
(`transcripts[].phrases`), Google CCAI Insights (`entries`, or `transcript.transcriptSegments`) \
or a conversation (`turns`)";

impl Reader for JsonReader {
    fn read(
        &self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let text = match read_within(input, ctx)? {
            Ok(text) => text,
            // Conversation JSONL saved as `.json` is read line by line, whatever its size.
            Err(head) if starts_like_jsonl(&head) => {
                let mut rest = Read::chain(head.as_slice(), input);
                return JsonlReader.read(&mut rest, ctx, sink);
            }
            Err(_) => return too_large_document(ctx),
        };
        // The vendors of one-file-per-contact exports straight into typed structs; anything
        // else (or anything unexpected) the general way below.
        if let Some(read) = vendor::typed::read(&text, ctx, sink) {
            return read;
        }
        let mut values = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
        let doc = match values.next() {
            None => {
                ctx.acct
                    .warn(format!("{}: no JSON document (only blanks)", ctx.name));
                return Ok(());
            }
            Some(Err(e)) => return Err(not_json(ctx, &e)),
            Some(Ok(doc)) => doc,
        };
        match values.next() {
            None => {}
            // Several values one after another: conversation JSONL saved as `.json`.
            Some(Ok(_)) => return JsonlReader.read(&mut text.as_bytes(), ctx, sink),
            Some(Err(e)) => return Err(not_json(ctx, &e)),
        }
        let mut doc = doc;
        // Ids written as numbers keep their digits (also through the JSONL reader below).
        super::json_id::exact_number_ids(&text, &mut doc);
        let Value::Object(top) = &doc else {
            return Err(ctx.error(
                At::File,
                ReadErrorKind::Shape,
                format!(
                    "expected a JSON object of one of: {EXPECTED}; found {}",
                    kind(&doc)
                ),
            ));
        };
        match vendor_format(top) {
            Some(InputFormat::Transcribe) => vendor::transcribe::read_document(doc, ctx, sink),
            Some(InputFormat::ContactLens) => vendor::contact_lens::read_document(doc, ctx, sink),
            Some(InputFormat::Pca) => vendor::pca::read_document(doc, ctx, sink),
            Some(InputFormat::Genesys) => vendor::genesys::read_document(doc, ctx, sink),
            Some(InputFormat::Ccai) => vendor::ccai::read_document(doc, ctx, sink),
            Some(_) => {
                // One conversation object, perhaps pretty-printed: the JSONL reader reads it
                // as its single line.
                let line = serde_json::to_string(&doc).expect("a parsed value serialises");
                JsonlReader.read(&mut line.as_bytes(), ctx, sink)
            }
            // A report of callaudit's own left among the inputs (`-o report.json` in the audited
            // folder, which that run warned of): said as what it is (tester t25 F8).
            None if top.get("tool").and_then(Value::as_str) == Some("callaudit") => Err(ctx.error(
                At::File,
                ReadErrorKind::UnknownFormat,
                "a callaudit JSON report, not transcripts: move it out of the folder audited (or pass --keep-going to pass it over)".to_string(),
            )),
            None => {
                let keys: Vec<&str> = top.keys().map(String::as_str).take(12).collect();
                Err(ctx.error(
                    At::File,
                    ReadErrorKind::UnknownFormat,
                    format!(
                        "JSON with the keys {} is not a format callaudit knows; expected one of: \
                     {EXPECTED}. Use --input-format to name the format",
                        if keys.is_empty() {
                            "(none)".to_string()
                        } else {
                            keys.join(", ")
                        }
                    ),
                ))
            }
        }
    }
}

/// The format a document's top-level keys belong to.
pub fn vendor_format(top: &Map<String, Value>) -> Option<InputFormat> {
    let has = |k: &str| top.contains_key(k);
    let transcript_items = top.get("Transcript").and_then(Value::as_array);
    if has("SpeechSegments") {
        return Some(InputFormat::Pca);
    }
    if let Some(items) = transcript_items {
        if has("JobName") {
            return Some(InputFormat::Transcribe);
        }
        if has("Participants") || has("CustomerMetadata") {
            return Some(InputFormat::ContactLens);
        }
        // Without either marker, Transcribe turns carry their role and Contact Lens turns a
        // participant id.
        let first = items.first().and_then(Value::as_object);
        return Some(
            if first.is_some_and(|t| t.contains_key("ParticipantRole")) {
                InputFormat::Transcribe
            } else {
                InputFormat::ContactLens
            },
        );
    }
    let genesys = top
        .get("transcripts")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t.get("phrases").is_some()));
    if genesys || (has("conversationId") && has("transcripts")) {
        return Some(InputFormat::Genesys);
    }
    let ccai_api = top
        .get("transcript")
        .and_then(Value::as_object)
        .is_some_and(|t| {
            t.contains_key("transcriptSegments") || t.contains_key("transcript_segments")
        });
    if has("entries") || ccai_api {
        return Some(InputFormat::Ccai);
    }
    if has("turns") {
        return Some(InputFormat::Jsonl);
    }
    None
}

/// Whether the start of an input is conversation JSONL: its first line is a whole JSON object.
fn starts_like_jsonl(head: &[u8]) -> bool {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    let Some(end) = memchr::memchr(b'\n', head) else {
        return false;
    };
    matches!(
        serde_json::from_slice::<Value>(&head[..end]),
        Ok(Value::Object(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::model::Call;
    use crate::read::ReadOptions;
    use crate::read::read_for_test;

    fn read(name: &str, data: &str) -> (Result<Vec<Call>, ReadError>, Accounting) {
        let (r, acct) = read_for_test(&JsonReader, name, data.as_bytes(), &ReadOptions::default());
        (r, acct)
    }

    fn keys(json: &str) -> Option<InputFormat> {
        let v: Value = serde_json::from_str(json).unwrap();
        vendor_format(v.as_object().unwrap())
    }

    #[test]
    fn formats_are_told_apart_by_their_keys() {
        assert_eq!(keys(r#"{"SpeechSegments": []}"#), Some(InputFormat::Pca));
        assert_eq!(
            keys(r#"{"Transcript": [], "JobName": "j"}"#),
            Some(InputFormat::Transcribe)
        );
        assert_eq!(
            keys(r#"{"Participants": [], "Transcript": []}"#),
            Some(InputFormat::ContactLens)
        );
        assert_eq!(
            keys(r#"{"Transcript": [{"ParticipantRole": "AGENT"}]}"#),
            Some(InputFormat::Transcribe)
        );
        assert_eq!(
            keys(r#"{"Transcript": [{"ParticipantId": "AGENT"}]}"#),
            Some(InputFormat::ContactLens)
        );
        assert_eq!(
            keys(r#"{"transcripts": [{"phrases": []}]}"#),
            Some(InputFormat::Genesys)
        );
        assert_eq!(keys(r#"{"entries": []}"#), Some(InputFormat::Ccai));
        assert_eq!(
            keys(r#"{"transcript": {"transcriptSegments": []}}"#),
            Some(InputFormat::Ccai)
        );
        assert_eq!(keys(r#"{"turns": []}"#), Some(InputFormat::Jsonl));
        assert_eq!(keys(r#"{"hello": 1}"#), None);
    }

    #[test]
    fn unknown_json_names_its_keys_and_the_formats_expected() {
        let (r, _) = read("x.json", r#"{"hello": 1, "world": 2}"#);
        let e = r.unwrap_err();
        assert_eq!((e.kind, &e.at), (ReadErrorKind::UnknownFormat, &At::File));
        let m = e.to_string();
        assert!(
            m.starts_with("x.json: JSON with the keys hello, world"),
            "{m}"
        );
        assert!(m.contains("SpeechSegments"), "{m}");
    }

    #[test]
    fn invalid_json_says_where() {
        let (r, _) = read("x.json", "{\n  \"a\": ,\n}");
        let e = r.unwrap_err();
        assert_eq!(
            (e.kind, &e.at),
            (ReadErrorKind::Syntax, &At::LineColumn(2, 8))
        );
        assert!(
            e.to_string().starts_with("x.json:2:8: not valid JSON"),
            "{e}"
        );
        let (r, _) = read("x.json", "{\"entries\": []}\n}garbage");
        let e = r.unwrap_err();
        assert_eq!(
            (e.kind, &e.at),
            (ReadErrorKind::Syntax, &At::LineColumn(2, 1))
        );
    }

    #[test]
    fn jsonl_and_single_conversations_in_json_files() {
        let (calls, acct) = read(
            "x.json",
            "{\"call_id\": \"a\", \"turns\": [{\"speaker\": \"agent\", \"text\": \"hi\"}]}\n{\"call_id\": \"b\", \"turns\": [{\"speaker\": \"customer\", \"text\": \"yo\"}]}\n",
        );
        assert_eq!(calls.unwrap().len(), 2);
        assert_eq!(acct.rows_read, 2);
        let (calls, _) = read(
            "y.json",
            "{\n  \"call_id\": \"c\",\n  \"turns\": [\n    {\"speaker\": \"agent\", \"text\": \"hi\"}\n  ]\n}\n",
        );
        assert_eq!(calls.unwrap()[0].id, "c");
    }
}
