//! The vendor JSON formats, one file each (Transcribe, Contact Lens, PCA, Genesys, CCAI), and
//! the helpers their readers share: reading a whole document within `--max-call-bytes`, and
//! taking its objects, arrays and fields apart with messages that name the format expected.
//! `read::json` only recognises which vendor a document belongs to and hands it here.

/// The `Reader` of a format whose file is one JSON document: parse it whole, then hand it to
/// the module's `read_document` (which the `json` dispatcher also calls directly).
macro_rules! json_document_reader {
    ($reader:ty) => {
        impl $crate::read::Reader for $reader {
            fn read(
                &self,
                input: &mut dyn std::io::BufRead,
                ctx: &mut $crate::read::ReadContext<'_>,
                sink: &mut $crate::read::CallSink<'_>,
            ) -> Result<(), $crate::read::ReadError> {
                match $crate::read::vendor::parse_document(input, ctx)? {
                    Some(doc) => read_document(doc, ctx, sink),
                    // Over --max-call-bytes: counted and reported.
                    None => Ok(()),
                }
            }
        }
    };
}

pub mod ccai;
pub mod contact_lens;
pub mod genesys;
pub mod lenient;
pub mod pca;
pub mod transcribe;
pub mod typed;

use super::{At, ReadContext, ReadError, ReadErrorKind, describe_bytes};
use crate::accounting::SkipReason;
use serde_json::{Map, Value};
use std::io::{BufRead, Read};

/// Reads a whole input as text (vendor documents are one call each, so they fit in memory),
/// or `Err` with its first `--max-call-bytes` bytes and one more when it is longer than that.
/// Invalid UTF-8 is decoded with replacement characters and counted.
pub(super) fn read_within(
    input: &mut dyn BufRead,
    ctx: &mut ReadContext<'_>,
) -> Result<Result<String, Vec<u8>>, ReadError> {
    let limit = ctx.options.max_call_bytes;
    let mut bytes = Vec::new();
    Read::take(input, limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ctx.error(At::File, ReadErrorKind::Io, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limit {
        return Ok(Err(bytes));
    }
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            ctx.acct.rows_lossy_utf8 += 1;
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    Ok(Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }))
}

/// Counts and reports a document over `--max-call-bytes`: one row, skipped as too large (its
/// utterances are not known without reading it whole).
pub(super) fn too_large_document(ctx: &mut ReadContext<'_>) -> Result<(), ReadError> {
    ctx.acct.rows_read += 1;
    let message = format!(
        "a JSON document of more than {} (--max-call-bytes): not read",
        describe_bytes(ctx.options.max_call_bytes)
    );
    ctx.skip(SkipReason::TooLarge, 1, &message)
}

/// Parses a whole input as one JSON document, for the readers of each vendor format; `None`
/// (counted and reported) when it is over `--max-call-bytes`.
pub fn parse_document(
    input: &mut dyn BufRead,
    ctx: &mut ReadContext<'_>,
) -> Result<Option<Value>, ReadError> {
    match read_within(input, ctx)? {
        Ok(text) => {
            let mut doc = serde_json::from_str(&text).map_err(|e| not_json(ctx, &e))?;
            // Ids written as numbers keep their digits.
            crate::read::json_id::exact_number_ids(&text, &mut doc);
            Ok(Some(doc))
        }
        Err(_) => too_large_document(ctx).map(|()| None),
    }
}

pub(super) fn not_json(ctx: &ReadContext<'_>, e: &serde_json::Error) -> ReadError {
    ctx.error(
        At::LineColumn(e.line() as u64, e.column() as u64),
        ReadErrorKind::Syntax,
        format!("not valid JSON: {e}"),
    )
}

/// The top-level object of a document, or an error naming the format that was expected.
pub fn top_object<'v>(
    doc: &'v Value,
    ctx: &ReadContext<'_>,
    format: &str,
    expected: &str,
) -> Result<&'v Map<String, Value>, ReadError> {
    doc.as_object().ok_or_else(|| {
        ctx.error(
            At::File,
            ReadErrorKind::Shape,
            format!(
                "not {format}: expected a JSON object with {expected}; found {}",
                kind(doc)
            ),
        )
    })
}

/// The array under `key`, or an error naming the format that was expected.
pub fn array<'v>(
    top: &'v Map<String, Value>,
    key: &str,
    ctx: &ReadContext<'_>,
    format: &str,
    expected: &str,
) -> Result<&'v [Value], ReadError> {
    match top.get(key) {
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(ctx.error(
            At::File,
            ReadErrorKind::Shape,
            format!(
                "not {format}: `{key}` is {}, expected an array ({expected})",
                kind(other)
            ),
        )),
        None => {
            let keys: Vec<&str> = top.keys().map(String::as_str).take(12).collect();
            Err(ctx.error(
                At::File,
                ReadErrorKind::Shape,
                format!(
                    "not {format}: no `{key}`; expected {expected}; the document has: {}",
                    if keys.is_empty() {
                        "no keys".to_string()
                    } else {
                        keys.join(", ")
                    }
                ),
            ))
        }
    }
}

/// Deserialises one field of the top level, which is optional, or an error naming the field.
pub fn field<'v, T: serde::Deserialize<'v>>(
    top: &'v Map<String, Value>,
    key: &str,
    ctx: &ReadContext<'_>,
    format: &str,
) -> Result<Option<T>, ReadError> {
    match top.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::deserialize(v).map(Some).map_err(|e| {
            ctx.error(
                At::File,
                ReadErrorKind::Shape,
                format!("not {format}: `{key}`: {e}"),
            )
        }),
    }
}

/// One item of a document's array as `T`. An item of the wrong shape is a row: it is counted
/// as read and skipped (malformed) with its position, saying it is not `what` (`expected`).
/// An item must be an object: an array is not read field by field in order, as a derived
/// struct would.
pub fn item<'v, T: serde::Deserialize<'v>>(
    raw: &'v Value,
    ctx: &mut ReadContext<'_>,
    position: &dyn Fn() -> String,
    what: &str,
    expected: &str,
) -> Result<Option<T>, ReadError> {
    if !raw.is_object() {
        ctx.acct.rows_read += 1;
        ctx.skip_at(
            crate::accounting::SkipReason::MalformedRow,
            &position(),
            &format!(
                "not {what}: expected an object ({expected}), found {}",
                kind(raw)
            ),
        )?;
        return Ok(None);
    }
    match T::deserialize(raw) {
        Ok(t) => Ok(Some(t)),
        Err(e) => {
            ctx.acct.rows_read += 1;
            ctx.skip_at(
                crate::accounting::SkipReason::MalformedRow,
                &position(),
                &format!("not {what} ({expected}): {e}"),
            )?;
            Ok(None)
        }
    }
}

/// A value a document holds, for a message: cut to its first 60 characters (a field may hold
/// anything, of any length).
pub(super) fn shown(value: &str) -> String {
    match value.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

/// "a string", "an array", … for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string or number as text (ids are written both ways); `None` for empty strings. A
/// number that is not a 64-bit integer is here as written only when the document went through
/// `json_id::exact_number_ids` (which makes it a string).
pub fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => crate::read::known_id(s).map(str::to_string),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The call id under `path` (a JSON path for messages): a string or a number, `None` when
/// absent, `null` or a placeholder. A value of any other type is an error naming the file, the
/// path and what was expected, as for the documents' other fields of the wrong type: falling
/// back to the file name would silently make it a different call.
pub fn call_id(
    v: Option<&Value>,
    path: &str,
    ctx: &ReadContext<'_>,
) -> Result<Option<String>, ReadError> {
    match v {
        None | Some(Value::Null | Value::String(_) | Value::Number(_)) => Ok(id_text(v)),
        Some(other) => Err(wrong_call_id(
            ctx,
            path,
            kind(other),
            "a string or a number",
        )),
    }
}

/// A call id of the wrong type: `file: path: the call id is an array; expected a string …`.
pub(super) fn wrong_call_id(
    ctx: &ReadContext<'_>,
    path: &str,
    found: &str,
    expected: &str,
) -> ReadError {
    ctx.error(
        At::Path(path.to_string()),
        ReadErrorKind::Shape,
        format!("the call id is {found}; expected {expected}"),
    )
}
