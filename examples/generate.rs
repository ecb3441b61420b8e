//! Writes N calls of realistic call-centre transcripts, deterministically from a seed: agents,
//! upset and calm customers, timings, and every item of the built-in rubric (good and bad
//! practice alike). For benchmarks and load tests.
//!
//!     cargo run --release --example generate -- --calls 100000 --seed 7 > calls.csv
//!     cargo run --release --example generate -- --calls 1000 --format jsonl > calls.jsonl
//!
//! Options: --calls N (default 1000), --seed S (default 7), --agents N (default 500),
//! --format csv|jsonl (default csv), --interleave (rows of neighbouring calls mixed, to
//! exercise merging).

use std::io::{self, BufWriter, Write};

const UPSET_OPENERS: &[&str] = &[
    "I've been charged twice for my subscription this month and nobody has fixed it. This is ridiculous!",
    "My parcel was supposed to arrive on Monday and it's still not here. I'm really annoyed.",
    "This is the third time I've called about my broken router. I am SO FED UP with this!!!",
    "Your app logged me out again and deleted my saved basket, absolutely unacceptable.",
    "I was on hold for forty minutes yesterday and got cut off. Terrible service.",
    "The technician never showed up today and I took the day off work. I'm furious.",
    "Why has my bill gone up by twenty pounds without anyone telling me?! Not happy at all.",
    "I'm disappointed, the replacement phone you sent has a cracked screen as well.",
];

const CALM_OPENERS: &[&str] = &[
    "Hi, I'd like to change the delivery address on my order please.",
    "Hello, can you tell me when my contract ends?",
    "Good morning, I want to add a second user to my account.",
    "Hi there, how do I download my invoices from last year?",
    "Hello, I'm moving house next month and need to move my broadband too.",
    "Hi, is it possible to upgrade my plan to include international calls?",
];

const CUSTOMER_DETAILS: &[&str] = &[
    "The order number is 55120 and it was placed on the fourth.",
    "It started last Tuesday, right after the update, and it happens every evening.",
    "I'm using the latest version of the app on an Android phone.",
    "Yes, the account is in my name and the postcode is LS6 2AB.",
    "I already restarted it twice and unplugged everything for a minute.",
    "It's the card ending in 4821, the one I use for everything.",
];

const CUSTOMER_CLOSERS: &[&str] = &[
    "OK, thanks, that sorts it out.",
    "Great, thank you for your help.",
    "Fine. I'll wait for the email then.",
    "That works for me, cheers.",
    "Still not happy, but OK.",
    "Whatever. I'll believe it when I see it.",
];

const AGENT_EMPATHY: &[&str] = &[
    "I'm so sorry about that, I can see why you're upset.",
    "I understand how frustrating that must be, and I apologise.",
    "Oh no, I'm sorry to hear that, that's not the experience we want for you.",
    "I completely understand, that must have been really annoying.",
];

const AGENT_MIRROR: &[&str] = &[
    "Just to confirm, you were charged twice for the same month?",
    "So what you're saying is the parcel still hasn't arrived since Monday?",
    "If I understand correctly, the app logs you out every time you open it?",
];

const AGENT_QUESTIONS: &[&str] = &[
    "Could you tell me the order number, please?",
    "When did you first notice the problem?",
    "Which device are you using at the moment?",
    "Can you confirm the postcode on the account?",
];

const AGENT_RESOLUTION: &[&str] = &[
    "I have issued a refund for the duplicate charge, and it will reach your card within 5 business days.",
    "First, update to the latest version, then sign out and back in, and that should fix it.",
    "I've arranged a replacement to be sent out today with free next-day delivery.",
    "I have updated the address on the order, and you'll receive a confirmation email shortly.",
    "I've applied a loyalty discount of twenty pounds a month from today.",
];

const AGENT_FOLLOW_UP: &[&str] = &[
    "I'll email you tomorrow to confirm everything went through.",
    "We will follow up with you within 3 business days.",
    "Let us know how it goes, and keep us posted if it happens again.",
];

const AGENT_CLOSERS: &[&str] = &[
    "Is there anything else I can help you with today?",
    "Thank you for your patience, have a lovely evening.",
    "Thanks for getting in touch, and feel free to reach out if you need anything else.",
];

const AGENT_BAD: &[&str] = &[
    "Calm down, that's our policy and there's nothing I can do.",
    "I'll transfer you to another department. Please hold.",
    "I promise this will never happen again.",
    "Maybe it will work tomorrow, I guess.",
    "Let me get my supervisor for you.",
    "I ALREADY TOLD YOU THE REFUND IS PROCESSING.",
    "Hold on, let me put you on hold for a moment.",
    "That's a damn shame, but it's not my problem.",
];

const FILLER: &[&str] = &[
    "Let me pull up the account details on my side.",
    "I can see the order here in the system.",
    "Thanks for waiting while I checked that.",
    "The system shows the last payment on the second of the month.",
    "Our records say the engineer visit was booked for the afternoon slot.",
];

struct Options {
    calls: u64,
    seed: u64,
    agents: u64,
    jsonl: bool,
    interleave: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        calls: 1000,
        seed: 7,
        agents: 500,
        jsonl: false,
        interleave: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--calls" => {
                o.calls = value("--calls")?
                    .parse()
                    .map_err(|e| format!("--calls: {e}"))?
            }
            "--seed" => {
                o.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--agents" => {
                o.agents = value("--agents")?
                    .parse()
                    .map_err(|e| format!("--agents: {e}"))?
            }
            "--format" => match value("--format")?.as_str() {
                "csv" => o.jsonl = false,
                "jsonl" => o.jsonl = true,
                f => return Err(format!("--format {f}: expected csv or jsonl")),
            },
            "--interleave" => o.interleave = true,
            "-h" | "--help" => {
                return Err("usage: generate [--calls N] [--seed S] [--agents N] [--format csv|jsonl] [--interleave]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

struct Turn {
    speaker: &'static str,
    text: String,
    start_ms: u64,
    end_ms: u64,
}

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

/// One call's turns: the shape of a support conversation, with good or poor practice.
fn call_turns(rng: &mut fastrand::Rng) -> Vec<Turn> {
    let upset = rng.f32() < 0.4;
    let good = rng.f32() < 0.65;
    let mut texts: Vec<(&'static str, String)> = Vec::new();
    let opener = if upset {
        pick(rng, UPSET_OPENERS)
    } else {
        pick(rng, CALM_OPENERS)
    };
    texts.push(("customer", opener.to_string()));
    let mut greeting = String::from("Thanks for calling, this is support. ");
    if upset && good {
        greeting.push_str(pick(rng, AGENT_EMPATHY));
        if rng.bool() {
            greeting.push(' ');
            greeting.push_str(pick(rng, AGENT_MIRROR));
        }
    } else if !good && rng.f32() < 0.5 {
        greeting.push_str(pick(rng, AGENT_BAD));
    }
    greeting.push(' ');
    greeting.push_str(pick(rng, AGENT_QUESTIONS));
    texts.push(("agent", greeting));
    for _ in 0..rng.usize(1..5) {
        let mut detail = pick(rng, CUSTOMER_DETAILS).to_string();
        if rng.bool() {
            detail.push(' ');
            detail.push_str(pick(rng, CUSTOMER_DETAILS));
        }
        texts.push(("customer", detail));
        let mut reply = pick(rng, FILLER).to_string();
        reply.push(' ');
        reply.push_str(pick(rng, FILLER));
        if rng.f32() < 0.3 {
            reply.push(' ');
            reply.push_str(pick(rng, FILLER));
        }
        if !good && rng.f32() < 0.4 {
            reply.push(' ');
            reply.push_str(pick(rng, AGENT_BAD));
        } else if rng.bool() {
            reply.push(' ');
            reply.push_str(pick(rng, AGENT_QUESTIONS));
        }
        texts.push(("agent", reply));
    }
    if good || rng.bool() {
        texts.push(("agent", pick(rng, AGENT_RESOLUTION).to_string()));
    }
    if good && rng.bool() {
        texts.push(("agent", pick(rng, AGENT_FOLLOW_UP).to_string()));
    }
    texts.push(("customer", pick(rng, CUSTOMER_CLOSERS).to_string()));
    texts.push(("agent", pick(rng, AGENT_CLOSERS).to_string()));

    // Timings: about 60 ms a character, short pauses, the odd interruption or long silence.
    let mut t = 0u64;
    texts
        .into_iter()
        .map(|(speaker, text)| {
            let gap = match rng.u32(..100) {
                0..=3 => 11_000 + rng.u64(..5000),
                4..=8 => 0,
                _ => 300 + rng.u64(..900),
            };
            let start = if gap == 0 {
                t.saturating_sub(1500)
            } else {
                t + gap
            };
            let end = start + 60 * text.len() as u64;
            t = t.max(end);
            Turn {
                speaker,
                text,
                start_ms: start,
                end_ms: end,
            }
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("generate: {e}");
            std::process::exit(2);
        }
    };
    let mut rng = fastrand::Rng::with_seed(o.seed);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    if !o.jsonl {
        writeln!(
            out,
            "call_id,agent_id,date,turn,speaker,text,start_ms,end_ms"
        )
        .unwrap();
    }
    let mut pending: Vec<String> = Vec::new();
    for i in 0..o.calls {
        let call_id = format!("G{i:08}");
        let agent = format!("agent-{:04}", rng.u64(..o.agents.max(1)));
        let date = format!("2026-11-{:02}", 1 + rng.u32(..28));
        let turns = call_turns(&mut rng);
        if o.jsonl {
            let ts: Vec<String> = turns
                .iter()
                .map(|t| {
                    format!(
                        "{{\"speaker\": \"{}\", \"text\": {}, \"start_ms\": {}, \"end_ms\": {}}}",
                        t.speaker,
                        json_string(&t.text),
                        t.start_ms,
                        t.end_ms
                    )
                })
                .collect();
            writeln!(
                out,
                "{{\"call_id\": \"{call_id}\", \"agent_id\": \"{agent}\", \"date\": \"{date}\", \"turns\": [{}]}}",
                ts.join(", ")
            )
            .unwrap();
            continue;
        }
        for (n, t) in turns.iter().enumerate() {
            let row = format!(
                "{call_id},{agent},{date},{},{},{},{},{}",
                n + 1,
                t.speaker,
                csv_field(&t.text),
                t.start_ms,
                t.end_ms
            );
            if o.interleave {
                pending.push(row);
            } else {
                writeln!(out, "{row}").unwrap();
            }
        }
        // Interleaved output mixes the rows of every 4 consecutive calls.
        if o.interleave && (i % 4 == 3 || i + 1 == o.calls) {
            rng.shuffle(&mut pending);
            for row in pending.drain(..) {
                writeln!(out, "{row}").unwrap();
            }
        }
    }
    out.flush().unwrap();
}
