//! Argument definitions. Each subcommand's help reads like a man page, with examples; the
//! behaviour lives in `commands/`.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use callaudit::read::identity::AgentCase;
pub use callaudit::records::CallsFormat;
use callaudit::report::gates::GateArgs;

#[derive(Debug, Parser)]
#[command(
    name = "callaudit",
    version,
    about = "Audit call-centre transcripts for de-escalation technique",
    long_about = "callaudit reads exported call and chat transcripts, checks every call against a \
rubric of de-escalation techniques (empathy, apology, mirroring the complaint, clarifying \
questions, realistic solutions, checking for other concerns, thanks, follow-up) and the things \
to avoid (hold, transfers, over-promising, dismissive language, premature escalation, \
interrupting), and reports per-agent compliance.",
    after_long_help = "EXAMPLES:
    callaudit audit exports/ --last 7d
    callaudit audit exports/ --format csv -o report.csv --calls per-call.csv
    callaudit explain exports/ --call C-1003
    callaudit rubric show > my-rubric.toml

CONFIGURATION:
    Every audit option can also come from the environment (CALLAUDIT_ and the option's name:
    CALLAUDIT_FAIL_UNDER=75) or from a config file (./callaudit.toml, --config FILE or
    CALLAUDIT_CONFIG). The command line wins over the environment, which wins over the file.
    A CALLAUDIT_ variable that no option reads (a typo) is ignored with a warning.
    `callaudit config show` prints the effective configuration and where each value came from.

EXIT STATUS:
    0  success
    1  a gate failed (--fail-under, --fail-agent-under, --fail-on, --fail-item-under,
       --fail-drop, --max-skipped) or, for calibrate, a kappa is below --min-kappa
    2  usage error, unreadable or invalid input, nothing to audit, or an output or
       temporary file (TMPDIR) that cannot be written; no output is then replaced"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Read option defaults from FILE instead of ./callaudit.toml (see `callaudit config show`)
    #[arg(long, global = true, value_name = "FILE", env = "CALLAUDIT_CONFIG")]
    pub config: Option<PathBuf>,

    /// Ignore ./callaudit.toml and CALLAUDIT_CONFIG
    #[arg(long, global = true)]
    pub no_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit transcripts and print a per-agent compliance report
    #[command(
        long_about = "Audit every call in the inputs against the rubric and print one line per \
agent (or team, day, week, queue): calls, upset calls, mean score, pass rate, the share of calls \
where each expected item was met, the share of calls with a violation and with each violation, \
and the share of upset customers who calmed down.

INPUT is a file, a directory (read recursively: .csv .tsv .jsonl .ndjson .json .vtt .txt and \
their .gz) or - for stdin. A call's rows may be spread over several files; they are merged by \
call id.

The report goes to stdout (or -o FILE, written atomically); warnings and the run summary go to \
stderr.",
        after_long_help = "EXAMPLES:
    Audit last week's exports and show the table:
        callaudit audit exports/ --last 7d

    The weakest agents with at least 10 calls, weakest first:
        callaudit audit exports/ --sort score --bottom 5 --min-calls 10

    The agents who miss empathy most (of the upset calls each had), and those who transfer most:
        callaudit audit exports/ --sort empathy --min-calls 10
        callaudit audit exports/ --sort -transfer

    One agent's calls, one line each, then why one of them failed:
        callaudit audit exports/ --agent bo.chen --group-by call --sort score
        callaudit explain exports/ --call C-1003

    Teams, with each team's agents under it; agents week by week:
        callaudit audit exports/ --metadata contacts.csv --group-by team,agent
        callaudit audit exports/ --group-by agent,week

    Nightly job: JSON report, per-call CSV, fail when the mean drops below 75:
        callaudit audit exports/ --format json -o report.json --calls calls.csv --fail-under 75

    Nightly gates: at most 0.5% bad rows, transfers in at most 5% of calls, empathy met in at
    least 60% of the calls where it applies, no drop of more than 5 points since yesterday:
        callaudit audit exports/ --last 1d --max-skipped 0.5% --fail-on 'transfer>5%' \\
            --fail-item-under empathy=60 --baseline yesterday.json --fail-drop 5

    The same from a config file (./callaudit.toml; see `callaudit config show`):
        inputs = [\"exports/\"]
        last = \"1d\"
        max-skipped = \"0.5%\"
        fail-on = [\"transfer>5%\"]
        fail-item-under = [\"empathy=60\"]

    The manager's dashboard, compared with last week's JSON report:
        callaudit audit exports/ --format html -o report.html --baseline report.json

    Per-call records to another program:
        callaudit audit exports/ -o report.json --format json --calls - \\
            --calls-format jsonl | head -1

    A CSV with unusual column names:
        callaudit audit export.csv --map call=Ticket,speaker=From,text=Body

    Only two agents, with your own rubric:
        callaudit audit exports/ --agent ann.lee --agent bo.chen --rubric my-rubric.toml

    Spanish calls, with the built-in Spanish rubric (builtin:fr for French):
        callaudit audit examples/es/llamadas.csv --rubric builtin:es

EXIT STATUS:
    0  the report was written
    1  a gate failed (--fail-under, --fail-agent-under, --fail-on, --fail-item-under,
       --fail-drop, --max-skipped); the report was written
    2  usage error, unreadable or invalid input, nothing to audit, or an output or
       temporary file (TMPDIR) that cannot be written; no output is then replaced"
    )]
    Audit(Box<AuditArgs>),

    /// Show one call with every match highlighted and every verdict explained
    #[command(
        long_about = "Print one call's transcript with each turn's matched phrases highlighted \
(in colour on a terminal, [[like this]] otherwise), then every rubric item's verdict (met, \
missed, n/a, violated, present, absent) with the reason, the matches that did not count and \
why (the first 5 per item; --all for every one), and the score arithmetic.

With --overrides SHEET, the reviewers' verdicts on the call replace the tool's as `audit \
--overrides SHEET` replaces them: the items they judged say \"the reviewer says yes (the tool: \
…)\", which items apply is decided again, and the score is the one the overridden report gives \
the call. The sheet is refused as audit refuses it (reviewers who disagree, a bad cell); a sheet \
that does not judge the call is warned of, and the tool's verdicts are shown.",
        after_long_help = "EXAMPLES:
    callaudit explain examples/data/ --call C-1003
    callaudit explain exports/ --call C-1003 --rubric my-rubric.toml --color never
    callaudit explain exports/ --call C-1003 --format json
    callaudit explain exports/ --call C-1003 --all      # every match that did not count

    The call as the report audited with the reviewers' sheet scores it:
        callaudit audit exports/ --overrides sheet.csv --format html -o report.html
        callaudit explain exports/ --call C-1003 --overrides sheet.csv

An id that is not found gets the nearest ids as suggestions (case-insensitive, by prefix, then
by spelling).

EXIT STATUS:
    0  the call was explained
    2  usage error, unreadable input, no such call, or a --overrides sheet refused"
    )]
    Explain(Box<ExplainArgs>),

    /// Pick calls for human review and write a review sheet
    #[command(
        long_about = "Pick calls for QA reviewers to score by hand, and write a review sheet: \
call_id, agent, date, then one empty column per rubric item for the reviewer's verdict and \
(unless --blind) the tool's verdicts in columns named tool:ITEM.

Each agent gets --per-agent calls (all of them when they have fewer); --size N draws N calls \
over the whole selection instead (with --per-agent too: N calls, at most --per-agent of any \
agent, fewer than N only when the caps leave fewer). Unless --random, upset customers and \
failed calls are over-represented: a call's weight is 1, times 3 when the \
customer was upset, times 3 when the call scored below the pass mark, and calls are drawn \
without replacement with probability proportional to their weight (weighted reservoir sampling \
keyed by a hash of --seed and the call id, so the same inputs and seed give the same sample \
whatever the file order or thread count).

Fill the sheet with 1/0 (or yes/no), leave cells blank for items not judged, and compare it \
with `callaudit calibrate`.",
        after_long_help = "EXAMPLES:
    Five calls per agent from last week, blind, with transcripts for the reviewers:
        callaudit sample exports/ --last 7d --per-agent 5 --blind -o sheet.csv --packet calls.html

    A plain random sample of two agents, reproducible:
        callaudit sample exports/ --agent ann.lee --agent bo.chen --random --seed 42 -o sheet.csv

    Forty calls from last week in all, at most three of any agent:
        callaudit sample exports/ --last 7d --size 40 --per-agent 3 -o sheet.csv

EXIT STATUS:
    0  the sheet was written
    2  usage error, unreadable or invalid input, nothing to sample"
    )]
    Sample(Box<SampleArgs>),

    /// Compare reviewers' verdicts in a filled review sheet with the tool's
    #[command(
        long_about = "Compare a filled review sheet with the tool's verdicts on the same calls, \
item by item: how many calls were judged, how often the reviewer and the tool said yes, \
precision, recall and F1 (the reviewer is the truth) and Cohen's kappa. Then every disagreement \
with the evidence: the words that fired, or that nothing matched.

What is compared is whether the item happened in the call (its count is at least 1), as the QA \
standard defines a label, whatever the item's applicability rule says about scoring.

The sheet is a CSV with a call_id column and one column per item id; a cell holds 1/0, yes/no, \
true/false, or blank / n/a when not judged. With a reviewer column, several reviewers may judge \
the same call: each reviewer is compared with the tool apart too (By reviewer, against the tool: \
per reviewer and item, when the sheet names two or more), and their agreement with each other \
is reported, as totals per item and, call by call, as reviewer splits.

A reviewer split is a call and item on which some reviewers said yes and others no. Each is \
listed with who said which and, beside them, the tool's verdict and evidence, before the \
disagreements with the tool, most contested calls first (the most items split, then the most \
verdicts on the smaller sides, then by call id; within a call, the closest split first). The \
table shows the first 20; --splits FILE.csv and the JSON (reviewer_splits) have them all. A \
blank reviewer cell is named by its sheet line (`line 7`). Settle the splits in the sheet: \
audit --overrides refuses a sheet that has any, and names them.

A judged call missing from the inputs is counted and listed (--strict makes it fatal).",
        after_long_help = "EXAMPLES:
    Agreement per item, the reviewer splits, then every disagreement with the tool:
        callaudit calibrate sheet.csv exports/

    For a spreadsheet: the agreement, every disagreement with the tool, every reviewer split:
        callaudit calibrate sheet.csv exports/ --format csv -o agreement.csv \\
            --disagreements diff.csv --splits splits.csv

    For a script: everything as JSON (items, by_reviewer, disagreements, between_reviewers,
    reviewer_splits, not_comparable):
        callaudit calibrate sheet.csv exports/ --format json -o calibration.json

    Which reviewer agrees least with the tool, item by item, for a spreadsheet:
        callaudit calibrate sheet.csv exports/ --by-reviewer by-reviewer.csv

    A gate: fail when any item's kappa is below 0.6:
        callaudit calibrate sheet.csv exports/ --min-kappa 0.6

OUTPUT FILES:
    --disagreements FILE.csv   one row per reviewer and judged cell where reviewer and tool
                               differ: call_id, reviewer, item, reviewer_says, tool_says,
                               evidence, reviewers_split (yes when the reviewers split on it)
    --splits FILE.csv          one row per call and item the reviewers split on, most
                               contested calls first: call_id, item, reviewers_yes,
                               reviewers_no (how many), said_yes, said_no (who, joined by
                               \"; \"), tool_says (empty when the call was not compared), evidence
    --by-reviewer FILE.csv     one row per reviewer and item they judged, then the reviewer's
                               (all): reviewer, item, n, reviewer_yes, tool_yes, both_yes,
                               precision, recall, f1, kappa (each reviewer against the tool)

EXIT STATUS:
    0  compared
    1  an item's kappa is below --min-kappa
    2  usage error, a bad sheet, unreadable input, nothing judged"
    )]
    Calibrate(Box<CalibrateArgs>),

    /// Render one report from the partials of several runs (audit --save-partial)
    #[command(
        long_about = MERGE_ABOUT,
        after_long_help = MERGE_EXAMPLES
    )]
    Merge(Box<crate::cli::merge::MergeArgs>),

    /// Print, check or try out a rubric
    #[command(subcommand)]
    Rubric(RubricCommand),

    /// Show the effective configuration: config file, environment and command line
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print a shell completion script
    #[command(after_long_help = "EXAMPLES:
    callaudit completions bash > /etc/bash_completion.d/callaudit
    callaudit completions zsh > ~/.zfunc/_callaudit
    callaudit completions fish > ~/.config/fish/completions/callaudit.fish

EXIT STATUS:
    0  the script was printed
    2  usage error (a shell other than bash, zsh, fish)")]
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },

    /// Print the man page (roff)
    #[command(after_long_help = "EXAMPLES:
    callaudit man > callaudit.1 && man ./callaudit.1

EXIT STATUS:
    0  the page was printed
    2  usage error")]
    Man,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective audit configuration and where each value came from
    #[command(
        long_about = "Print the configuration `callaudit audit` would run with, as a config file: \
every audit option with its value and, in a comment, where the value came from: the command \
line, the environment (CALLAUDIT_…), the config file (FILE:LINE:COLUMN) or the built-in \
default. Options that are not set are listed commented out.

The config file is --config FILE, else the file CALLAUDIT_CONFIG names, else ./callaudit.toml \
when it exists (--no-config: none). It holds defaults for any audit option, under the option's \
long name: `fail-under = 75`, `fail-on = [\"transfer>5%\"]`, `inputs = [\"exports/\"]`. Paths \
in it are relative to the file's directory. A key that is no audit option is an error naming \
FILE:LINE:COLUMN. The input options (rubric, metadata, agents, map, …) apply to explain, \
sample, calibrate and rubric lint too.

Takes the same options as `callaudit audit`, to show what a command line would change.",
        after_long_help = "EXAMPLES:
    callaudit config show
    callaudit config show --config nightly.toml --fail-under 80
    CALLAUDIT_FORMAT=json callaudit config show > callaudit.toml

EXIT STATUS:
    0  the configuration was printed
    2  usage error, an unreadable or invalid config file (FILE:LINE:COLUMN)"
    )]
    Show(Box<AuditArgs>),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Subcommand)]
pub enum RubricCommand {
    /// Print a built-in rubric (TOML), a starting point for your own
    #[command(
        long_about = "Print a built-in rubric as TOML, a starting point for your own: `builtin` \
(English, the default), `builtin:es` (Spanish) or `builtin:fr` (French). Each names its language \
and whether accents are folded in its [rubric] table.",
        after_long_help = "EXAMPLES:
    callaudit rubric show > my-rubric.toml
    callaudit rubric show builtin:es > mi-rubrica.toml

EXIT STATUS:
    0  the rubric was printed
    2  usage error, no such built-in rubric"
    )]
    Show {
        /// Which built-in rubric: builtin, builtin:en, builtin:es, builtin:fr
        #[arg(value_name = "RUBRIC", default_value = "builtin")]
        rubric: String,
    },
    /// Check a rubric file; problems are listed as FILE:LINE:COLUMN
    #[command(after_long_help = "EXAMPLES:
    callaudit rubric check my-rubric.toml
    callaudit rubric check builtin:fr
    callaudit rubric check --stats builtin

EXIT STATUS:
    0  the rubric is valid
    2  usage error, an unreadable or invalid rubric (its problems are listed)")]
    Check {
        /// The rubric file, or a built-in rubric (builtin, builtin:es, builtin:fr)
        file: PathBuf,
        /// Also print, per speaker, the phrase automaton: its anchors and the memory it takes
        #[arg(long)]
        stats: bool,
    },
    /// List phrases that never fire, fire only on wrong calls, or duplicate another phrase
    #[command(
        long_about = "Run a rubric over transcripts and list, per item, the phrases worth pruning: \
phrases that never fire on the inputs, phrases that fire only on calls the labels say do not have \
the item (with --labels), and phrases that duplicate another phrase of the same item (the same \
words once normalised, or every match also a match of the other phrase on some of its words: \
`thanks` and `thank you` beside `thank*`, `within five days` beside `within {num} days`, `sorry \
NEAR/3 delay*` beside `delay*`; never beside a phrase anchored with ^ or $ or a refusal, whose \
matches count in fewer places). Of two phrases that cover each other, one is listed. With \
--format csv, every phrase with its counts.

The labels are a review sheet (call_id and one 0/1 column per item, as `callaudit calibrate` \
reads); a phrase's calls are judged against its own item's column. With --labels, only the \
labelled calls are linted: the other calls of the inputs are left out (said on stderr and under \
the table), so \"never fires\" then means on no labelled call, and such a phrase may fire on \
the rest. Labelled calls that are not in the inputs are named in a warning (an error with \
--strict): their labels are not used.

The findings go to stdout; the run summary (files, rows and calls read), warnings and errors to \
stderr. -q/--quiet leaves out the summary, as for the other commands; warnings, errors and the \
exit status are the same.",
        after_long_help = "EXAMPLES:
    callaudit rubric lint --rubric my-rubric.toml exports/
    callaudit rubric lint --labels accuracy/tune.csv ../shared/data/tweetsumm/tweetsumm-dev.csv
    callaudit rubric lint --labels labels.csv --format csv exports/ > phrases.csv
    callaudit rubric lint -q --format csv exports/ > phrases.csv

EXIT STATUS:
    0  the phrases were listed (whatever was found)
    2  usage error, an invalid rubric or labels sheet, unreadable input, no call to lint"
    )]
    Lint(Box<LintArgs>),
    /// Show which items fire on a sentence, and on which words
    #[command(after_long_help = "EXAMPLES:
    callaudit rubric test builtin --speaker agent \"I'm so sorry, let me put you on hold\"
    callaudit rubric test builtin:es --speaker agent \"Perdon por la espera, ¿algo mas?\"
    callaudit rubric test my-rubric.toml --speaker customer \"This is RIDICULOUS!!!\"
    callaudit rubric test builtin --speaker any \"Sorry, this is ridiculous\"

EXIT STATUS:
    0  the sentence was tried (whether or not an item fired)
    2  usage error, an unreadable or invalid rubric")]
    Test {
        /// The rubric file, or a built-in rubric (builtin, builtin:es, builtin:fr)
        file: String,
        /// The text of one turn (a sentence or several, always one turn)
        ///
        /// So a `$` phrase, `within_turns` and the detectors that read other turns
        /// (customer_calmed, mirroring) may answer differently on the same words split into
        /// turns; `explain` shows them on a call.
        text: String,
        /// Who says it, in the rubric's words: agent, customer or any (tried as each)
        #[arg(long, value_enum, default_value = "agent")]
        speaker: SpeakerArg,
    },
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Labels to judge phrases against: a review sheet (call_id, one 0/1 column per item);
    /// only the labelled calls are then linted
    #[arg(long, value_name = "SHEET.csv")]
    pub labels: Option<PathBuf>,

    /// table: the findings; csv: every phrase with its counts
    #[arg(long, value_enum, default_value = "table")]
    pub format: LintFormat,

    /// No run summary on stderr (warnings and errors still appear)
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Table,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SpeakerArg {
    Agent,
    Customer,
    /// As the rubric's `speaker = "any"`: the text is tried as the agent's and as the
    /// customer's
    Any,
    /// Neither agent nor customer (a bot, an IVR): only items with `speaker = "any"` look at it
    #[value(hide = true)]
    Other,
}

/// How inputs are read (shared by audit and explain).
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files, directories (recursive) or - for stdin
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Read every input as this format instead of detecting it: csv, jsonl, json (any vendor
    /// JSON, by its keys), transcribe, contact-lens, pca, genesys, ccai, vtt, text
    #[arg(long, value_name = "FORMAT", env = "CALLAUDIT_INPUT_FORMAT")]
    pub input_format: Option<String>,

    /// CSV columns by role: call=COL,agent=COL,speaker=COL,text=COL,order=COL,date=COL,
    /// start=COL,end=COL,team=COL,queue=COL
    #[arg(long, value_name = "ROLE=COL,...", env = "CALLAUDIT_MAP")]
    pub map: Option<String>,

    /// CSV field delimiter (a single character; `\t` for tab), for the transcripts and a review
    /// sheet; sniffed from each file's header if unset
    #[arg(long, value_name = "CHAR", env = "CALLAUDIT_DELIMITER")]
    pub delimiter: Option<String>,

    /// Speaker names that are agents, for WebVTT voices and plain-text prefixes
    #[arg(
        long,
        value_name = "NAME,...",
        value_delimiter = ',',
        env = "CALLAUDIT_AGENT_NAMES"
    )]
    pub agent_names: Vec<String>,

    /// Take the agent id from the file name: the first capture group of REGEX
    /// (PCA's convention: `_AGENT_(.*?)_`)
    #[arg(long, value_name = "REGEX", env = "CALLAUDIT_AGENT_FROM_FILENAME")]
    pub agent_from_filename: Option<String>,

    /// Contact records joined on call id: a CSV with call_id and agent_id, optionally team,
    /// date and queue
    #[arg(long, value_name = "FILE.csv", env = "CALLAUDIT_METADATA")]
    pub metadata: Option<PathBuf>,

    /// Stop at the first malformed row (exit 2) instead of skipping it
    #[arg(long, env = "CALLAUDIT_STRICT", value_parser = clap::builder::BoolishValueParser::new())]
    pub strict: bool,

    /// Report unreadable or truncated files and go on, instead of exit 2
    #[arg(long, env = "CALLAUDIT_KEEP_GOING", value_parser = clap::builder::BoolishValueParser::new())]
    pub keep_going: bool,

    /// Use this rubric instead of the built-in English one: a file, or builtin:es (Spanish),
    /// builtin:fr (French), builtin:en
    #[arg(long, value_name = "FILE.toml|builtin:LANG", env = "CALLAUDIT_RUBRIC")]
    pub rubric: Option<PathBuf>,

    /// Worker threads (default: all cores; at most 4 per core). `--threads 1` does everything
    /// on one thread
    #[arg(long, value_name = "N", env = "CALLAUDIT_THREADS")]
    pub threads: Option<usize>,

    /// The most a call may take in memory (its text and turns), and a line, CSV record or
    /// vendor JSON document; one over it is skipped and counted (`too large`). Bytes, or with
    /// K, M, G (KiB, MiB, GiB)
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "64M",
        env = "CALLAUDIT_MAX_CALL_BYTES"
    )]
    pub max_call_bytes: String,

    /// Mask every run of 4+ digits, e-mail addresses and phone numbers in quoted text
    /// (card numbers are always masked)
    #[arg(long, env = "CALLAUDIT_REDACT", value_parser = clap::builder::BoolishValueParser::new())]
    pub redact: bool,

    /// Agent ids that differ only in letter case are one agent (insensitive: reported in lower
    /// case), or two (exact)
    #[arg(
        long,
        value_enum,
        default_value = "exact",
        env = "CALLAUDIT_AGENT_CASE"
    )]
    pub agent_case: AgentCase,

    /// Agents' display names and teams: a CSV with id, name and team columns. Ids that share a
    /// name are one agent, reported under the name; the team fills in calls that have none
    #[arg(long = "agents", value_name = "FILE.csv", env = "CALLAUDIT_AGENTS")]
    pub agents_file: Option<PathBuf>,

    /// Date calls that have none (in the export or --metadata) from their file's path: the
    /// first capture group of REGEX, or its groups named year, month and day; `off` to stop
    /// (default: YYYY/MM/DD/, YYYY-MM-DD, YYYYMMDD and year=YYYY/month=MM/day=DD, the last one
    /// in the path)
    #[arg(long, value_name = "REGEX", env = "CALLAUDIT_DATE_FROM_PATH")]
    pub date_from_path: Option<String>,
}

/// `--color`, for the commands that print in colour (`audit` and `explain`; `merge` has its
/// own). Not among the shared input options: `sample`, `calibrate` and `rubric lint` print
/// nothing in colour, so they refuse it rather than ignore it.
#[derive(Debug, Args)]
pub struct ColorArgs {
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, default_value = "auto", env = "CALLAUDIT_COLOR")]
    pub color: ColorChoice,
}

/// `--overrides`, for `audit` and `explain`: one option, so that `explain` reads the sheet as
/// the overridden report did and shows a call's score as the report gives it (tester t26 X4).
#[derive(Debug, Args)]
pub struct OverridesArgs {
    /// A filled review sheet (CSV: call_id, one column per item): reviewers' verdicts replace
    /// the tool's for those calls and items before scoring (see `callaudit calibrate`)
    #[arg(long, value_name = "SHEET.csv", env = "CALLAUDIT_OVERRIDES")]
    pub overrides: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
    Markdown,
    Html,
}

/// `--group-by`: the levels of a report line, outermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLevels(pub Vec<callaudit::aggregate::GroupBy>);

impl std::str::FromStr for GroupLevels {
    type Err = String;

    fn from_str(s: &str) -> Result<GroupLevels, String> {
        callaudit::aggregate::GroupBy::parse_levels(s).map(GroupLevels)
    }
}

/// Which calls to keep (shared by audit and sample).
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only calls on or after DATE (YYYY-MM-DD; calls are filtered by whole days)
    #[arg(long, value_name = "DATE", env = "CALLAUDIT_SINCE", value_parser = day)]
    pub since: Option<NaiveDate>,

    /// Only calls on or before DATE (YYYY-MM-DD; calls are filtered by whole days)
    #[arg(long, value_name = "DATE", env = "CALLAUDIT_UNTIL", value_parser = day)]
    pub until: Option<NaiveDate>,

    /// Only calls of the last SPAN of whole days (7d, 2w, 24h: the unit is needed) ending on
    /// --as-of: by default yesterday, so `--last 7d` is the seven days before today
    #[arg(long, value_name = "SPAN", env = "CALLAUDIT_LAST")]
    pub last: Option<String>,

    /// The last day --last takes in: a date, `today` or `yesterday` (default: yesterday, the
    /// last whole day)
    #[arg(long, value_name = "DATE", env = "CALLAUDIT_AS_OF", value_parser = as_of)]
    pub as_of: Option<AsOf>,

    /// Only this agent (repeatable)
    #[arg(long = "agent", value_name = "ID", env = "CALLAUDIT_AGENT")]
    pub agents: Vec<String>,

    /// Only this team (repeatable; teams come from a team column or --metadata)
    #[arg(long = "team", value_name = "NAME", env = "CALLAUDIT_TEAM")]
    pub teams: Vec<String>,
}

/// The gates (`--fail-…`, `--max-skipped`) and the two options they read, `--baseline` and
/// `--min-calls`: one definition for `audit` and `merge`, in the place of their help where both
/// had them. Merge words their help its own way (`merge::gate_help`).
#[derive(Debug, Args)]
pub struct GateFlags {
    /// A JSON report of an earlier run: adds per-line and per-item changes
    #[arg(long, value_name = "FILE.json", env = "CALLAUDIT_BASELINE")]
    pub baseline: Option<PathBuf>,

    /// Exit 1 when the overall mean score is below SCORE (`off`: not checked)
    #[arg(long, value_name = "SCORE", env = "CALLAUDIT_FAIL_UNDER", value_parser = gate_limit)]
    pub fail_under: Option<GateLimit>,

    /// Exit 1 when any agent with at least --min-calls calls has a mean score below SCORE
    /// (whatever --group-by, --top and --bottom show; `off`: not checked)
    #[arg(long, value_name = "SCORE", env = "CALLAUDIT_FAIL_AGENT_UNDER", value_parser = gate_limit)]
    pub fail_agent_under: Option<GateLimit>,

    /// Hide report lines of fewer than N calls (the report says how many were hidden; their
    /// calls still count in the overall line), and spare agents with fewer from
    /// --fail-agent-under and --fail-drop. A call's own line (--group-by call) is never hidden
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        env = "CALLAUDIT_MIN_CALLS"
    )]
    pub min_calls: u64,

    /// Exit 1 when this violation occurs in any call; ITEM>N: in more than N calls; ITEM>P%: in
    /// more than P% of the calls where it applies (repeatable)
    #[arg(
        long,
        value_name = "ITEM[>N|>P%]",
        env = "CALLAUDIT_FAIL_ON",
        value_delimiter = ','
    )]
    pub fail_on: Vec<String>,

    /// Exit 1 when this expected item is met in less than PERCENT of the calls where it
    /// applies (repeatable)
    #[arg(
        long,
        value_name = "ITEM=PERCENT",
        env = "CALLAUDIT_FAIL_ITEM_UNDER",
        value_delimiter = ','
    )]
    pub fail_item_under: Vec<String>,

    /// Exit 1 when the overall mean score, or that of any agent with --min-calls calls in both
    /// runs, fell by more than POINTS since --baseline (`off`: not checked)
    #[arg(long, value_name = "POINTS", env = "CALLAUDIT_FAIL_DROP", value_parser = gate_limit)]
    pub fail_drop: Option<GateLimit>,

    /// Exit 1 when more than N rows were skipped for bad input (or calls not audited for it, or
    /// files passed over by --keep-going); P%: more than P% of the rows (calls, files) read
    /// (`off`: not checked)
    #[arg(long, value_name = "N|P%", env = "CALLAUDIT_MAX_SKIPPED")]
    pub max_skipped: Option<String>,

    /// A --baseline file that does not exist is a warning, not an error: the report has no
    /// changes and --fail-drop is not checked (the first night of a chain of nightly reports)
    #[arg(long, env = "CALLAUDIT_ALLOW_MISSING_BASELINE", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_missing_baseline: bool,

    /// After a run that audited calls, write its report as JSON to the --baseline file too (the
    /// next run's baseline); a run without calls (--allow-empty) leaves the baseline as it is
    #[arg(long, env = "CALLAUDIT_UPDATE_BASELINE", value_parser = clap::builder::BoolishValueParser::new())]
    pub update_baseline: bool,
}

impl GateFlags {
    /// The options that judge the run's calls (the gates and `--update-baseline`) that are
    /// set, in `--help` order, by config key with their value as given (`""` for the flag):
    /// what a shard may not take (`audit::shard_judges_nothing`,
    /// `cli::shard_leaves_config_gates`).
    pub fn judging(&self) -> Vec<(&'static str, String)> {
        let num = |v: Option<GateLimit>| {
            v.and_then(GateLimit::value)
                .map(callaudit::report::gates::exact_num)
        };
        let list = |v: &[String]| (!v.is_empty()).then(|| v.join(","));
        [
            ("update-baseline", self.update_baseline.then(String::new)),
            ("fail-under", num(self.fail_under)),
            ("fail-agent-under", num(self.fail_agent_under)),
            ("fail-drop", num(self.fail_drop)),
            ("fail-item-under", list(&self.fail_item_under)),
            ("fail-on", list(&self.fail_on)),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
        .collect()
    }

    /// Unsets one of the options `judging` lists, by its config key.
    pub fn unset_judging(&mut self, key: &str) {
        match key {
            "update-baseline" => self.update_baseline = false,
            "fail-under" => self.fail_under = None,
            "fail-agent-under" => self.fail_agent_under = None,
            "fail-drop" => self.fail_drop = None,
            "fail-item-under" => self.fail_item_under.clear(),
            "fail-on" => self.fail_on.clear(),
            _ => {}
        }
    }

    /// `--baseline` names a file that does not exist, and `--allow-missing-baseline` lets the
    /// run go on without it.
    pub fn baseline_missing(&self) -> bool {
        self.allow_missing_baseline
            && self.baseline.as_deref().is_some_and(|p| {
                std::fs::metadata(p).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
            })
    }

    /// The gates' settings, as `report::gates::gates` takes them. Without the baseline it
    /// compares with (`baseline_missing`), `--fail-drop` is not a gate of this run.
    pub fn gate_args(&self) -> GateArgs<'_> {
        GateArgs {
            fail_under: self.fail_under.and_then(GateLimit::value),
            fail_agent_under: self.fail_agent_under.and_then(GateLimit::value),
            min_calls: self.min_calls,
            fail_on: &self.fail_on,
            fail_item_under: &self.fail_item_under,
            fail_drop: self
                .fail_drop
                .and_then(GateLimit::value)
                .filter(|_| !self.baseline_missing()),
            has_baseline: self.baseline.is_some(),
            max_skipped: self
                .max_skipped
                .as_deref()
                .filter(|s| !s.trim().eq_ignore_ascii_case("off")),
        }
    }
}

/// A gate's number, or `off`: a gate the config file or the environment sets, switched off
/// for one run (`--fail-drop off`, `CALLAUDIT_FAIL_UNDER=off`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GateLimit {
    Off,
    At(f64),
}

impl GateLimit {
    pub fn value(self) -> Option<f64> {
        match self {
            GateLimit::Off => None,
            GateLimit::At(v) => Some(v),
        }
    }
}

/// Parses a gate's number or `off`.
pub fn gate_limit(s: &str) -> Result<GateLimit, String> {
    if s.trim().eq_ignore_ascii_case("off") {
        return Ok(GateLimit::Off);
    }
    s.trim()
        .parse::<f64>()
        .map(GateLimit::At)
        .map_err(|_| format!("`{s}`: expected a number, or `off` to switch the gate off"))
}

/// `--since`/`--until DATE`: a day (`read::dates::parse_day`), checked where it is given —
/// command line, environment or config file (`config show` too).
pub fn day(s: &str) -> Result<NaiveDate, String> {
    callaudit::read::dates::parse_day(s)
}

/// The last day `--last` takes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsOf {
    Today,
    Yesterday,
    Day(NaiveDate),
}

/// `--as-of DATE`: a day, `today` or `yesterday`.
pub fn as_of(s: &str) -> Result<AsOf, String> {
    match s {
        "today" => Ok(AsOf::Today),
        "yesterday" => Ok(AsOf::Yesterday),
        _ => callaudit::read::dates::parse_day_expecting(
            s,
            "a date like 2024-03-05, `today` or `yesterday`",
        )
        .map(AsOf::Day),
    }
}

/// `--min-kappa K`: K as typed, and exactly (κ is compared as a fraction of the counts).
#[derive(Clone, Debug)]
pub struct MinKappa {
    pub typed: String,
    pub at: callaudit::calibration::agreement::Ratio,
}

/// `--min-kappa K`: a decimal from -1 to 1, read exactly (0.4 is 2/5, not 0.40000000000000002).
pub fn min_kappa(s: &str) -> Result<MinKappa, String> {
    use callaudit::calibration::agreement::{Ratio, parse_decimal};
    let refused = || format!("`{s}`: expected a number from -1 to 1 (like 0.6)");
    let at = parse_decimal(s).ok_or_else(refused)?;
    let (low, high) = (Ratio::from_integer(-1), Ratio::from_integer(1));
    if at < low || at > high {
        return Err(refused());
    }
    Ok(MinKappa {
        typed: s.trim().to_string(),
        at,
    })
}

/// `--top N` / `--bottom N`: at least one line (0 would leave only the overall line).
pub fn line_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("0 would show no line; give at least 1 (or leave the option out)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}`: expected a number of lines, 1 or more")),
    }
}

/// Which lines the report has and in what order: `audit` and `merge` alike (merge takes them
/// from its command line alone: see `merge::gate_help`).
#[derive(Debug, Args)]
pub struct LineArgs {
    /// One report line per agent, team, date, ISO week, queue or call; several levels nest:
    /// team,agent or agent,week or agent,call (call last)
    #[arg(
        long,
        value_name = "LEVEL[,LEVEL...]",
        default_value = "agent",
        env = "CALLAUDIT_GROUP_BY"
    )]
    pub group_by: GroupLevels,

    /// Order of the lines: name, score, calls, pass, violations, date, or an item id (the
    /// line's rate of that item), ascending (score: weakest first; empathy: the lines that meet
    /// it least first); with a leading - descending (-score: strongest first; -transfer: the
    /// most transfers first). Lines where the item never applied come last either way
    #[arg(
        long,
        value_name = "[-]KEY",
        default_value = "name",
        allow_hyphen_values = true,
        env = "CALLAUDIT_SORT"
    )]
    pub sort: callaudit::render::arrange::SortArg,

    /// Only the N best lines (by mean score), and any that tie with the Nth (nested reports:
    /// the deepest lines)
    #[arg(long, value_name = "N", env = "CALLAUDIT_TOP", value_parser = line_count)]
    pub top: Option<usize>,

    /// Only the N worst lines (by mean score), and any that tie with the Nth (nested reports:
    /// the deepest lines)
    #[arg(long, value_name = "N", env = "CALLAUDIT_BOTTOM", value_parser = line_count)]
    pub bottom: Option<usize>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub colour: ColorArgs,

    /// Report format [default: what -o's extension names (.csv, .json, .md, .html), else
    /// table]
    #[arg(short, long, value_enum, env = "CALLAUDIT_FORMAT")]
    pub format: Option<FormatArg>,

    /// Write the report to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE", env = "CALLAUDIT_OUTPUT")]
    pub output: Option<PathBuf>,

    /// Also write one record per call: .csv (counts per item) or .jsonl (with evidence);
    /// `-` writes them to stdout (the report then needs -o FILE)
    #[arg(long, value_name = "FILE", env = "CALLAUDIT_CALLS")]
    pub calls: Option<PathBuf>,

    /// The format of --calls when its name has no extension (`-`, a pipe): csv or jsonl
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        env = "CALLAUDIT_CALLS_FORMAT"
    )]
    pub calls_format: Option<CallsFormat>,

    /// Also write one CSV row per match: call, agent, item, turn, speaker, time, matched
    /// text and the (masked) turn text
    #[arg(long, value_name = "FILE.csv", env = "CALLAUDIT_EVIDENCE")]
    pub evidence: Option<PathBuf>,

    /// Also write the run as a partial: exact counts per call, the accounting and the rubric's
    /// fingerprint, for `callaudit merge` (format: docs/nightly.md)
    #[arg(long, value_name = "FILE", env = "CALLAUDIT_SAVE_PARTIAL")]
    pub save_partial: Option<PathBuf>,

    /// Audit only shard I of N (counted from 1): the calls whose id's FNV-1a 64 hash, modulo N,
    /// is I-1. Merge the shards' --save-partial files with `callaudit merge`, which takes the
    /// gates and --update-baseline: a shard refuses them (a config file's are left out)
    #[arg(long, value_name = "I/N", env = "CALLAUDIT_SHARD")]
    pub shard: Option<callaudit::pipeline::Shard>,

    #[command(flatten)]
    pub filter: FilterArgs,

    #[command(flatten)]
    pub lines: LineArgs,

    #[command(flatten)]
    pub review: OverridesArgs,

    #[command(flatten)]
    pub gates: GateFlags,

    /// Start a CSV report with a UTF-8 byte order mark, so that Excel reads its names as
    /// UTF-8 (scripts may not expect one: off by default)
    #[arg(long, env = "CALLAUDIT_CSV_BOM", value_parser = clap::builder::BoolishValueParser::new())]
    pub csv_bom: bool,

    /// In a CSV report, follow each item's column with its n, `ITEM_n`: the calls the item
    /// applied to (an agent's empathy 0.0 may be 0 of 3 upset calls)
    #[arg(long, env = "CALLAUDIT_CSV_ITEM_N", value_parser = clap::builder::BoolishValueParser::new())]
    pub csv_item_n: bool,

    /// Exit 0 with an empty report when no call is left to audit (otherwise exit 2)
    #[arg(long, env = "CALLAUDIT_ALLOW_EMPTY", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_empty: bool,

    /// No progress bar and no run summary on stderr (warnings and errors still appear)
    #[arg(short, long, env = "CALLAUDIT_QUIET", value_parser = clap::builder::BoolishValueParser::new())]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Calls per agent (all of an agent's calls when they have fewer) [default: 5, or with
    /// --size no cap]; with --size, at most N of any one agent
    #[arg(long, value_name = "N")]
    pub per_agent: Option<usize>,

    /// Calls in all, drawn over the whole selection by the same weights (all of them when there
    /// are fewer); with --per-agent, the size wins and --per-agent caps each agent's share
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,

    /// Every call equally likely (no over-representation of upset or failed calls)
    #[arg(long)]
    pub random: bool,

    /// Seed of the draw: the same inputs and seed give the same sample
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Leave out the tool's verdicts, so reviewers are not swayed by them
    #[arg(long)]
    pub blind: bool,

    /// The items reviewers judge: only these get columns (rubric order); default every item.
    /// For the built-in rubric, the QA standard defines customer_upset, customer_calmed,
    /// empathy, apology, mirroring, clarifying_question, resolution, additional_concerns,
    /// follow_up, thanks, transfer, channel_move, hold, dismissive, overpromise and
    /// premature_escalation
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub items: Vec<String>,

    /// Write the review sheet to FILE.csv (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE.csv")]
    pub output: Option<PathBuf>,

    /// Also write the sampled transcripts for reviewers (.html or .md), masked as in --evidence
    #[arg(long, value_name = "FILE")]
    pub packet: Option<PathBuf>,

    /// No run summary on stderr
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CalibrateFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The filled review sheet (CSV)
    #[arg(value_name = "SHEET.csv")]
    pub sheet: PathBuf,

    #[command(flatten)]
    pub input: InputArgs,

    /// Output format of the agreement table
    #[arg(long, value_enum, default_value = "table")]
    pub format: CalibrateFormat,

    /// Write the output to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write every disagreement with the tool as CSV: call_id, reviewer, item, reviewer's
    /// verdict, tool's verdict, evidence, whether the reviewers split on it
    #[arg(long, value_name = "FILE.csv")]
    pub disagreements: Option<PathBuf>,

    /// Also write every call and item the reviewers split on as CSV, most contested calls
    /// first: call_id, item, how many said yes and no, who, the tool's verdict, evidence
    #[arg(long, value_name = "FILE.csv")]
    pub splits: Option<PathBuf>,

    /// Also write each reviewer's agreement with the tool as CSV (a sheet with a reviewer
    /// column): reviewer, item, n, the yes counts, precision, recall, F1, kappa
    #[arg(long, value_name = "FILE.csv")]
    pub by_reviewer: Option<PathBuf>,

    /// Exit 1 when any judged item's Cohen's kappa is below K
    #[arg(long, value_name = "K", value_parser = min_kappa)]
    pub min_kappa: Option<MinKappa>,

    /// No run summary on stderr
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub colour: ColorArgs,

    /// The call to explain
    #[arg(long, value_name = "ID")]
    pub call: String,

    /// Output: text for people, json for tools
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExplainFormat,

    /// List every match that did not count, not only the first 5 of each item
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub review: OverridesArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

const MERGE_ABOUT: &str = "Read the partials that `callaudit audit --save-partial` wrote and \
render the report one run over all their inputs would have given, byte for byte, in any format \
and grouping, with any sort, cut and gate: the partials hold exact counts per call, not means. \
Nothing is read again: a weekly report is the merge of seven nightly partials, and the shards \
of one run (audit --shard I/N) merge into the run.

Every partial must come from the same rubric (by its fingerprint); partials from another rubric \
are refused, naming the files. A call must lie wholly within one partial: a call id found in \
two partials is an error (exit 2) naming it and both files, unless --allow-split-calls, which \
counts each part as a call of its own and warns. The shards of one run must all be there, each \
once.

Options not given to merge are those of the runs: filters, --redact, --metadata and the other \
input options applied when the partials were written. Partials written with different --agents \
(file contents), --agent-case or --redact, or with --metadata on some runs only, are refused, \
naming the files; runs that read --metadata with other contents (a contact file that grew \
between nights) are merged with a warning, each call keeping what its run's file gave it \
(the shards of one run must have read the same file).";

const MERGE_EXAMPLES: &str = "EXAMPLES:
    Two shards of one run, merged into the report one run gives:
        callaudit audit exports/ --shard 1/2 --save-partial s1.partial -q -o shard1.txt
        callaudit audit exports/ --shard 2/2 --save-partial s2.partial -q -o shard2.txt
        callaudit merge s1.partial s2.partial

    Last week from the nightly partials, as JSON, with the nightly gates:
        callaudit audit examples/data/calls.csv --save-partial mon.partial -q -o mon.txt
        callaudit audit examples/data/calls.jsonl --save-partial tue.partial -q -o tue.txt
        callaudit merge mon.partial tue.partial --format json -o week.json --fail-under 50 \\
            --fail-on 'transfer>50%' --fail-item-under empathy=10

    The weekly dashboard, agents week by week, weakest first:
        callaudit merge mon.partial tue.partial --format html -o week.html --baseline week.json
        callaudit merge mon.partial tue.partial --group-by agent,week --sort score

EXIT STATUS:
    0  the report was written
    1  a gate failed (--fail-under, --fail-agent-under, --fail-on, --fail-item-under,
       --fail-drop, --max-skipped); the report was written
    2  usage error, a partial that cannot be read, partials of different rubrics, a call in
       two partials, nothing to report";

#[cfg(test)]
mod tests {
    use super::*;

    /// `audit` and `merge` read the gate flags alike: the same words give the same gates.
    #[test]
    fn audit_and_merge_read_the_gate_flags_alike() {
        let flags = [
            "--baseline",
            "week.json",
            "--fail-under",
            "70",
            "--fail-agent-under",
            "60",
            "--min-calls",
            "3",
            "--fail-on",
            "transfer>5%,hold",
            "--fail-item-under",
            "empathy=60",
            "--fail-drop",
            "5",
            "--max-skipped",
            "1%",
        ];
        let parse = |head: [&str; 3]| Cli::try_parse_from(head.iter().chain(&flags)).unwrap();
        let Command::Audit(audit) = parse(["callaudit", "audit", "in.csv"]).command else {
            panic!("not audit")
        };
        let Command::Merge(merge) = parse(["callaudit", "merge", "mon.partial"]).command else {
            panic!("not merge")
        };
        let expected = "GateArgs { fail_under: Some(70.0), fail_agent_under: Some(60.0), \
                        min_calls: 3, fail_on: [\"transfer>5%\", \"hold\"], fail_item_under: \
                        [\"empathy=60\"], fail_drop: Some(5.0), has_baseline: true, \
                        max_skipped: Some(\"1%\") }";
        assert_eq!(format!("{:?}", audit.gates.gate_args()), expected);
        assert_eq!(format!("{:?}", merge.gates.gate_args()), expected);
    }
}
