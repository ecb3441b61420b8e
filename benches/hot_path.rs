//! The hot path, piece by piece: normalise a turn, scan it, audit a whole call; and the cost of
//! a large rubric (2,000 phrases) against the built-in one.
//!
//!     cargo bench --bench hot_path

use callaudit::Auditor;
use callaudit::MatchScratch;
use callaudit::Rubric;
use callaudit::{Call, Speaker};
use callaudit::{Language, TextRules};
use callaudit::{Normalised, normalise_into, normalise_into_with};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const AGENT_TURN: &str = "I'm so sorry about the double charge, I can see why you're upset. Let me pull up the account details on my side. First, I'll refund the duplicate charge now, and it will reach your card within 5 business days. Is there anything else I can help you with?";
/// The agent turn in Spanish, partly typed without accents, for the folding rubrics.
const AGENT_TURN_ES: &str = "Lo siento muchisimo por el doble cargo, entiendo por qué está molesto. Déjeme revisar los datos de su cuenta. Primero le reembolso el cargo duplicado y llegará a su tarjeta en 5 días hábiles. ¿Hay algo mas en que le pueda ayudar?";
const CUSTOMER_TURN: &str = "I've been charged twice for my subscription this month and nobody has fixed it. This is ridiculous! The order number is 55120 and it was placed on the fourth.";

fn call() -> Call {
    let mut c = Call::new("bench-1");
    c.agent_id = Some("agent-0001".into());
    let turns = [
        (Speaker::Customer, CUSTOMER_TURN),
        (Speaker::Agent, AGENT_TURN),
        (
            Speaker::Customer,
            "Yes, twice on the 3rd. I already restarted it twice.",
        ),
        (
            Speaker::Agent,
            "Thank you for confirming. I have issued a refund for the duplicate charge.",
        ),
        (Speaker::Customer, "OK, thanks, that sorts it out."),
        (
            Speaker::Agent,
            "Thanks for getting in touch, and feel free to reach out if you need anything else.",
        ),
        (Speaker::Customer, "Great, thank you for your help."),
        (
            Speaker::Agent,
            "Thank you for your patience, have a lovely evening.",
        ),
    ];
    for (i, (s, t)) in turns.into_iter().enumerate() {
        let turn = c.push_turn(s, t, i as u64 + 1);
        turn.start_ms = Some(i as u64 * 6000);
        turn.end_ms = Some(i as u64 * 6000 + 5000);
    }
    c
}

/// The built-in rubric plus `extra` generated expected items of 20 phrases each.
fn big_rubric(phrases: usize) -> Rubric {
    let mut toml = callaudit::DEFAULT_RUBRIC.to_string();
    let words = [
        "account", "billing", "router", "parcel", "refund", "delivery", "password", "invoice",
        "upgrade", "contract", "engineer", "signal", "balance", "voucher", "booking", "seat",
        "luggage", "license", "update", "driver",
    ];
    let verbs = [
        "check", "reset", "confirm", "review", "update", "cancel", "renew", "move", "send", "track",
    ];
    let mut n = 0;
    let mut item = 0;
    while n < phrases {
        toml.push_str(&format!(
            "\n[[item]]\nid = \"generated_{item}\"\nkind = \"expected\"\nweight = 0\nphrases = ["
        ));
        for k in 0..20 {
            let w = words[(item * 7 + k) % words.len()];
            let v = verbs[(item + k * 3) % verbs.len()];
            toml.push_str(&format!("\"{v} your {w} {item}{k}\", "));
            n += 1;
        }
        toml.push_str("]\n");
        item += 1;
    }
    Rubric::from_toml(&toml).expect("generated rubric compiles")
}

fn benches(c: &mut Criterion) {
    let rubric = Rubric::default_rubric();
    let mut norm = Normalised::new();

    let mut g = c.benchmark_group("turn");
    g.throughput(Throughput::Bytes(AGENT_TURN.len() as u64));
    g.bench_function("normalise", |b| {
        b.iter(|| normalise_into(black_box(AGENT_TURN), &mut norm))
    });
    let es = TextRules::new(Language::Es, true);
    g.bench_function("normalise/es_folded", |b| {
        b.iter(|| normalise_into_with(black_box(AGENT_TURN_ES), &mut norm, &es))
    });
    normalise_into(AGENT_TURN, &mut norm);
    let mut scratch = MatchScratch::default();
    let mut hits = Vec::new();
    g.bench_function("scan/builtin", |b| {
        b.iter(|| {
            rubric
                .matcher
                .scan(Speaker::Agent, black_box(&norm), &mut scratch, &mut hits)
        })
    });
    let big = big_rubric(2000);
    g.bench_function("scan/2000_extra_phrases", |b| {
        b.iter(|| {
            big.matcher
                .scan(Speaker::Agent, black_box(&norm), &mut scratch, &mut hits)
        })
    });
    g.bench_function("normalise+scan/builtin", |b| {
        b.iter(|| {
            normalise_into(black_box(AGENT_TURN), &mut norm);
            rubric
                .matcher
                .scan(Speaker::Agent, &norm, &mut scratch, &mut hits)
        })
    });
    g.bench_function("normalise+scan/2000_extra_phrases", |b| {
        b.iter(|| {
            normalise_into(black_box(AGENT_TURN), &mut norm);
            big.matcher
                .scan(Speaker::Agent, &norm, &mut scratch, &mut hits)
        })
    });
    g.finish();

    let call = call();
    let mut g = c.benchmark_group("call");
    g.throughput(Throughput::Bytes(call.text.len() as u64));
    let mut auditor = Auditor::new(&rubric, false);
    g.bench_function("audit/builtin", |b| {
        b.iter(|| auditor.audit(black_box(&call)))
    });
    let mut big_auditor = Auditor::new(&big, false);
    g.bench_function("audit/2000_extra_phrases", |b| {
        b.iter(|| big_auditor.audit(black_box(&call)))
    });
    let mut detailed = Auditor::new(&rubric, true);
    g.bench_function("audit/builtin_with_evidence", |b| {
        b.iter(|| detailed.audit(black_box(&call)))
    });
    g.finish();
}

criterion_group!(hot_path, benches);
criterion_main!(hot_path);
