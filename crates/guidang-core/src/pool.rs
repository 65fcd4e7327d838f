//! A bounded pool of worker threads for long jobs over many items
//! (packaging, verification, checks): one worker per core, items handed out
//! in order, results consumed on the calling thread as they arrive (so the
//! caller can write to the catalog and report progress without locks).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::CancelFlag;

/// Worker threads for `items` items: one per core, at least one.
pub fn workers(items: usize) -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(items.max(1))
}

/// Runs `work(i)` for `i` in `0..items` on [`workers`] threads and calls
/// `done(i, result)` on the calling thread for each, in completion order.
/// Once `cancel` is set, no further item is started (items already started
/// finish and are still passed to `done`).
pub fn run<R: Send>(
    items: usize,
    cancel: &CancelFlag,
    work: impl Fn(usize) -> R + Sync,
    mut done: impl FnMut(usize, R),
) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..workers(items) {
            let (tx, next, work) = (tx.clone(), &next, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= items || cancel.is_cancelled() {
                    break;
                }
                if tx.send((i, work(i))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, r) in rx {
            done(i, r);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_once_and_cancel_stops_new_items() {
        let mut seen = vec![0; 100];
        run(
            100,
            &CancelFlag::new(),
            |i| i * 2,
            |i, r| {
                assert_eq!(r, i * 2);
                seen[i] += 1;
            },
        );
        assert!(seen.iter().all(|n| *n == 1));
        let c = CancelFlag::new();
        c.cancel();
        let mut n = 0;
        run(100, &c, |i| i, |_, _| n += 1);
        assert_eq!(n, 0);
    }
}
