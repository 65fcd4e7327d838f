//! Progress reporting and cooperative cancellation for long jobs.
//!
//! Every long operation of the core takes a `&dyn Progress` and a
//! [`CancelFlag`]; the CLI prints progress to stderr, the desktop shell turns
//! it into events, and either can set the flag to stop the job at the next
//! safe point.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Receives progress of a long job. Must be cheap: it is called often.
pub trait Progress: Send + Sync {
    /// `done` of `total` units finished; `message` says what is happening.
    fn report(&self, done: u64, total: u64, message: &str);
}

/// A progress sink that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _done: u64, _total: u64, _message: &str) {}
}

impl<F: Fn(u64, u64, &str) + Send + Sync> Progress for F {
    fn report(&self, done: u64, total: u64, message: &str) {
        self(done, total, message)
    }
}

/// A shared cancel flag: clone it, hand one to the job, set the other.
#[derive(Clone, Default, Debug)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Asks the job to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst)
    }
    /// Whether stopping was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_shared_between_clones() {
        let a = CancelFlag::new();
        let b = a.clone();
        assert!(!b.is_cancelled());
        a.cancel();
        assert!(b.is_cancelled());
        let seen = std::sync::Mutex::new(Vec::new());
        let sink = |d: u64, t: u64, m: &str| seen.lock().unwrap().push((d, t, m.to_string()));
        sink.report(1, 2, "x");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}
