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
    // call, however large the calls are.
    let in_flight = threads + 2;
    let (permits, permit_back) = mpsc::sync_channel::<()>(in_flight);
    let (to_sink, audited) = mpsc::channel::<(u64, Vec<Call>, Vec<CallAudit>, usize)>();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let sink_thread =
            scope.spawn(move || write_in_order(audited, sink, &recycle, &permit_back));
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
                        let mut auditor = Auditor::new(rubric, detail);
                        let audits = batch.iter().map(|c| auditor.audit(c)).collect();
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

/// Gives `sink` the audited batches in the order they were delivered, returning each batch's
/// permits once it is written.
fn write_in_order(
    audited: mpsc::Receiver<(u64, Vec<Call>, Vec<CallAudit>, usize)>,
    sink: &mut dyn AuditSink,
    recycle: &mpsc::SyncSender<Vec<Call>>,
    permit_back: &mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    let mut next = 0u64;
    let mut waiting: std::collections::BTreeMap<u64, (Vec<Call>, Vec<CallAudit>, usize)> =
        std::collections::BTreeMap::new();
    for (seq, batch, audits, weight) in audited {
        waiting.insert(seq, (batch, audits, weight));
        while let Some((batch, audits, weight)) = waiting.remove(&next) {
            for (call, a) in batch.iter().zip(audits) {
                sink.accept(call, a)?;
            }
            let _ = recycle.try_send(batch);
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
