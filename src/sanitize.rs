//! Text from outside (transcripts, ids, file names, headers) made safe for where it is shown:
//! a terminal, a CSV cell a spreadsheet opens, HTML, Markdown. Every renderer, record writer
//! and command escapes through here, so there is one place to check and to fix.

use std::borrow::Cow;

/// Neutralises a CSV cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// tab, CR at the start): transcript text is written by customers.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A CSV cell from transcript data: control and escape sequences removed first (so none can
/// hide a leading `=`), then neutralised.
pub fn csv_cell(s: &str) -> String {
    neutralise(&terminal_safe(s)).into_owned()
}

/// Like `terminal_safe`, but keeps line breaks (for multi-line messages).
pub fn terminal_safe_lines(s: &str) -> String {
    s.lines()
        .map(|l| terminal_safe(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Bidirectional-text controls: embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and the marks (U+200E, U+200F, U+061C). An override in a call id or a
/// turn reverses what follows it on screen, so `evil.exe\u{202E}txt.csv` reads as another
/// name and one agent's line can pass for another's.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A character that shows as nothing, or as a plain space, wherever the id is printed: control
/// characters, bidirectional-text controls, zero-width and other default-ignorable format
/// characters, and the no-break space. Two ids that differ only in these print alike.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{00A0}'
                | '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// An id as a reader of a report sees it: escape sequences and invisible characters dropped,
/// a no-break space a space.
pub fn as_seen(s: &str) -> String {
    // Escape sequences go whole, as `terminal_safe` takes them out of what is printed.
    terminal_safe(s)
        .chars()
        .filter_map(|c| match c {
            '\u{00A0}' => Some(' '),
            c if is_invisible(c) => None,
            c => Some(c),
        })
        .collect()
}

/// An id with its invisible characters written out (`ann.lee\u{200b}`), for a message that
/// must tell two lookalike ids apart.
pub fn show_invisible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A character that `terminal_safe` drops or replaces: control characters other than tab,
/// and bidirectional-text controls.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

/// Text from transcripts made safe for a terminal: escape sequences (CSI, OSC), other control
/// characters and bidirectional-text controls are removed, so a transcript cannot recolour,
/// retitle or clear the screen of whoever reads the report, nor reorder what it shows.
/// Newlines become spaces, tabs stay.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(c),
            '\n' | '\r' => out.push(' '),
            '\u{1b}' => match chars.peek() {
                // CSI: parameters and intermediates, up to a final byte @..~
                Some('[') => {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                // OSC, DCS, PM, APC: up to BEL or ESC \
                Some(']' | 'P' | '^' | '_') => {
                    chars.next();
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            },
            c if unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    out.into()
}

/// Escapes text for HTML content and attribute values; control characters go first.
pub fn html_text(s: &str) -> String {
    let safe = terminal_safe(s);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown table cell or paragraph: control characters go, and every
/// character Markdown could read as markup is backslash-escaped.
pub fn markdown_text(s: &str) -> String {
    let safe = terminal_safe(s);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_strips_escapes_and_controls() {
        assert_eq!(terminal_safe("plain"), "plain");
        assert_eq!(terminal_safe("a\x1b[31mred\x1b[0m b"), "ared b");
        assert_eq!(terminal_safe("t\x1b]0;pwned\x07itle"), "title");
        assert_eq!(terminal_safe("x\x1b]8;;http://e\x1b\\y"), "xy");
        assert_eq!(terminal_safe("bell\x07\x08 line\nnext"), "bell line next");
    }
    #[test]
    fn terminal_safe_drops_bidi_controls() {
        assert_eq!(terminal_safe("ann\u{202E}lanigiro"), "annlanigiro");
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            assert_eq!(terminal_safe(&format!("a{c}b")), "ab", "U+{:04X}", c as u32);
        }
        // Letters of right-to-left scripts are text, not controls.
        assert_eq!(terminal_safe("שלום مرحبا"), "שלום مرحبا");
        assert_eq!(csv_cell("\u{202E}=1+1"), "'=1+1");
    }
    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("ann"), "ann");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("+1"), "'+1");
    }
    #[test]
    fn csv_cells_lose_escapes_before_the_formula_check() {
        assert_eq!(csv_cell("\x1b[0m=1+1"), "'=1+1");
        assert_eq!(csv_cell("\u{7}@cmd"), "'@cmd");
        assert_eq!(csv_cell("fine"), "fine");
    }

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            html_text("<script>alert('x')</script>&\x1b[2J"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }

    #[test]
    fn markup_in_keys_is_escaped() {
        assert_eq!(markdown_text("a|b"), "a\\|b");
        assert_eq!(markdown_text("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(markdown_text("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(markdown_text("ann.lee"), "ann.lee");
        assert_eq!(markdown_text("a\x1b[31mb\nc"), "ab c");
    }
}
