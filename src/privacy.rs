//! Personal data in quoted transcript text (evidence files, per-call JSONL, `explain`).
//!
//! Payment-card-like numbers — 13 to 19 digits passing the Luhn check, in groups separated by
//! anything short that is not a letter or digit (spaces, line breaks, dashes of any kind, dots,
//! slashes, zero-width and thin spaces, soft hyphens: up to four such characters) — are always
//! masked: customers read them out, agents type them back, and speech-to-text punctuates them
//! every way. Digits of any script count (full-width `４１１１`, Arabic-Indic, Devanagari, …).
//! `--redact` also masks every run of 4 or more digits, e-mail addresses and phone numbers.
//!
//! Masking replaces each masked character with a mask of the same UTF-8 length (`*` for an
//! ASCII character, `＊` for a three-byte digit such as a full-width one), so the masked text
//! has exactly the byte length of the original: byte offsets of matches into the turn text
//! (explain's highlighting, evidence windows) stay valid on the masked text.

use regex::Regex;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

const MASK: u8 = b'*';

/// Card numbers are 13–19 digits long.
const CARD_DIGITS: std::ops::RangeInclusive<usize> = 13..=19;

/// Phone numbers have 7–15 digits (E.164 allows at most 15).
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+").expect("email regex")
});

/// A possible phone number: digits with the punctuation people write between them.
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\(?\d[\d ().\-]{5,}\d").expect("phone regex"));

static DIGIT_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4,}").expect("digit-run regex"));

/// What to mask in quoted text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Masker {
    /// `--redact`: digit runs of 4+, e-mail addresses, phone numbers (cards are always masked).
    pub redact: bool,
}

impl Masker {
    pub fn new(redact: bool) -> Masker {
        Masker { redact }
    }

    /// The text with card numbers (and, with `--redact`, the rest) masked; same byte length.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        // Digits of other scripts are not ASCII.
        let worth_a_look = text
            .bytes()
            .any(|b| b.is_ascii_digit() || !b.is_ascii() || (self.redact && b == b'@'));
        if !worth_a_look {
            return text.into();
        }
        let mut bytes = text.as_bytes().to_vec();
        let mut changed = mask_cards(text, &mut bytes);
        if self.redact {
            for m in DIGIT_RUN.find_iter(text) {
                changed |= mask_digits(text, &mut bytes, m.range());
            }
            for m in EMAIL.find_iter(text) {
                changed |= mask_where(&mut bytes, m.range(), |b| b != b'@' && b != b'.');
            }
            for m in PHONE.find_iter(text) {
                let digits = m.as_str().chars().filter(|&c| is_digit(c)).count();
                if PHONE_DIGITS.contains(&digits) {
                    changed |= mask_digits(text, &mut bytes, m.range());
                }
            }
        }
        if !changed {
            return text.into();
        }
        // Whole characters were replaced by masks of their length: still UTF-8, same length.
        String::from_utf8(bytes)
            .expect("masking replaces whole characters")
            .into()
    }
}

/// Replaces the bytes of `range` that `pick` selects with the mask; returns whether any were.
fn mask_where(bytes: &mut [u8], range: Range<usize>, pick: impl Fn(u8) -> bool) -> bool {
    let mut changed = false;
    for b in &mut bytes[range] {
        if b.is_ascii() && *b != MASK && pick(*b) {
            *b = MASK;
            changed = true;
        }
    }
    changed
}

/// The zero of every run of decimal digits in Unicode (general category Nd, Unicode 14): each
/// run is the ten digits 0–9 in order, which Unicode guarantees.
const DIGIT_ZEROS: [u32; 66] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
    0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a decimal digit of any script (`7`, `７`, `٧`, `७`), `None` for anything else.
pub fn digit_value(c: char) -> Option<u8> {
    if c.is_ascii() {
        return c.is_ascii_digit().then(|| c as u8 - b'0');
    }
    let cp = c as u32;
    let i = DIGIT_ZEROS.partition_point(|&z| z <= cp).checked_sub(1)?;
    let v = cp - DIGIT_ZEROS[i];
    (v < 10).then_some(v as u8)
}

fn is_digit(c: char) -> bool {
    digit_value(c).is_some()
}

/// The mask for a character of `len` bytes: `*`, or `＊` (U+FF0A) for three bytes, else as
/// many `*` as bytes.
fn mask_of(len: usize, out: &mut [u8]) {
    if len == 3 {
        out.copy_from_slice("＊".as_bytes());
    } else {
        out.fill(MASK);
    }
}

/// Masks the digits (of any script) of `text[range]` in `bytes`; returns whether any were.
fn mask_digits(text: &str, bytes: &mut [u8], range: Range<usize>) -> bool {
    let mut changed = false;
    for (i, c) in text[range.clone()].char_indices() {
        if is_digit(c) {
            let at = range.start + i..range.start + i + c.len_utf8();
            let mut mask = [0u8; 4];
            let mask = &mut mask[..at.len()];
            mask_of(at.len(), mask);
            if bytes[at.clone()] != *mask {
                bytes[at].copy_from_slice(mask);
                changed = true;
            }
        }
    }
    changed
}

/// At most this many characters may separate two groups of one card number.
const MAX_SEPARATOR_CHARS: usize = 4;

/// One run of digits in a possible card number.
struct Group {
    /// Byte range in the text.
    bytes: Range<usize>,
    /// Range of its digits in the sequence's ASCII digit string.
    digits: Range<usize>,
}

/// Masks every card-like number: a sequence of digit groups, each separated from the next by at
/// most `MAX_SEPARATOR_CHARS` characters that are neither letters nor digits, of which some
/// consecutive groups hold 13–19 digits that pass the Luhn check. Looking at whole groups finds
/// a card that is followed by its expiry or security code ("4111 1111 1111 1111 123"), without
/// masking arbitrary windows of a long unbroken number.
fn mask_cards(text: &str, bytes: &mut [u8]) -> bool {
    let mut changed = false;
    let mut groups: Vec<Group> = Vec::new();
    // The sequence's digits as ASCII, whatever their script, for the Luhn check.
    let mut digits: Vec<u8> = Vec::new();
    // Characters since the last digit; `None` once they can no longer separate groups.
    let mut gap: Option<usize> = Some(0);
    let mut in_group = false;
    for (i, c) in text.char_indices() {
        if let Some(d) = digit_value(c) {
            let end = i + c.len_utf8();
            if in_group {
                let g = groups.last_mut().expect("in a group");
                g.bytes.end = end;
                g.digits.end += 1;
            } else {
                if gap.is_none() {
                    changed |= mask_sequence(&groups, &digits, text, bytes);
                    groups.clear();
                    digits.clear();
                }
                groups.push(Group {
                    bytes: i..end,
                    digits: digits.len()..digits.len() + 1,
                });
            }
            digits.push(b'0' + d);
            in_group = true;
            gap = Some(0);
        } else {
            in_group = false;
            gap = match gap {
                Some(n) if n < MAX_SEPARATOR_CHARS && !c.is_alphanumeric() => Some(n + 1),
                _ => None,
            };
        }
    }
    changed |= mask_sequence(&groups, &digits, text, bytes);
    changed
}

/// Masks the runs of consecutive groups of one sequence that make a card number.
fn mask_sequence(groups: &[Group], digits: &[u8], text: &str, bytes: &mut [u8]) -> bool {
    let mut changed = false;
    for first in 0..groups.len() {
        for last in first..groups.len() {
            let number = &digits[groups[first].digits.start..groups[last].digits.end];
            if number.len() > *CARD_DIGITS.end() {
                break;
            }
            if CARD_DIGITS.contains(&number.len()) && luhn_valid(number) {
                for g in &groups[first..=last] {
                    changed |= mask_digits(text, bytes, g.bytes.clone());
                }
            }
        }
    }
    changed
}

/// The Luhn checksum of a string of ASCII digits.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (k, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if k % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn always(s: &str) -> String {
        Masker::new(false).mask(s).into_owned()
    }

    fn redacted(s: &str) -> String {
        Masker::new(true).mask(s).into_owned()
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid(b"4111111111111111"));
        assert!(luhn_valid(b"378282246310005"));
        assert!(!luhn_valid(b"4111111111111112"));
        assert!(!luhn_valid(b""));
    }

    #[test]
    fn cards_are_always_masked() {
        assert_eq!(
            always("card 4111 1111 1111 1111 thanks"),
            "card **** **** **** **** thanks"
        );
        assert_eq!(always("4111-1111-1111-1111"), "****-****-****-****");
        assert_eq!(always("it's 4111111111111111."), "it's ****************.");
        assert_eq!(always("amex 3782 822463 10005"), "amex **** ****** *****");
    }

    #[test]
    fn a_card_followed_by_its_code_is_found() {
        assert_eq!(
            always("4111 1111 1111 1111 123 exp 12/27"),
            "**** **** **** **** 123 exp 12/27"
        );
    }

    #[test]
    fn cards_are_masked_whatever_separates_their_groups() {
        for sep in [
            "\n",
            "\r\n",
            "  ",
            " - ",
            "--",
            " -- ",
            ".",
            ". ",
            "/",
            " / ",
            "\u{200B}",
            "\u{2009}",
            "\u{202F}",
            "\u{00A0}",
            "\u{00AD}",
            "\u{2013}",
            " \u{2013} ",
            "\u{2014}",
            "\u{2212}",
            "\u{3000}",
            "\t",
            ", ",
            "_",
        ] {
            let text = format!("card 4111{sep}1111{sep}1111{sep}1111 ok");
            let masked = always(&text);
            assert!(!masked.contains('1'), "{sep:?}: {masked}");
            assert_eq!(masked.len(), text.len(), "{sep:?}");
            assert!(masked.starts_with("card ****") && masked.ends_with("**** ok"));
        }
        // Digits of other scripts, and the separators between them, whatever they are.
        let full = "カード４１１１　１１１１　１１１１　１１１１です";
        assert_eq!(
            always(full),
            "カード＊＊＊＊　＊＊＊＊　＊＊＊＊　＊＊＊＊です"
        );
        let arabic = "٤١١١ ١١١١ ١١١١ ١١١١";
        assert_eq!(always(arabic), "******** ******** ******** ********");
        let mixed = "4111 １１１１ 1111 1111";
        assert_eq!(always(mixed), "**** ＊＊＊＊ **** ****");
    }

    #[test]
    fn words_or_long_gaps_keep_numbers_apart() {
        for s in [
            "4111 and 1111 and 1111 and 1111",
            "4111     1111     1111     1111",
            "order 4111 1111 1111 1112",
        ] {
            assert_eq!(always(s), s);
        }
    }

    #[test]
    fn digit_values_of_every_script() {
        assert_eq!(digit_value('7'), Some(7));
        assert_eq!(digit_value('７'), Some(7));
        assert_eq!(digit_value('٧'), Some(7));
        assert_eq!(digit_value('७'), Some(7));
        assert_eq!(digit_value('𝟕'), Some(7));
        for c in ['a', '²', '½', 'Ⅶ', '٫', '/', '＊'] {
            assert_eq!(digit_value(c), None, "{c}");
        }
    }

    #[test]
    fn numbers_failing_luhn_or_too_short_stay() {
        let s = "order 4111 1111 1111 1112, ref 123456789012, ticket 8841";
        assert_eq!(always(s), s);
        assert!(matches!(Masker::new(false).mask(s), Cow::Borrowed(_)));
    }

    #[test]
    fn redact_masks_digit_runs_emails_and_phones() {
        assert_eq!(redacted("PIN 1234, 3 items"), "PIN ****, 3 items");
        assert_eq!(
            redacted("mail jane.doe@example.com now"),
            "mail ****.***@*******.*** now"
        );
        assert_eq!(redacted("call (555) 123-4567"), "call (***) ***-****");
        assert_eq!(redacted("+44 20 7946 0958"), "+** ** **** ****");
        assert_eq!(redacted("on the 3rd at 10:30"), "on the 3rd at 10:30");
        assert_eq!(redacted("PIN ４３２１"), "PIN ＊＊＊＊");
    }

    #[test]
    fn masking_keeps_the_byte_length() {
        for s in [
            "café 4111 1111 1111 1111 — jane@example.com ☎ 07700 900123",
            "plain",
            "",
        ] {
            assert_eq!(always(s).len(), s.len());
            assert_eq!(redacted(s).len(), s.len());
        }
    }
}
