//! The ordered parallel sink of a run: the reader runs on one of the pool's threads and hands
//! each batch of calls to the pool to audit; one thread takes the audited batches and gives
//! them to the sink in input order, so output is the same for any thread count.

use super::{AuditSink, BATCH_BYTES};
use crate::audit::{Auditor, CallAudit};
use crate::model::Call;
use crate::rubric::Rubric;
use std::sync::mpsc;

/// Runs `read` on `pool`; every batch it delivers is audited on the pool and handed to `sink`
/// in the order delivered. Audited batches go back to the reader through `recycle`. `read`'s
/// callback returns `false` when the sink has stopped on an error (which this returns).
pub(super) fn audit_in_order<R>(
    pool: &rayon::ThreadPool,
    threads: usize,
    rubric: &Rubric,
    detail: bool,
    sink: &mut dyn AuditSink,
    recycle: mpsc::SyncSender<Vec<Call>>,
    read: R,
) -> anyhow::Result<()>
where
    R: FnOnce(&mut dyn FnMut(Vec<Call>) -> bool) -> anyhow::Result<()> + Send,
{
    // The reader runs on one of the pool's threads and hands each full batch to the pool as
    // a task; the sink thread takes the results and puts them back in input order. At most
    // `in_flight` batches exist at once: the reader needs a permit for each, which the sink
    // returns when it has written a batch, so memory holds a fixed number of batches
    // whatever the input size. While the reader waits for a permit it audits queued batches
    // itself rather than leave its core idle (or to a spinning worker). A batch takes a
    // permit for every BATCH_BYTES it holds (a batch of one huge call takes several, up to
    // all of them), so that what is in flight stays near `in_flight` × BATCH_BYTES, plus one
    // call, however large the calls are. Two batches a thread: with one (`threads + 2`) the
    // batches waiting for an earlier, slower one to reach the sink held every permit often
    // enough that a core sat idle (TweetSumm ×100 at two threads: CPU use 1.84 of 2 cores
    // against 1.90, wall 1.50 against 1.40 s, medians of 6 alternations; peak RSS 49 → 51 MB).
    let in_flight = 2 * threads + 2;
    // Auditors idle between batches: each task takes one (or makes one) and puts it back, so that
    // an auditor's buffers are allocated once per thread (as with one thread), not once per batch.
    let auditors: std::sync::Mutex<Vec<Auditor<'_>>> = std::sync::Mutex::new(Vec::new());
    let auditors = &auditors;
    // Audits the sink is done with come back here, to be freed by the next task on a pool
    // thread (and their vector reused): freed on the sink's thread, every block would go back
    // to the allocator's arena of the thread that made it, through its lock, and that thread's
    // next audits would miss its cache of free blocks.
    let spent: std::sync::Mutex<Vec<Vec<CallAudit>>> = std::sync::Mutex::new(Vec::new());
    let spent = &spent;
    let (permits, permit_back) = mpsc::sync_channel::<()>(in_flight);
    let (to_sink, audited) = mpsc::channel::<Audited>();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let sink_thread =
            scope.spawn(move || write_in_order(audited, sink, &recycle, spent, &permit_back));
        let read = pool.install(|| {
            rayon::scope(|tasks| {
                let mut seq = 0u64;
                let result = read(&mut |batch| {
                    let bytes: u64 = batch.iter().map(Call::bytes).sum();
                    let weight = (bytes.div_ceil(BATCH_BYTES as u64) as usize).clamp(1, in_flight);
                    if !take_permits(&permits, weight) {
                        return false;
                    }
                    let to_sink = to_sink.clone();
                    let this = seq;
                    seq += 1;
                    tasks.spawn(move |_| {
                        // A panic must still reach the sink: it waits for every batch in turn,
                        // and would otherwise wait for this one (and the reader for permits)
                        // forever.
                        let audits = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            let idle = auditors.lock().ok().and_then(|mut a| a.pop());
                            let mut auditor = idle.unwrap_or_else(|| Auditor::new(rubric, detail));
                            let mut audits = spent
                                .lock()
                                .ok()
                                .and_then(|mut s| s.pop())
                                .unwrap_or_default();
                            audits.clear();
                            audits.extend(batch.iter().map(|c| auditor.audit(c)));
                            if let Ok(mut a) = auditors.lock() {
                                a.push(auditor);
                            }
                            audits
                        }))
                        .ok();
                        let _ = to_sink.send((this, batch, audits, weight));
                    });
                    true
                });
                drop(to_sink);
                result
            })
        });
        drop(permits);
        let consumed = sink_thread
            .join()
            .map_err(|_| anyhow::anyhow!("an audit thread panicked"))?;
        // An output error stops the reader too; report the cause, not the stop.
        consumed?;
        read
    })
}

/// Batches of spent audits kept for the tasks to free (more are freed where they are).
const SPENT_KEPT: usize = 8;

/// A batch back from its task: its number, its calls, their audits (`None` when the task
/// panicked) and its permits.
type Audited = (u64, Vec<Call>, Option<Vec<CallAudit>>, usize);

/// Gives `sink` the audited batches in the order they were delivered, returning each batch's
/// permits once it is written. A batch whose task panicked stops the run with an error.
fn write_in_order(
    audited: mpsc::Receiver<Audited>,
    sink: &mut dyn AuditSink,
    recycle: &mpsc::SyncSender<Vec<Call>>,
    spent: &std::sync::Mutex<Vec<Vec<CallAudit>>>,
    permit_back: &mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    let mut next = 0u64;
    let mut waiting: std::collections::BTreeMap<u64, (Vec<Call>, Vec<CallAudit>, usize)> =
        std::collections::BTreeMap::new();
    for (seq, batch, audits, weight) in audited {
        let Some(audits) = audits else {
            let first = batch.first().map_or("an empty batch", |c| c.id.as_ref());
            anyhow::bail!("an audit thread panicked (calls from {first})");
        };
        waiting.insert(seq, (batch, audits, weight));
        while let Some((batch, mut audits, weight)) = waiting.remove(&next) {
            for (call, a) in batch.iter().zip(&mut audits) {
                sink.accept(call, a)?;
            }
            let _ = recycle.try_send(batch);
            if let Ok(mut s) = spent.lock()
                && s.len() < SPENT_KEPT
            {
                s.push(audits);
            }
            next += 1;
            // A batch is done: let the reader start another.
            for _ in 0..weight {
                let _ = permit_back.recv();
            }
        }
    }
    Ok(())
}

/// Takes `weight` permits for a batch, auditing queued batches while none is free; `false`
/// when the sink has stopped on an error (it reports it).
fn take_permits(permits: &mpsc::SyncSender<()>, weight: usize) -> bool {
    let mut taken = 0;
    while taken < weight {
        match permits.try_send(()) {
            Ok(()) => taken += 1,
            // The sink stopped on an error; it reports it.
            Err(mpsc::TrySendError::Disconnected(())) => return false,
            Err(mpsc::TrySendError::Full(())) => {
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    std::thread::sleep(std::time::Duration::from_micros(100));
                }
            }
        }
    }
    true
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::Speaker;

    /// Keeps every audit it is given, in the order given.
    #[derive(Default)]
    pub(in crate::pipeline) struct Kept(pub(in crate::pipeline) Vec<CallAudit>);

    impl AuditSink for Kept {
        fn accept(&mut self, _call: &Call, audit: &mut CallAudit) -> anyhow::Result<()> {
            self.0.push(std::mem::take(audit));
            Ok(())
        }
        fn reset(&mut self) -> anyhow::Result<()> {
            self.0.clear();
            Ok(())
        }
    }

    /// A call of `turns` turns whose words depend on `n`, so that calls differ in verdicts.
    fn call(n: usize, turns: usize) -> Call {
        let lines = [
            "I understand how frustrating that must be, let me fix this for you right now",
            "this is ridiculous, I have been waiting for three weeks and nobody helps",
            "thank you so much, that's great",
            "I'm sorry to hear that. Could you tell me your account number please?",
            "whatever. just cancel it",
        ];
        let mut c = Call::new(format!("call-{n}"));
        for t in 0..turns {
            let speaker = if t % 2 == 0 {
                Speaker::Customer
            } else {
                Speaker::Agent
            };
            c.push_turn(speaker, lines[(n + t) % lines.len()], t as u64 + 2);
        }
        c.finish();
        c
    }

    /// Batches of very different sizes (a long batch first, then short ones) finish out of
    /// order on the pool; the sink still gets every audit in delivery order, each the same as one
    /// auditor reused for every call on one thread gives (the auditors the tasks reuse keep no
    /// state from one call to the next).
    #[test]
    fn audits_reach_the_sink_in_delivery_order_whatever_order_batches_finish_in() {
        let rubric = Rubric::default_rubric();
        let mut batches: Vec<Vec<Call>> = Vec::new();
        let mut n = 0;
        for b in 0..60 {
            // Every tenth batch is long, the others short: later batches overtake it.
            let (calls, turns) = if b % 10 == 0 {
                (40, 60)
            } else {
                (1 + b % 3, 1 + b % 5)
            };
            batches.push(
                (0..calls)
                    .map(|_| {
                        n += 1;
                        call(n, turns + n % 4)
                    })
                    .collect(),
            );
        }
        let mut one = Auditor::new(&rubric, true);
        let expected: Vec<CallAudit> = batches.iter().flatten().map(|c| one.audit(c)).collect();
        for threads in [2, 3, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (recycle, _recycled) = mpsc::sync_channel::<Vec<Call>>(2);
            let mut kept = Kept::default();
            let to_send = batches.clone();
            audit_in_order(
                &pool,
                threads,
                &rubric,
                true,
                &mut kept,
                recycle,
                |deliver| {
                    for batch in to_send {
                        assert!(deliver(batch));
                    }
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(kept.0.len(), expected.len(), "{threads} threads");
            assert!(
                kept.0 == expected,
                "{threads} threads: audits differ or are out of order"
            );
        }
    }

    /// A batch whose task panicked ends the ordered writer with an error (it used to wait for
    /// that batch forever, and the reader for permits), even with later batches queued.
    #[test]
    fn a_panicked_batch_stops_the_writer_with_an_error() {
        let (to_sink, audited) = mpsc::channel::<Audited>();
        let (recycle, _recycled) = mpsc::sync_channel::<Vec<Call>>(4);
        let (permits, permit_back) = mpsc::sync_channel::<()>(4);
        permits.send(()).unwrap();
        to_sink
            .send((1, vec![call(1, 2)], Some(Vec::new()), 1))
            .unwrap();
        to_sink.send((0, vec![call(0, 2)], None, 1)).unwrap();
        // The reader's sender stays open, as it would while it waits for permits.
        let spent = std::sync::Mutex::new(Vec::new());
        let e = write_in_order(
            audited,
            &mut Kept::default(),
            &recycle,
            &spent,
            &permit_back,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "an audit thread panicked (calls from call-0)"
        );
        drop(to_sink);
    }

    /// A sink that fails stops the reader (its callback says false) and its error is the run's.
    #[test]
    fn a_failing_sink_stops_the_reader_and_its_error_is_returned() {
        struct Failing(usize);
        impl AuditSink for Failing {
            fn accept(&mut self, _call: &Call, _audit: &mut CallAudit) -> anyhow::Result<()> {
                self.0 += 1;
                if self.0 == 5 {
                    anyhow::bail!("disk full");
                }
                Ok(())
            }
            fn reset(&mut self) -> anyhow::Result<()> {
                Ok(())
            }
        }
        let rubric = Rubric::default_rubric();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let (recycle, _recycled) = mpsc::sync_channel::<Vec<Call>>(2);
        let mut stopped_at = None;
        let e = audit_in_order(
            &pool,
            2,
            &rubric,
            false,
            &mut Failing(0),
            recycle,
            |deliver| {
                for i in 0..10_000 {
                    if !deliver(vec![call(i, 3)]) {
                        stopped_at = Some(i);
                        break;
                    }
                }
                Ok(())
            },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "disk full");
        assert!(
            stopped_at.is_some_and(|i| i < 10_000),
            "the reader was not stopped"
        );
    }
}
