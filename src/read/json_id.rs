//! Ids written as JSON numbers, kept as written.
//!
//! serde_json reads a number that is not a 64-bit integer (`18446744073709551616`, a 20-digit
//! UCID, `1.50`, `1e3`) as an `f64`: its digits are lost (`1.8446744073709552e19`), and two
//! calls whose ids round to the same `f64` would become one. An id is text, not a quantity, so
//! a call id, agent id, team or queue written as a number is read as the number's text as the
//! file writes it, as the same cell of a CSV is.
//!
//! - JSONL lines (`jsonl::Line`) take their ids through [`id`], from the raw text of the value
//!   (`serde_json::value::RawValue`, borrowed from the line): no `f64` on the way, and no cost
//!   for the numbers that are not ids.
//! - A document read into a `serde_json::Value` (the vendor formats' general readers, a single
//!   conversation object in a `.json` file) goes through [`exact_number_ids`] once parsed: an id
//!   that the `Value` holds as an `f64` is replaced by its text as written, found in the document
//!   again. Documents without such an id (all but a few) are not looked at twice.
//! - The typed fast path of the vendor formats (`vendor::typed`) leaves a document with such
//!   an id to the general readers (see [`inexact`]), so that both give the same call.

use serde::de::{self, Deserialize, Deserializer, Unexpected};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// A number that `serde_json` holds as an `f64`: not an integer that fits 64 bits, so not
/// necessarily what the file wrote.
pub fn inexact(n: &Number) -> bool {
    n.is_f64()
}

/// An id of a JSONL line: a string, or a number as written (see the module); `None` for
/// `null` or a field that is not there. Anything else is an error ("expected a string or a
/// number"), and a number beyond `f64`'s range is one as serde_json would make it ("number out
/// of range"), so that the line is malformed as it was when ids were read as numbers.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let Some(raw) = Option::<&'de RawValue>::deserialize(d)? else {
        return Ok(None);
    };
    let raw = raw.get();
    match raw.as_bytes().first() {
        Some(b'"') => {
            let inner = &raw[1..raw.len() - 1];
            // The parser has checked the string; without escapes it is the text between the
            // quotes.
            if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
                Ok(Some(inner.to_string()))
            } else {
                serde_json::from_str::<String>(raw)
                    .map(Some)
                    .map_err(de::Error::custom)
            }
        }
        Some(b'-' | b'0'..=b'9') => {
            if raw.parse::<f64>().is_ok_and(f64::is_finite) {
                Ok(Some(raw.to_string()))
            } else {
                Err(de::Error::custom("number out of range"))
            }
        }
        Some(b't') => Err(de::Error::invalid_type(Unexpected::Bool(true), &EXPECTED)),
        Some(b'f') => Err(de::Error::invalid_type(Unexpected::Bool(false), &EXPECTED)),
        Some(b'[') => Err(de::Error::invalid_type(Unexpected::Seq, &EXPECTED)),
        _ => Err(de::Error::invalid_type(Unexpected::Map, &EXPECTED)),
    }
}

const EXPECTED: &str = "a string or a number";

/// Where a document may hold an id that may be written as a number: a key of an object, and
/// what is under it.
struct Node {
    key: &'static str,
    under: Under,
}

enum Under {
    /// The id itself.
    Id,
    /// An object, with ids somewhere in it.
    Object(&'static [Node]),
    /// An array whose first item (an object) has ids in it (`agentInfo[0].agentId`).
    FirstItem(&'static [Node]),
}

const fn id_at(key: &'static str) -> Node {
    Node {
        key,
        under: Under::Id,
    }
}

/// CCAI's `agentInfo[0]`.
const AGENT_INFO: &[Node] = &[id_at("agentId"), id_at("agent_id"), id_at("team")];
/// CCAI's `qualityMetadata`.
const QUALITY: &[Node] = &[
    Node {
        key: "agentInfo",
        under: Under::FirstItem(AGENT_INFO),
    },
    Node {
        key: "agent_info",
        under: Under::FirstItem(AGENT_INFO),
    },
];

/// Every id that a document of a format read through a `Value` takes as a string or a number
/// (CCAI's `name` is not one: a number there is refused). Each reader looks only at its own.
const IDS: &[Node] = &[
    // A conversation object (the JSONL shape).
    id_at("call_id"),
    id_at("contact_id"),
    id_at("conversation_id"),
    id_at("agent_id"),
    id_at("agent"),
    id_at("date"),
    id_at("team"),
    id_at("queue"),
    id_at("channel"),
    id_at("medium"),
    // Transcribe Call Analytics.
    id_at("JobName"),
    // Contact Lens.
    Node {
        key: "CustomerMetadata",
        under: Under::Object(&[id_at("ContactId")]),
    },
    // Genesys Cloud.
    id_at("conversationId"),
    // Google CCAI Insights (the API conversation).
    id_at("agentId"),
    Node {
        key: "qualityMetadata",
        under: Under::Object(QUALITY),
    },
    Node {
        key: "quality_metadata",
        under: Under::Object(QUALITY),
    },
];

/// Replaces each id of `doc` (parsed from `text`) that it holds as an `f64` with the number's
/// text as `text` writes it, as a string (which every reader takes where it takes a number).
/// A document without such an id is left as it is, and `text` is not read again.
pub fn exact_number_ids(text: &str, doc: &mut Value) {
    if let Value::Object(top) = doc
        && has_inexact(top, IDS)
    {
        replace(text, top, IDS);
    }
}

/// Whether an id under `nodes` is held as an `f64`.
fn has_inexact(object: &Map<String, Value>, nodes: &[Node]) -> bool {
    nodes
        .iter()
        .any(|node| match (object.get(node.key), &node.under) {
            (Some(Value::Number(n)), Under::Id) => inexact(n),
            (Some(Value::Object(o)), Under::Object(nodes)) => has_inexact(o, nodes),
            (Some(Value::Array(items)), Under::FirstItem(nodes)) => {
                matches!(items.first(), Some(Value::Object(o)) if has_inexact(o, nodes))
            }
            _ => false,
        })
}

/// `exact_number_ids` on an object and the text it was parsed from. The object's keys are read
/// again the way the `Value` took them: the last of a key written twice is the one there.
fn replace(text: &str, object: &mut Map<String, Value>, nodes: &[Node]) {
    let Ok(raw) = serde_json::from_str::<HashMap<String, &RawValue>>(text) else {
        return;
    };
    for node in nodes {
        let (Some(value), Some(raw)) = (object.get_mut(node.key), raw.get(node.key)) else {
            continue;
        };
        match (value, &node.under) {
            (value @ Value::Number(_), Under::Id) => {
                let written = raw.get();
                if matches!(value, Value::Number(n) if inexact(n))
                    && written.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
                {
                    *value = Value::String(written.to_string());
                }
            }
            (Value::Object(o), Under::Object(nodes)) if has_inexact(o, nodes) => {
                replace(raw.get(), o, nodes);
            }
            (Value::Array(items), Under::FirstItem(nodes)) => {
                if let Some(Value::Object(o)) = items.first_mut()
                    && has_inexact(o, nodes)
                    && let Ok(raw_items) = serde_json::from_str::<Vec<&RawValue>>(raw.get())
                    && let Some(first) = raw_items.first()
                {
                    replace(first.get(), o, nodes);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Line {
        #[serde(default, deserialize_with = "id")]
        call_id: Option<String>,
    }

    fn line_id(json: &str) -> Result<Option<String>, String> {
        serde_json::from_str::<Line>(json)
            .map(|l| l.call_id)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn ids_keep_their_digits_as_written() {
        for (written, id) in [
            ("\"C-1\"", "C-1"),
            ("\"caf\\u00e9 \\\"x\\\"\"", "café \"x\""),
            ("7", "7"),
            ("-3", "-3"),
            ("18446744073709551615", "18446744073709551615"),
            ("18446744073709551616", "18446744073709551616"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("1.5", "1.5"),
            ("1.50", "1.50"),
            ("1e3", "1e3"),
            ("-0", "-0"),
        ] {
            assert_eq!(
                line_id(&format!("{{\"call_id\": {written}}}")),
                Ok(Some(id.to_string())),
                "{written}"
            );
        }
        assert_eq!(line_id("{\"call_id\": null}"), Ok(None));
        assert_eq!(line_id("{}"), Ok(None));
    }

    #[test]
    fn other_values_are_errors_with_their_place() {
        for (written, says) in [
            (
                "true",
                "invalid type: boolean `true`, expected a string or a number",
            ),
            (
                "[1]",
                "invalid type: sequence, expected a string or a number",
            ),
            (
                "{\"a\": 1}",
                "invalid type: map, expected a string or a number",
            ),
            ("1e400", "number out of range"),
        ] {
            let e = line_id(&format!("{{\"call_id\": {written}}}")).unwrap_err();
            assert!(e.starts_with(says), "{written}: {e}");
            assert!(e.contains("line 1 column"), "{written}: {e}");
        }
    }

    fn fixed(text: &str) -> Value {
        let mut doc: Value = serde_json::from_str(text).unwrap();
        exact_number_ids(text, &mut doc);
        doc
    }

    #[test]
    fn a_value_gets_the_digits_its_document_wrote() {
        let doc = fixed(
            r#"{"JobName": 18446744073709551617, "CustomerMetadata": {"ContactId": 1.50, "x": 2.5},
                "conversationId": 7, "qualityMetadata": {"agentInfo": [{"agentId": 1e3, "team": 99999999999999999999}, {"agentId": 2.5}]},
                "SegmentStartTime": 0.25, "name": 1.5}"#,
        );
        assert_eq!(doc["JobName"], "18446744073709551617");
        assert_eq!(doc["CustomerMetadata"]["ContactId"], "1.50");
        // Not ids: left as they are.
        assert_eq!(doc["CustomerMetadata"]["x"], 2.5);
        assert_eq!(doc["SegmentStartTime"], 0.25);
        assert_eq!(doc["name"], 1.5);
        assert_eq!(doc["qualityMetadata"]["agentInfo"][1]["agentId"], 2.5);
        // 64-bit integers are exact already.
        assert_eq!(doc["conversationId"], 7);
        assert_eq!(doc["qualityMetadata"]["agentInfo"][0]["agentId"], "1e3");
        assert_eq!(
            doc["qualityMetadata"]["agentInfo"][0]["team"],
            "99999999999999999999"
        );
    }

    #[test]
    fn the_last_of_a_key_written_twice_is_the_one_read_as_in_the_value() {
        let doc = fixed(r#"{"call_id": 1.25, "call_id": 2.50}"#);
        assert_eq!(doc["call_id"], "2.50");
        let doc = fixed(r#"{"call_id": 1.25, "call_id": "x"}"#);
        assert_eq!(doc["call_id"], "x");
        let doc = fixed(
            r#"{"CustomerMetadata": {"ContactId": 1.5}, "CustomerMetadata": {"ContactId": 18446744073709551616}}"#,
        );
        assert_eq!(doc["CustomerMetadata"]["ContactId"], "18446744073709551616");
    }
}
