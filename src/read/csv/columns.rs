//! The columns of an utterance CSV: which header holds each role, by its usual names or `--map`.

use super::Cells;
use crate::read::{At, ReadContext, ReadError, ReadErrorKind};
use std::collections::HashSet;

/// What a column of the utterance CSV holds. `call`, `speaker` and `text` are required; the
/// others are read when present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Call,
    Agent,
    Speaker,
    Text,
    Order,
    Date,
    Start,
    End,
    Team,
    Queue,
    Channel,
}

impl Role {
    /// The roles in the order they are resolved (and `--map` errors are reported).
    const ALL: [Role; 11] = [
        Role::Call,
        Role::Agent,
        Role::Speaker,
        Role::Text,
        Role::Order,
        Role::Date,
        Role::Start,
        Role::End,
        Role::Team,
        Role::Queue,
        Role::Channel,
    ];

    /// The role's name, as `--map` spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Call => "call",
            Role::Agent => "agent",
            Role::Speaker => "speaker",
            Role::Text => "text",
            Role::Order => "order",
            Role::Date => "date",
            Role::Start => "start",
            Role::End => "end",
            Role::Team => "team",
            Role::Queue => "queue",
            Role::Channel => "channel",
        }
    }

    /// The header names recognised for the role.
    fn header_names(self) -> &'static [&'static str] {
        CANDIDATES
            .iter()
            .find(|(role, _)| *role == self)
            .map_or(&[], |(_, names)| names)
    }
}

/// Header names recognised for each role, after lower-casing and turning spaces and dashes
/// into underscores. The first column that matches wins. (`--metadata` uses them too.)
pub(crate) const CANDIDATES: &[(Role, &[&str])] = &[
    (
        Role::Call,
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
        Role::Agent,
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
        Role::Speaker,
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
        Role::Text,
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
        Role::Order,
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
        Role::Date,
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
        Role::Start,
        &[
            "start_ms",
            "begin_offset_millis",
            "start_offset_ms",
            "begin_ms",
        ],
    ),
    (Role::End, &["end_ms", "end_offset_millis", "end_offset_ms"]),
    (Role::Team, &["team", "team_name"]),
    (Role::Queue, &["queue", "queue_name"]),
    (Role::Channel, &["channel", "medium", "contact_channel"]),
];

/// Which column holds each role: the required roles always have one.
#[derive(Debug, Default)]
pub(super) struct Columns {
    pub(super) call: usize,
    pub(super) speaker: usize,
    pub(super) text: usize,
    pub(super) agent: Option<usize>,
    pub(super) order: Option<usize>,
    pub(super) date: Option<usize>,
    pub(super) start: Option<usize>,
    pub(super) end: Option<usize>,
    pub(super) team: Option<usize>,
    pub(super) queue: Option<usize>,
    pub(super) channel: Option<usize>,
}

pub(crate) fn header_key(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

/// The header for messages: its first columns, and how many there are when it is long (a
/// million-column header must not make a million-column message).
pub(super) fn header_list(headers: &[String]) -> String {
    const SHOWN: usize = 30;
    // Invisible characters written out: a column `call_id` with a zero-width space (or NULs)
    // is not `call_id`, and a list that printed them as nothing would say it is (tester t20).
    let shown: Vec<String> = headers
        .iter()
        .take(SHOWN)
        .map(|h| crate::sanitize::show_invisible(h))
        .collect();
    if headers.len() <= SHOWN {
        return shown.join(", ");
    }
    format!("{}, … ({} columns)", shown.join(", "), headers.len())
}

/// The column of each role, or the error naming a `--map` column that is not in the header
/// or the required roles no column holds.
pub(super) fn find_columns(
    headers: &[String],
    line: u64,
    ctx: &mut ReadContext<'_>,
) -> Result<Columns, ReadError> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let mut found = [None; Role::ALL.len()];
    for role in Role::ALL {
        found[role as usize] = role_column(role, &keys, headers, line, ctx)?;
        // Two columns of one name (`text` twice): the first is read, and it is said which.
        if let Some(col) = found[role as usize]
            && let Some(other) = (col + 1..keys.len()).find(|&i| keys[i] == keys[col])
        {
            ctx.acct.warn(format!(
                "{}:{line}: columns {} and {} are both named `{}`: column {} is read as the {} (rename the column that is not)",
                ctx.name,
                col + 1,
                other + 1,
                headers[col].trim().trim_start_matches('\u{feff}'),
                col + 1,
                role.name(),
            ));
        }
    }
    warn_other_fits(&found, &keys, headers, line, ctx);
    let get = |role: Role| found[role as usize];
    let (Some(call), Some(speaker), Some(text)) =
        (get(Role::Call), get(Role::Speaker), get(Role::Text))
    else {
        let missing: Vec<Role> = [Role::Call, Role::Speaker, Role::Text]
            .into_iter()
            .filter(|&role| get(role).is_none())
            .collect();
        return Err(missing_roles_error(&missing, headers, line, ctx));
    };
    Ok(Columns {
        call,
        speaker,
        text,
        agent: get(Role::Agent),
        order: get(Role::Order),
        date: get(Role::Date),
        start: get(Role::Start),
        end: get(Role::End),
        team: get(Role::Team),
        queue: get(Role::Queue),
        channel: get(Role::Channel),
    })
}

/// Warns when a role found by its usual names (not `--map`) had another column that fits it,
/// read as nothing else (`call_id` and `conversation_id`; `text` and `message`): which one is
/// read changes the calls, so it is said, with the way to choose.
fn warn_other_fits(
    found: &[Option<usize>; Role::ALL.len()],
    keys: &[String],
    headers: &[String],
    line: u64,
    ctx: &mut ReadContext<'_>,
) {
    let name = |col: usize| {
        headers[col]
            .trim()
            .trim_start_matches('\u{feff}')
            .to_string()
    };
    for role in Role::ALL {
        let Some(col) = found[role as usize] else {
            continue;
        };
        if ctx.options.map.get(role.name()).is_some() {
            continue;
        }
        let others: Vec<usize> = (0..keys.len())
            .filter(|&i| {
                i != col
                    && keys[i] != keys[col]
                    && role.header_names().contains(&keys[i].as_str())
                    && !found.contains(&Some(i))
            })
            .collect();
        if others.is_empty() {
            continue;
        }
        let others: Vec<String> = others
            .into_iter()
            .map(|i| format!("`{}`", name(i)))
            .collect();
        ctx.acct.warn(format!(
            "{}:{line}: columns `{}` and {} {} fit role `{}`: `{}` is read, the other{} not (--map {}=COLUMN to choose)",
            ctx.name,
            name(col),
            others.join(" and "),
            if others.len() == 1 { "both" } else { "all" },
            role.name(),
            name(col),
            if others.len() == 1 { "" } else { "s" },
            role.name(),
        ));
    }
}

/// The column `--map` names for the role (an error when the header lacks it), else the first
/// column with one of the role's usual names.
fn role_column(
    role: Role,
    keys: &[String],
    headers: &[String],
    line: u64,
    ctx: &ReadContext<'_>,
) -> Result<Option<usize>, ReadError> {
    let Some(mapped) = ctx.options.map.get(role.name()) else {
        return Ok(role
            .header_names()
            .iter()
            .find_map(|n| keys.iter().position(|h| h == n)));
    };
    let k = header_key(mapped);
    match keys.iter().position(|h| *h == k) {
        Some(col) => Ok(Some(col)),
        None => Err(ctx.error(
            At::Line(line),
            ReadErrorKind::MissingColumn,
            format!(
                "--map {}={mapped}: no such column; the header has: {}",
                role.name(),
                header_list(headers)
            ),
        )),
    }
}

/// The error for required roles no column holds (`missing` is not empty).
fn missing_roles_error(
    missing: &[Role],
    headers: &[String],
    line: u64,
    ctx: &ReadContext<'_>,
) -> ReadError {
    let expected: Vec<String> = missing
        .iter()
        .map(|role| format!("{} ({})", role.name(), role.header_names().join(" / ")))
        .collect();
    let example = missing.first().map_or("call", |role| role.name());
    ctx.error(At::Line(line), ReadErrorKind::MissingColumn, format!(
        "no column for {}; the header has: {}. Name the columns with --map, e.g. --map {example}=COLUMN",
        expected.join(", "),
        header_list(headers),
    ))
}

/// What tells a line of an utterance CSV to be a header rather than a row (two exports joined
/// with `cat`): the names of the file's own header and every role's usual names, as
/// `header_key` writes them.
pub(super) struct HeaderNames {
    /// The file's header, column by column.
    first: Vec<String>,
    /// Every name known: the file's header's and every role's.
    known: HashSet<String>,
    /// The names of a call column: the file's own and the usual ones.
    call: HashSet<String>,
    /// The first and the last bytes of the names known, and the longest: a cell that starts or
    /// ends with another byte, or is longer (most call ids: `C-1001`, `G00000123`, UUIDs), is
    /// no name, told in a few instructions a row.
    firsts: [bool; 256],
    lasts: [bool; 256],
    longest: usize,
    /// The call column.
    call_col: usize,
}

/// A byte of a name as `header_key` writes it.
fn key_byte(b: u8) -> u8 {
    match b {
        b' ' | b'-' => b'_',
        _ => b.to_ascii_lowercase(),
    }
}

/// A cell trimmed as `header_key` trims a name (a byte-order mark is where a joined file
/// began).
fn name_bytes(cell: &[u8]) -> &[u8] {
    let cell = cell.trim_ascii();
    cell.strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(cell)
        .trim_ascii()
}

impl HeaderNames {
    pub(super) fn new(headers: &[String], call_col: usize) -> HeaderNames {
        let first: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let mut known: HashSet<String> = first.iter().filter(|k| !k.is_empty()).cloned().collect();
        // Not the bare `call` of another file: an id could be that word, and a header whose
        // every cell is a name is caught anyway.
        let call_names = Role::Call.header_names().iter().filter(|n| **n != "call");
        let mut call: HashSet<String> = call_names.map(|n| n.to_string()).collect();
        call.extend(first.get(call_col).filter(|k| !k.is_empty()).cloned());
        for (_, names) in CANDIDATES {
            known.extend(names.iter().map(|n| n.to_string()));
        }
        let mut firsts = [false; 256];
        let mut lasts = [false; 256];
        let mut longest = 0;
        for k in &known {
            let (Some(&f), Some(&l)) = (k.as_bytes().first(), k.as_bytes().last()) else {
                continue;
            };
            firsts[usize::from(f)] = true;
            lasts[usize::from(l)] = true;
            longest = longest.max(k.len());
        }
        HeaderNames {
            first,
            known,
            call,
            firsts,
            lasts,
            longest,
            call_col,
        }
    }

    /// Whether `cell` may be a name known: `false` for most cells at the cost of a few
    /// comparisons (the check every row goes through).
    #[inline]
    fn may_be_name(&self, cell: &[u8]) -> bool {
        let cell = name_bytes(cell);
        match (cell.first(), cell.last()) {
            (Some(&f), Some(&l)) => {
                cell.len() <= self.longest
                    && self.firsts[usize::from(key_byte(f))]
                    && self.lasts[usize::from(key_byte(l))]
            }
            _ => false,
        }
    }

    fn key(cell: &[u8]) -> String {
        header_key(&String::from_utf8_lossy(name_bytes(cell)))
    }

    /// Whether a record is a header: its cell in the call column names a call column (the file's
    /// own, in any letter case, or one of the usual names but `call`), or every one of its
    /// cells names a column known.
    pub(super) fn is_header(&self, record: &impl Cells) -> bool {
        let Some(call) = record.get(self.call_col).filter(|c| self.may_be_name(c)) else {
            return false;
        };
        let call = Self::key(call);
        self.call.contains(&call)
            || (self.known.contains(&call)
                && record
                    .iter()
                    .all(|c| self.may_be_name(c) && self.known.contains(&Self::key(c))))
    }

    /// Whether a header's cells name the file's header's columns, in the same order (letter
    /// case, spaces and dashes aside, as columns are found by).
    pub(super) fn is_first(&self, record: &impl Cells) -> bool {
        record.len() == self.first.len()
            && record
                .iter()
                .zip(&self.first)
                .all(|(c, k)| Self::key(c) == *k)
    }
}
