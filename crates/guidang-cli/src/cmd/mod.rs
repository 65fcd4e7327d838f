//! The commands, one module per job; [`run`] opens the catalog (except for
//! `restore`, which must not create one) and dispatches.

use guidang_api::core::CancelFlag;
use guidang_api::{Archive, Error};

use crate::args::{Cli, Command};
use crate::output::Done;

mod audit;
mod batch;
mod care;
mod case;
mod check;
mod collect;
mod intake;
mod package;
mod setup;
mod transfer;

/// Runs the command line.
pub(crate) fn run(cli: Cli) -> Result<Done, Error> {
    let dir = cli.data_dir.unwrap_or_else(guidang_api::default_data_dir);
    if let Command::Restore { .. } = &cli.command {
        return care::restore(&dir, &cli.command);
    }
    let mut ar = Archive::open(&dir)?;
    // GUIDANG_TODAY=YYYY-MM-DD: a fixed "today" for appraisal drills (the
    // command line only; the core takes the date it is given).
    ar.set_today(
        std::env::var("GUIDANG_TODAY")
            .ok()
            .and_then(|v| chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok()),
    );
    let cancel = CancelFlag::new();
    match cli.command {
        c @ (Command::Init { .. }
        | Command::Operator { .. }
        | Command::Status { .. }
        | Command::Unit { .. }
        | Command::Scanner { .. }
        | Command::Keyring { .. }
        | Command::OpenOpinion { .. }
        | Command::Digest { .. }
        | Command::BenchCatalog { .. }) => setup::run(&mut ar, c, &dir),
        Command::Case {
            action: Some(action),
            ..
        } => case::run(&mut ar, action, &cancel),
        c @ (Command::Collect { .. }
        | Command::Cases { .. }
        | Command::Case { .. }
        | Command::Demo { .. }) => collect::run(&mut ar, c, &cancel),
        c @ (Command::Package { .. } | Command::Verify { .. }) => package::run(&mut ar, c, &cancel),
        c @ Command::Check { .. } => check::run(&mut ar, c, &cancel),
        c @ (Command::Batch { .. } | Command::Print { .. }) => batch::run(&mut ar, c),
        c @ Command::Transfer { .. } => transfer::run(&mut ar, c, &cancel),
        Command::Intake { command } => intake::run_intake(&mut ar, command, &cancel),
        c @ Command::Returns { .. } => intake::run(&mut ar, c),
        c @ (Command::Backup { .. } | Command::Inspect { .. } | Command::Retention { .. }) => {
            care::run(&mut ar, c, &cancel)
        }
        c @ Command::Audit { .. } => audit::run(&mut ar, c),
        Command::Restore { .. } => unreachable!("handled before the catalog is opened"),
    }
}
