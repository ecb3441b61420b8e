//! Field types for the typed fast path (`vendor::typed`) that take a value the way the `Value`
//! readers look at it, so that a document read either way gives the same call: a string that
//! borrows from the file when it has no escapes, an id that may be a string or a number, an
//! object whose fields are looked up with `Value::get` (anything else has none of them), and
//! the first item of an array.
//!
//! They never fail on a value of another type (that is what `Value::get`, `as_str`, `as_f64`
//! do), except [`Text`], which wants a string like the `Option<String>` fields it replaces.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A string, borrowed from the document when it has no escapes. (`Option<Cow<str>>` with
/// `#[serde(borrow)]` does not borrow: serde only borrows a `Cow` that is the field's type.)
#[derive(Debug, Clone, PartialEq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// `text.as_deref()` for an optional [`Text`].
pub fn text<'t>(t: &'t Option<Text<'_>>) -> Option<&'t str> {
    t.as_ref().map(|t| &*t.0)
}

/// Any JSON value, kept only as far as the `Value` readers use it: a string, a number, or
/// something else (`null`, a boolean, an array, an object: skipped, not kept).
#[derive(Debug, Clone, PartialEq)]
pub enum Loose<'a> {
    Str(Cow<'a, str>),
    Num(Number),
    Null,
    Other,
}

impl Loose<'_> {
    /// `Value::as_str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `Value::as_f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Loose::Num(n) => n.as_f64(),
            _ => None,
        }
    }

    /// `Value::as_i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Loose::Num(n) => n.as_i64(),
            _ => None,
        }
    }

    /// A number that `serde_json` holds as an `f64`, whose digits may not be those written
    /// (see `read::json_id`).
    pub fn inexact(&self) -> bool {
        matches!(self, Loose::Num(n) if crate::read::json_id::inexact(n))
    }

    /// `vendor::id_text`: a string (not a placeholder) or a number as text.
    pub fn id_text(&self) -> Option<String> {
        match self {
            Loose::Str(s) => crate::read::known_id(s).map(str::to_string),
            Loose::Num(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// `vendor::id_text` of an optional field.
pub fn id_text(v: Option<&Loose<'_>>) -> Option<String> {
    v.and_then(Loose::id_text)
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Loose<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Owned(v)))
            }
            // As `serde_json::Value` keeps numbers.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose<'a>, E> {
                Ok(Loose::Num(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose<'a>, E> {
                Ok(Loose::Num(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose<'a>, E> {
                Ok(Number::from_f64(v).map_or(Loose::Null, Loose::Num))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Loose<'a>, E> {
                Ok(Loose::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Loose<'a>, E> {
                Ok(Loose::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loose<'a>, E> {
                Ok(Loose::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An object read as `T`, and nothing else. A derived struct also takes an array, its items as
/// the fields in the order they are declared (`["agent", "I am so sorry"]` as a speaker and a
/// text): data read by position, not by name. Here an array, or any other value, is an error
/// ("invalid type: sequence, expected an object").
#[derive(Debug, Clone, PartialEq)]
pub struct Strict<T>(pub T);

impl<T> std::ops::Deref for Strict<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Strict<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Strict<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Strict<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Strict)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// An object read as `T` (whose fields are all optional: what `Value::get` finds), or `None`
/// for anything that is not an object (where `Value::get` finds nothing). Unlike a derived
/// struct, an array is not read field by field.
#[derive(Debug)]
pub struct Obj<T>(pub Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }
            fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The first item of an array (`Value::as_array` then `first`), read as `T`; `None` for an
/// empty array or anything that is not an array. The other items are skipped.
#[derive(Debug)]
pub struct First<T>(pub Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<First<T>, A::Error> {
                let first = seq.next_element::<T>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<First<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(First(None))
            }
            fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<First<T>, E> {
                Ok(First(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<First<T>, E> {
                Ok(First(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<First<T>, E> {
                Ok(First(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<First<T>, E> {
                Ok(First(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<First<T>, E> {
                Ok(First(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<First<T>, E> {
                Ok(First(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<First<T>, E> {
                Ok(First(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<First<T>, E> {
                Ok(First(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[derive(serde::Deserialize)]
    struct Strings<'a> {
        #[serde(borrow)]
        text: Option<Text<'a>>,
        #[serde(borrow)]
        cow: Option<Cow<'a, str>>,
    }

    #[test]
    fn text_borrows_inside_an_option_where_cow_does_not() {
        let s: Strings<'_> = serde_json::from_str(r#"{"text": "a", "cow": "b"}"#).unwrap();
        assert!(matches!(s.text.unwrap().0, Cow::Borrowed("a")));
        assert!(matches!(s.cow.unwrap(), Cow::Owned(_)));
        let s: Strings<'_> = serde_json::from_str(r#"{"text": "\u00e9", "cow": null}"#).unwrap();
        assert_eq!(&*s.text.unwrap(), "é");
        assert!(serde_json::from_str::<Strings<'_>>(r#"{"text": 1}"#).is_err());
    }

    /// `Loose` gives what `Value` gives, for every kind of value.
    #[test]
    fn loose_is_what_value_says() {
        for raw in [
            r#""x""#,
            r#""a\"b""#,
            "12",
            "-3",
            "1.5",
            "1e3",
            "18446744073709551615",
            "null",
            "true",
            "[1, [2]]",
            r#"{"a": {"b": 1}}"#,
            r#""None""#,
            r#"" ""#,
        ] {
            let v: Value = serde_json::from_str(raw).unwrap();
            let l: Loose<'_> = serde_json::from_str(raw).unwrap();
            assert_eq!(l.as_str(), v.as_str(), "{raw}");
            assert_eq!(l.as_f64(), v.as_f64(), "{raw}");
            assert_eq!(l.as_i64(), v.as_i64(), "{raw}");
            assert_eq!(l.id_text(), super::super::id_text(Some(&v)), "{raw}");
        }
    }

    #[derive(serde::Deserialize, Debug)]
    struct A {
        a: Option<u32>,
    }

    /// A derived struct takes an array field by field; `Strict` takes only an object, and
    /// still borrows its strings.
    #[test]
    fn strict_takes_only_objects() {
        assert_eq!(
            serde_json::from_str::<A>("[7]").unwrap().a,
            Some(7),
            "what serde derives"
        );
        let e = serde_json::from_str::<Strict<A>>("[7]").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid type: sequence, expected an object"),
            "{e}"
        );
        let v: Value = serde_json::from_str("[7]").unwrap();
        assert!(Strict::<A>::deserialize(&v).is_err());
        assert_eq!(
            serde_json::from_str::<Strict<A>>(r#"{"a": 3}"#).unwrap().a,
            Some(3)
        );
        let s: Strict<Strings<'_>> = serde_json::from_str(r#"{"text": "a"}"#).unwrap();
        assert!(matches!(s.text.as_ref().unwrap().0, Cow::Borrowed("a")));
    }

    #[test]
    fn obj_and_first_take_only_objects_and_arrays() {
        let o: Obj<A> = serde_json::from_str(r#"{"a": 1, "b": [1]}"#).unwrap();
        assert_eq!(o.0.unwrap().a, Some(1));
        for other in ["[1]", "1", "\"s\"", "null", "true"] {
            assert!(serde_json::from_str::<Obj<A>>(other).unwrap().0.is_none());
        }
        let f: First<Obj<A>> = serde_json::from_str(r#"[{"a": 2}, {"a": "x"}]"#).unwrap();
        assert_eq!(f.0.unwrap().0.unwrap().a, Some(2));
        for other in ["[]", "{}", "1", "null"] {
            assert!(
                serde_json::from_str::<First<Obj<A>>>(other)
                    .unwrap()
                    .0
                    .is_none()
            );
        }
    }
}
