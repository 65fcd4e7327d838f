//! The `guidang` command-line contract: commands, flags, JSON fields and
//! exit codes (0 success, 1 findings, 2 error), run as a real process on a
//! real data directory.
//!
//! One test binary, ripgrep-style: a topic module per job over `util.rs`,
//! and the fault-injection harness in `faults/`.

mod util;

mod amend;
mod batch;
mod care;
mod check;
mod collect;
mod contract;
mod disc;
mod faults;
mod hostile;
mod intake;
mod package;
mod setup;
mod transfer;
mod unpacked;
