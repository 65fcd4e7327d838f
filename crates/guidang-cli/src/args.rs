//! The command line's grammar (clap): commands, flags and their help.
//! Names and flags are a contract with users' scripts.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "guidang",
    version,
    about = "归档通：政务服务电子文件离线归档与移交"
)]
pub(crate) struct Cli {
    /// Data directory (default: $GUIDANG_DATA_DIR or the platform data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Hall,
    Intake,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SuiteArg {
    Gm,
    Intl,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Initialise the catalog with the unit's settings.
    Init {
        /// 行政区划码 (6 digits).
        #[arg(long)]
        region: String,
        /// 全宗号.
        #[arg(long)]
        fonds: String,
        /// 立档单位名称.
        #[arg(long)]
        unit: String,
        /// 机构 (department).
        #[arg(long)]
        org: Option<String>,
        /// Side of the hand-over.
        #[arg(long, value_enum, default_value = "hall")]
        role: RoleArg,
        /// Crypto suite: gm (SM3/SM2) or intl (SHA-256/Ed25519).
        #[arg(long, value_enum, default_value = "gm")]
        suite: SuiteArg,
        /// Print the settings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Manage operators.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Collect case folders, export trees or CSV ledgers.
    Collect {
        /// Case folders, export trees, case.json files or .csv ledgers.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Replace the content of collected or returned cases that changed.
        #[arg(long)]
        replace: bool,
        /// Operator recorded in the audit log.
        #[arg(long, default_value = "system")]
        operator: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List cases.
    Cases {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// Only cases overdue or due within 30 days.
        #[arg(long)]
        due: bool,
        /// Only cases in this status (collected, packaged, sealed, …).
        #[arg(long)]
        status: Option<String>,
        /// Only cases whose number, name, applicant or item contains this.
        #[arg(long)]
        search: Option<String>,
        /// At most this many.
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Show one case with its materials.
    Case {
        /// 办件编号.
        case_no: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Generate a realistic demo export tree and collect it.
    Demo {
        /// Number of cases.
        #[arg(long)]
        cases: u32,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Keep the export tree in this folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only write the export tree.
        #[arg(long, requires = "out")]
        no_collect: bool,
        /// Add one PDF of about this many bytes to the first case.
        #[arg(long, value_name = "BYTES")]
        large_file: Option<u64>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Overview: unit, counts by status, deadlines.
    Status {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Build and seal archival information packages (组包、固化).
    Package {
        /// Every collected case not yet packaged.
        #[arg(long, conflicts_with = "cases")]
        all: bool,
        /// 办件编号 of the cases to package.
        cases: Vec<String>,
        /// The sealing operator.
        #[arg(long)]
        operator: String,
        /// Read the PIN as one line from standard input.
        #[arg(long)]
        pin_stdin: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify packages: structure, every digest, the seal and its signer.
    Verify {
        /// Package files, or folders holding them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also trust the keys in this keyring file (repeatable).
        #[arg(long)]
        keyring: Vec<PathBuf>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Four-property check (四性检测, DA/T 70) of packages, folders or carriers.
    Check {
        /// Packages, folders of packages, or a transfer carrier.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        paths: Vec<PathBuf>,
        /// Every sealed package of the catalog not yet passed.
        #[arg(long)]
        all: bool,
        /// gd (archiving) or yj (transfer/receipt); default by role.
        #[arg(long)]
        stage: Option<String>,
        /// Also trust the keys in this keyring file (repeatable).
        #[arg(long)]
        keyring: Vec<PathBuf>,
        /// Who runs the check (recorded with the results).
        #[arg(long, default_value = "system")]
        operator: String,
        /// Print every finding as JSON.
        #[arg(long)]
        json: bool,
        /// Also write the check report as a PDF (Chinese, A4).
        #[arg(long, value_name = "FILE.pdf")]
        report: Option<PathBuf>,
    },
    /// Transfer batches (移交批次).
    Batch {
        #[command(subcommand)]
        command: BatchCommand,
    },
    /// Write batches to removable media (移交载体).
    Transfer {
        #[command(subcommand)]
        command: TransferCommand,
    },
    /// Back up the catalog and every stored file to a removable drive
    /// (incremental; several generations per drive).
    Backup {
        /// The drive (or a folder on it).
        #[arg(long, required_unless_present = "interval_days")]
        to: Option<PathBuf>,
        /// Set the reminder interval in days (default 30) instead.
        #[arg(long, conflicts_with = "to")]
        interval_days: Option<i64>,
        /// Who backs up (recorded).
        #[arg(long, default_value = "system")]
        operator: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild a data directory from a backup (the target must be empty).
    Restore {
        /// The backup drive, or a unit's backup folder on it.
        #[arg(long)]
        from: PathBuf,
        /// The data directory to rebuild (default: --data-dir).
        #[arg(long)]
        to: Option<PathBuf>,
        /// Which generation (default: the latest).
        #[arg(long)]
        generation: Option<String>,
        /// Restore in place of a data directory that is not empty: the
        /// current one is kept, renamed to `{name}.恢复前-{time}`.
        #[arg(long, conflicts_with = "list")]
        replace: bool,
        /// With --replace over a set-up catalog: the operator who decides
        /// it (their PIN is asked).
        #[arg(long, requires = "replace")]
        operator: Option<String>,
        /// Read the PIN as one line from standard input.
        #[arg(long, requires = "operator")]
        pin_stdin: bool,
        /// Only list the backup's generations, newest first.
        #[arg(long)]
        list: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Routine inspection (日常检查): every stored file, seal, the audit
    /// chain and the catalog; repairs from backup. Exit 1 when damage was
    /// found (even if repaired).
    Inspect {
        /// The backup to repair from (default: the latest one made).
        #[arg(long)]
        backup: Option<PathBuf>,
        /// Who inspects (recorded).
        #[arg(long, default_value = "system")]
        operator: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Retention appraisal (鉴定) and destruction (销毁).
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Intake workstation (接收方): open carriers, return, accept.
    Intake {
        #[command(subcommand)]
        command: IntakeCommand,
    },
    /// Hall side of returns: import the receiving archive's return file.
    Returns {
        #[command(subcommand)]
        command: ReturnsCommand,
    },
    /// Print a form of a batch to PDF.
    Print {
        /// transfer-list (移交清单, Table A.1), catalog (归档目录清单) or
        /// register (移交与接收登记表, after the first `transfer write`).
        #[arg(value_enum)]
        form: FormArg,
        /// 批次编号.
        batch_no: String,
        /// Output PDF.
        #[arg(short, long)]
        output: PathBuf,
        /// Also send the PDF to the system printer (CUPS `lp`).
        #[arg(long)]
        send: bool,
        /// The printer to send to (default: the system default printer).
        #[arg(long, requires = "send")]
        printer: Option<String>,
    },
    /// Set the opinion on opening for use (开放利用意见) of an item or a case.
    OpenOpinion {
        /// A service item's default (事项编码).
        #[arg(long, conflicts_with = "case", required_unless_present = "case")]
        item: Option<String>,
        /// One case (办件编号).
        #[arg(long)]
        case: Option<String>,
        /// 开放, 控制使用 or 不开放.
        #[arg(long)]
        opinion: String,
        /// Required unless 开放.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Correct the unit's name or service centre after setup (region code,
    /// fonds number, role and suite stay as set up).
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// The scanner's output folder, watched by the desktop app's case form.
    Scanner {
        #[command(subcommand)]
        command: ScannerCommand,
    },
    /// Export or show the unit's keyring (operators' public keys).
    Keyring {
        #[command(subcommand)]
        command: KeyringCommand,
    },
    /// Benchmark: grow the catalog by copies of its cases, then time the
    /// queries the desktop's 办件 screen makes.
    #[command(hide = true)]
    BenchCatalog {
        /// Copies of every case to add.
        #[arg(long, default_value_t = 0)]
        copies: u32,
    },
    /// Print the digest of files (for benchmarks and spot checks).
    #[command(hide = true)]
    Digest {
        /// sm3 or sha256.
        #[arg(long, default_value = "sm3")]
        algo: String,
        /// Files.
        files: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormArg {
    TransferList,
    Catalog,
    Register,
}

#[derive(Subcommand)]
pub(crate) enum RetentionCommand {
    /// Records whose retention has ended, and whether each may be destroyed.
    Due {
        /// As of this date (YYYY-MM-DD; default today), for planning.
        #[arg(long)]
        as_of: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Destroy a record after approval; it enters the destruction register.
    Destroy {
        /// 办件编号 or 电子文件号 (on the intake side: of an accepted package).
        case_no: String,
        /// Who approved the destruction.
        #[arg(long, default_value = "")]
        approved_by: String,
        /// The approval document number (批准文号).
        #[arg(long, default_value = "")]
        approval_doc: String,
        /// The operator who carries it out (recorded; their PIN is asked).
        #[arg(long)]
        operator: String,
        /// Read the PIN as one line from standard input.
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Print the destruction register (销毁清册) to PDF.
    Register {
        /// Output PDF.
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum IntakeCommand {
    /// Open one medium or every carrier of a batch: verify the signed
    /// manifest and each carrier, and check every package (yj stage).
    /// Exit 0 when every package passes, 1 when there are findings.
    Open {
        /// The carriers (root folders of the media).
        #[arg(required = true)]
        media: Vec<PathBuf>,
        /// The signer's fingerprint from the signed paper transfer list, or
        /// the text of its QR code (first batch of a unit, or a new key).
        #[arg(long)]
        trust: Option<String>,
        /// Who opens (recorded).
        #[arg(long, default_value = "system")]
        operator: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Return a package of the open batch, with the reason.
    Return {
        /// 电子文件号.
        efile_no: String,
        /// Why (what the hall must correct).
        #[arg(long)]
        reason: String,
        /// The batch (default: the newest open one).
        #[arg(long)]
        batch: Option<String>,
        /// Who decides (recorded).
        #[arg(long, default_value = "system")]
        operator: String,
    },
    /// Accept what is not returned: store it, write the receipt, the return
    /// slip and the signed return file.
    Accept {
        /// Accept every package not returned (failing ones not decided on
        /// are returned with their suggested reasons).
        #[arg(long, required = true)]
        rest: bool,
        /// The receiving archivist, who signs the return file.
        #[arg(long)]
        operator: String,
        /// Read the PIN as one line from standard input.
        #[arg(long)]
        pin_stdin: bool,
        /// Where to write the return file (default: onto the medium).
        #[arg(long)]
        return_file: Option<PathBuf>,
        /// The batch (default: the newest open one).
        #[arg(long)]
        batch: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Accepted packages in storage, each material with its entry.
    Holdings {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Batches opened and received, with each package's decision.
    Status {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum ReturnsCommand {
    /// Verify a return file and mark the returned cases (hall side).
    Import {
        /// The return file (退回清单.json).
        file: PathBuf,
        /// Who imports (recorded).
        #[arg(long, default_value = "system")]
        operator: String,
        /// The signing archivist's fingerprint (64 hex digits) or the QR
        /// text from the signed receipt or return slip: needed the first
        /// time a receiving unit's return file is imported, and when it is
        /// signed with a key not confirmed before.
        #[arg(long)]
        trust: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum TransferCommand {
    /// Write one carrier of a batch to a medium, reading every file back;
    /// re-running resumes. A batch too big for one carrier is split.
    Write {
        /// 批次编号.
        batch_no: String,
        /// The medium: its root folder (or an empty folder).
        #[arg(long)]
        to: PathBuf,
        /// Capacity of one carrier in bytes (default: the medium's free
        /// space at the first write); fixes how the batch is split.
        #[arg(long, value_name = "BYTES")]
        carrier_size: Option<u64>,
        /// Which carrier (default: the one on the medium, else the first
        /// not yet written).
        #[arg(long)]
        carrier: Option<u32>,
        /// Who writes (recorded in the audit log).
        #[arg(long, default_value = "system")]
        operator: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum BatchCommand {
    /// Group checked packages into a new, signed batch.
    Create {
        /// Every case that passed the archiving check and is in no batch.
        #[arg(long, conflicts_with = "cases")]
        all_ready: bool,
        /// 办件编号 of the cases (all must be ready).
        cases: Vec<String>,
        /// The transferring operator (移交人), who signs the manifest.
        #[arg(long)]
        operator: String,
        /// Read the PIN as one line from standard input.
        #[arg(long)]
        pin_stdin: bool,
        /// The batch this one corrects (再次移交).
        #[arg(long)]
        corrects: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List batches.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a batch's manifest (its signature is verified first).
    Show {
        /// 批次编号.
        batch_no: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum UnitCommand {
    /// Set the unit name (立档单位) and service centre.
    Rename {
        /// 立档单位名称.
        #[arg(long)]
        unit: String,
        /// Service centre (empty to clear).
        #[arg(long)]
        org: Option<String>,
        /// Who makes the change (for the audit log).
        #[arg(long, default_value = "system")]
        by: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum ScannerCommand {
    /// Set the scanner's output folder, or clear it with --clear.
    Folder {
        /// The folder the scanner software writes to.
        #[arg(required_unless_present = "clear")]
        path: Option<PathBuf>,
        /// Forget the folder.
        #[arg(long, conflicts_with = "path")]
        clear: bool,
    },
    /// List its files, newest first.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum KeyringCommand {
    /// Write the keyring to a file for a receiving archive.
    Export {
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum OperatorCommand {
    /// Add an operator (PIN from a prompt, or one line on stdin).
    Add {
        /// Name.
        #[arg(long)]
        name: String,
        /// Read the PIN as one line from standard input.
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Show an operator.
    Show {
        /// Name.
        name: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List operators.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Re-compute the hash chain; exit 1 if it is broken.
    Verify {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show recent entries.
    Log {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}
