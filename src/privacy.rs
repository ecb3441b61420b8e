//! Personal data in quoted transcript text (evidence files, per-call JSONL, `explain`).
//!
//! Payment-card-like numbers — 13 to 19 digits, optionally grouped by single spaces or dashes,
//! passing the Luhn check — are always masked: customers read them out and agents type them
//! back. `--redact` also masks every run of 4 or more digits, e-mail addresses and phone
//! numbers.
//!
//! Masking replaces each masked character with `*`, and only ASCII characters are ever masked,
//! so the masked text has exactly the byte length of the original: byte offsets of matches into
//! the turn text (explain's highlighting) stay valid on the masked text.

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
    LazyLock::new(|| Regex::new(r"\+?\(?[0-9][0-9 ().\-]{5,}[0-9]").expect("phone regex"));

static DIGIT_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9]{4,}").expect("digit-run regex"));

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
        let worth_a_look = text
            .bytes()
            .any(|b| b.is_ascii_digit() || (self.redact && b == b'@'));
        if !worth_a_look {
            return text.into();
        }
        let mut bytes = text.as_bytes().to_vec();
        let mut changed = mask_cards(text, &mut bytes);
        if self.redact {
            for m in DIGIT_RUN.find_iter(text) {
                changed |= mask_where(&mut bytes, m.range(), |b| b.is_ascii_digit());
            }
            for m in EMAIL.find_iter(text) {
                changed |= mask_where(&mut bytes, m.range(), |b| b != b'@' && b != b'.');
            }
            for m in PHONE.find_iter(text) {
                let digits = m.as_str().bytes().filter(u8::is_ascii_digit).count();
                if PHONE_DIGITS.contains(&digits) {
                    changed |= mask_where(&mut bytes, m.range(), |b| b.is_ascii_digit());
                }
            }
        }
        if !changed {
            return text.into();
        }
        // Only ASCII bytes were replaced, by ASCII bytes: still UTF-8, same length.
        String::from_utf8(bytes)
            .expect("masking replaces ASCII with ASCII")
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

/// Masks every card-like number: a sequence of digit groups joined by single spaces or dashes,
/// of which some consecutive groups hold 13–19 digits that pass the Luhn check. Looking at
/// whole groups finds a card that is followed by its expiry or security code ("4111 1111 1111
/// 1111 123"), without masking arbitrary windows of a long unbroken number.
fn mask_cards(text: &str, bytes: &mut [u8]) -> bool {
    let b = text.as_bytes();
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // Collect the groups of this sequence.
        let mut groups: Vec<Range<usize>> = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            groups.push(start..j);
            let joined =
                j + 1 < b.len() && matches!(b[j], b' ' | b'-') && b[j + 1].is_ascii_digit();
            if !joined {
                break;
            }
            j += 1;
        }
        for first in 0..groups.len() {
            let mut digits = 0;
            for last in first..groups.len() {
                digits += groups[last].len();
                if digits > *CARD_DIGITS.end() {
                    break;
                }
                if CARD_DIGITS.contains(&digits) {
                    let number: Vec<u8> = groups[first..=last]
                        .iter()
                        .flat_map(|g| b[g.clone()].iter().copied())
                        .collect();
                    if luhn_valid(&number) {
                        for g in &groups[first..=last] {
                            changed |= mask_where(bytes, g.clone(), |c| c.is_ascii_digit());
                        }
                    }
                }
            }
        }
        i = j;
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
