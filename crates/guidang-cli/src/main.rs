//! `guidang`: every operation of the archive for scripts and tests.
//!
//! Exit codes (a contract with users' scripts): 0 success, 1 findings
//! (rejected cases, failed checks, a broken audit chain), 2 error (the
//! operation could not run).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use guidang_api::core::{CancelFlag, CaseStatus, NoProgress, Progress, Role, Suite};
use guidang_api::packaging::{PackageOutcome, Selection};
use guidang_api::{Archive, CaseFilter, DemoRequest, Error, InitOptions, Outcome};

#[derive(Parser)]
#[command(
    name = "guidang",
    version,
    about = "归档通：政务服务电子文件离线归档与移交"
)]
struct Cli {
    /// Data directory (default: $GUIDANG_DATA_DIR or the platform data directory).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Hall,
    Intake,
}

#[derive(Clone, Copy, ValueEnum)]
enum SuiteArg {
    Gm,
    Intl,
}

#[derive(Subcommand)]
enum Command {
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
enum FormArg {
    TransferList,
    Catalog,
    Register,
}

#[derive(Subcommand)]
enum RetentionCommand {
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
enum IntakeCommand {
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
enum ReturnsCommand {
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
enum TransferCommand {
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
enum BatchCommand {
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
enum UnitCommand {
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
enum ScannerCommand {
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
enum KeyringCommand {
    /// Write the keyring to a file for a receiving archive.
    Export {
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
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
enum AuditCommand {
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

/// How a command ended, mapped to the exit code.
enum Done {
    Ok,
    Findings,
}

fn print_json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).expect("serialisable"));
}

struct StderrProgress;

/// Whether a progress line is open on the terminal (printed without its
/// newline), so that an error is not appended to it.
static PROGRESS_LINE_OPEN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

impl Progress for StderrProgress {
    fn report(&self, done: u64, total: u64, message: &str) {
        eprint!("\r\x1b[K[{done}/{total}] {message}");
        let open = done != total;
        if !open {
            eprintln!();
        }
        PROGRESS_LINE_OPEN.store(open, std::sync::atomic::Ordering::Relaxed);
        let _ = std::io::stderr().flush();
    }
}

/// Ends an open progress line, so what follows starts on its own line.
fn end_progress_line() {
    if PROGRESS_LINE_OPEN.swap(false, std::sync::atomic::Ordering::Relaxed) {
        eprintln!();
    }
}

fn progress() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(StderrProgress)
    } else {
        Box::new(NoProgress)
    }
}

fn read_pin(pin_stdin: bool) -> Result<String, Error> {
    let io_err = |source| Error::DataDir {
        path: PathBuf::from("<stdin>"),
        source,
    };
    if pin_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(io_err)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let pin = rpassword::prompt_password("请输入 PIN：").map_err(io_err)?;
    let again = rpassword::prompt_password("请再次输入 PIN：").map_err(io_err)?;
    if pin != again {
        return Err(Error::WeakPin("两次输入的 PIN 不一致".into()));
    }
    Ok(pin)
}

/// One line of a check finding: `[item] verdict reason（entry）`.
fn finding_line(prefix: &str, f: &guidang_check::Finding) -> String {
    let at = f
        .entry
        .as_deref()
        .map(|e| format!("（{e}）"))
        .unwrap_or_default();
    format!(
        "{prefix}[{}] {} {}{at}",
        f.item,
        f.verdict.label(),
        f.reason.as_deref().unwrap_or("")
    )
}

/// A PIN for unlocking (no confirmation prompt).
fn read_pin_once(pin_stdin: bool) -> Result<String, Error> {
    if pin_stdin {
        return read_pin(true);
    }
    rpassword::prompt_password("请输入 PIN：").map_err(|source| Error::DataDir {
        path: PathBuf::from("<tty>"),
        source,
    })
}

/// With GUIDANG_REPORT_PEAK_MEMORY=1, prints the process's peak resident
/// memory (Linux), for the benchmark.
fn peak_memory_report() {
    if std::env::var("GUIDANG_REPORT_PEAK_MEMORY").is_ok_and(|v| v == "1") {
        if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
            if let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:")) {
                eprintln!("peak_memory {}", l.trim_start_matches("VmHWM:").trim());
            }
        }
    }
}

fn status_label(code: &str) -> &str {
    CaseStatus::from_code(code)
        .map(|s| s.label())
        .unwrap_or(code)
}

fn run(cli: Cli) -> Result<Done, Error> {
    let dir = cli.data_dir.unwrap_or_else(guidang_api::default_data_dir);
    // Restore writes a data directory that must not exist yet: do not open
    // (and so create) a catalog there first.
    if let Command::Restore {
        from,
        to,
        generation,
        replace,
        operator,
        pin_stdin,
        list,
        json,
    } = &cli.command
    {
        if *list {
            let gens = guidang_api::care::backup_generations(from)?;
            if *json {
                print_json(&gens);
            } else {
                for g in &gens {
                    if g.valid {
                        println!(
                            "{}\t{}\t{}\t{} 个文件\t{} 字节",
                            g.generation, g.created_at, g.unit, g.files, g.bytes
                        );
                    } else {
                        println!("{}\t备份清单签名无效，不能恢复", g.generation);
                    }
                }
            }
            return Ok(Done::Ok);
        }
        let to = to.clone().unwrap_or_else(|| dir.clone());
        if *replace {
            let pin = match operator {
                Some(_) => Some(read_pin_once(*pin_stdin)?),
                None => None,
            };
            let r = guidang_api::care::restore_replacing(
                from,
                &to,
                generation.as_deref(),
                operator.as_deref().zip(pin.as_deref()),
                progress().as_ref(),
                &CancelFlag::new(),
            )?;
            eprintln!();
            if *json {
                print_json(&r);
            } else {
                println!(
                    "已从第 {} 代备份恢复 {} 个文件到 {}，每个文件的摘要和审计日志链都已核对",
                    r.restore.generation,
                    r.restore.files,
                    r.restore.to.display()
                );
                if let Some(k) = &r.kept {
                    println!("原来的数据目录没有删除，已改名保存为 {}", k.display());
                }
            }
            return Ok(Done::Ok);
        }
        let r = guidang_api::care::restore(
            from,
            &to,
            generation.as_deref(),
            "system",
            progress().as_ref(),
            &CancelFlag::new(),
        )?;
        eprintln!();
        if *json {
            print_json(&r);
        } else {
            println!(
                "已从第 {} 代备份恢复 {} 个文件（{} 字节）到 {}，每个文件的摘要都已核对",
                r.generation,
                r.files,
                r.bytes,
                r.to.display()
            );
            println!("备份签名公钥指纹：{}", r.fingerprint);
        }
        if !r.audit_problems.is_empty() {
            for p in &r.audit_problems {
                eprintln!("警告：{p}");
            }
            eprintln!("恢复出的目录库审计日志链有问题，请运行 guidang audit verify 查看");
            return Ok(Done::Findings);
        }
        return Ok(Done::Ok);
    }
    let mut ar = Archive::open(&dir)?;
    let cancel = CancelFlag::new();
    match cli.command {
        Command::Init {
            region,
            fonds,
            unit,
            org,
            role,
            suite,
            json,
        } => {
            let u = ar.init(&InitOptions {
                region,
                fonds,
                unit_name: unit,
                org,
                role: match role {
                    RoleArg::Hall => Role::Hall,
                    RoleArg::Intake => Role::Intake,
                },
                suite: match suite {
                    SuiteArg::Gm => Suite::Gm,
                    SuiteArg::Intl => Suite::Intl,
                },
            })?;
            if json {
                print_json(&u);
            } else {
                println!(
                    "已初始化：{}（行政区划码 {}，全宗号 {}，{}，{}）\n数据目录：{}",
                    u.unit_name,
                    u.region,
                    u.fonds,
                    u.role.label(),
                    u.suite.label(),
                    dir.display()
                );
            }
        }
        Command::Operator { command } => match command {
            OperatorCommand::Add { name, pin_stdin } => {
                ar.unit()?;
                let pin = read_pin(pin_stdin)?;
                let op = ar.add_operator(&name, &pin)?;
                println!("已添加操作员：{}", op.name);
            }
            OperatorCommand::Show { name, json } => {
                let op = ar.operator(&name)?;
                if json {
                    print_json(&op);
                } else {
                    println!(
                        "操作员：{}\n添加时间：{}\n状态：{}",
                        op.name,
                        op.created_at,
                        if op.active { "启用" } else { "停用" }
                    );
                    if let Some(f) = &op.fingerprint {
                        println!("公钥指纹：{f}");
                    }
                }
            }
            OperatorCommand::List { json } => {
                let ops = ar.operators()?;
                if json {
                    print_json(&ops);
                } else {
                    for op in ops {
                        println!("{}\t{}", op.name, op.created_at);
                    }
                }
            }
        },
        Command::Collect {
            paths,
            replace,
            operator,
            json,
        } => {
            let p = progress();
            let r = ar.collect(&paths, replace, &operator, p.as_ref(), &cancel);
            end_progress_line();
            let r = r?;
            if json {
                print_json(&r);
            } else {
                for c in &r.cases {
                    let no = c.case_no.as_deref().unwrap_or("?");
                    match &c.outcome {
                        Outcome::Added { efile_no } => println!("已收集  {no}  → {efile_no}"),
                        Outcome::Unchanged { efile_no } => {
                            println!("未变化  {no}  （{efile_no}，已收集过）")
                        }
                        Outcome::Replaced { efile_no } => println!("已更正  {no}  → {efile_no}"),
                        Outcome::Rejected { problems } => {
                            println!("已拒绝  {}", c.source);
                            for pr in problems {
                                println!("        - {pr}");
                            }
                        }
                        Outcome::Conflict { message } => {
                            println!("冲突    {no}\n        - {message}")
                        }
                    }
                    for n in &c.notes {
                        println!("        注：{n}");
                    }
                }
                println!(
                    "合计：新收集 {}，未变化 {}，更正 {}，失败 {}",
                    r.added(),
                    r.unchanged(),
                    r.replaced(),
                    r.failed()
                );
            }
            if r.failed() > 0 {
                return Ok(Done::Findings);
            }
        }
        Command::Cases {
            json,
            due,
            status,
            search,
            limit,
        } => {
            let status = match status {
                Some(s) => Some(CaseStatus::from_code(&s).ok_or_else(|| {
                    Error::Invalid(guidang_api::core::ValidationErrors(vec![
                        guidang_api::core::FieldError {
                            field: "--status".into(),
                            message: format!("未知状态“{s}”，可选值：{}", CaseStatus::domain()),
                        },
                    ]))
                })?),
                None => None,
            };
            if due {
                let rows = ar.due(guidang_api::today(), guidang_api::DUE_WINDOW_DAYS)?;
                if json {
                    print_json(&rows);
                } else {
                    for r in &rows {
                        let when = if r.days_left < 0 {
                            format!("已逾期{}天", -r.days_left)
                        } else {
                            format!("还剩{}天", r.days_left)
                        };
                        println!(
                            "{}\t{}\t{}\t{}（{}）{}",
                            r.case.case_no,
                            r.case.case_name,
                            status_label(&r.case.status),
                            r.due_kind.label(),
                            r.due_date,
                            when
                        );
                    }
                    println!("合计 {} 件", rows.len());
                }
            } else {
                let rows = ar.cases(&CaseFilter {
                    status,
                    text: search,
                    limit,
                    ..Default::default()
                })?;
                if json {
                    print_json(&rows);
                } else {
                    for r in &rows {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            r.case_no,
                            r.efile_no,
                            r.case_name,
                            &r.completed_at[..10],
                            status_label(&r.status)
                        );
                    }
                    println!("合计 {} 件", rows.len());
                }
            }
        }
        Command::Case { case_no, json } => {
            let rows = ar.cases(&CaseFilter {
                text: Some(case_no.clone()),
                ..Default::default()
            })?;
            let Some(case) = rows.into_iter().find(|c| c.case_no == case_no) else {
                return Err(Error::Invalid(guidang_api::core::ValidationErrors(vec![
                    guidang_api::core::FieldError {
                        field: "办件编号".into(),
                        message: format!(
                            "没有办件编号为 {case_no} 的办件；可用 guidang cases --search 查找"
                        ),
                    },
                ])));
            };
            let materials = ar.materials(&case_no)?;
            let return_reason = ar.case_detail(&case_no)?.return_reason;
            if json {
                print_json(
                    &serde_json::json!({"case": case, "materials": materials, "return_reason": return_reason}),
                );
            } else {
                println!(
                    "{}  {}\n电子文件号：{}\n状态：{}",
                    case.case_no,
                    case.case_name,
                    case.efile_no,
                    status_label(&case.status)
                );
                if let Some(r) = &return_reason {
                    println!("退回原因：{r}\n请按退回原因更正后用 guidang collect --replace 重新收集，再组包、检测，并在新批次中注明所更正的批次（--corrects）");
                }
                for m in materials {
                    println!(
                        "  {:>2}. [{}] {}  {} 字节  {}  {}:{}",
                        m.seq,
                        m.category,
                        m.original_name,
                        m.size,
                        m.format,
                        m.digest_algo,
                        m.digest
                    );
                }
            }
        }
        Command::Demo {
            cases,
            seed,
            out,
            no_collect,
            large_file,
            json,
        } => {
            let p = progress();
            let r = ar.demo(
                &DemoRequest {
                    cases,
                    seed,
                    out,
                    no_collect,
                    large_file,
                },
                p.as_ref(),
                &cancel,
            );
            end_progress_line();
            let r = r?;
            if json {
                print_json(&r);
            } else {
                println!(
                    "已生成示例数据：{} 件办件，{} 个文件，{:.1} MB",
                    r.cases,
                    r.files,
                    r.bytes as f64 / 1e6
                );
                if let Some(c) = &r.collect {
                    println!(
                        "收集：新收集 {}，未变化 {}，失败 {}",
                        c.added(),
                        c.unchanged(),
                        c.failed()
                    );
                }
            }
            if r.collect.as_ref().is_some_and(|c| c.failed() > 0) {
                return Ok(Done::Findings);
            }
        }
        Command::Status { json } => {
            let s = ar.summary()?;
            if json {
                print_json(&s);
            } else {
                match &s.unit {
                    Some(u) => {
                        println!("{}（{}，{}）", u.unit_name, u.role.label(), u.suite.label())
                    }
                    None => println!("尚未初始化"),
                }
                println!("数据目录：{}", s.data_dir.display());
                for (st, n) in &s.counts {
                    println!("{}：{n}", status_label(st));
                }
                println!("已逾期：{}，30天内到期：{}", s.overdue, s.due_soon);
                match (&s.last_backup, s.backup_overdue) {
                    (Some(b), false) => println!("上次备份：{b}"),
                    (Some(b), true) => println!(
                        "提醒：上次备份是 {b}，已超过 {} 天，请运行 guidang backup --to 移动硬盘",
                        s.backup_interval_days
                    ),
                    (None, _) if s.unit.is_some() => {
                        println!("提醒：还没有备份过，请运行 guidang backup --to 移动硬盘")
                    }
                    _ => {}
                }
            }
        }
        Command::Package {
            all,
            cases,
            operator,
            pin_stdin,
            json,
        } => {
            if !all && cases.is_empty() {
                return Err(Error::Invalid(guidang_api::core::ValidationErrors(vec![
                    guidang_api::core::FieldError {
                        field: "办件".into(),
                        message: "请给出办件编号，或用 --all 组包全部已收集的办件".into(),
                    },
                ])));
            }
            ar.operator(&operator)?;
            let pin = read_pin_once(pin_stdin)?;
            let sel = if all {
                Selection::All
            } else {
                Selection::Cases(cases)
            };
            let p = progress();
            let r = ar.package(&sel, &operator, &pin, p.as_ref(), &cancel);
            end_progress_line();
            let r = r?;
            if json {
                print_json(&r);
            } else {
                for x in &r.packages {
                    match &x.outcome {
                        PackageOutcome::Sealed { efile_no, size, .. } => {
                            println!("已固化  {}  → {efile_no}.zip（{size} 字节）", x.case_no)
                        }
                        PackageOutcome::AlreadySealed { efile_no } => {
                            println!("已固化过  {}  （{efile_no}）", x.case_no)
                        }
                        PackageOutcome::Failed { message, .. } => {
                            println!("失败    {}\n        - {message}", x.case_no)
                        }
                    }
                }
                println!("合计：新固化 {}，失败 {}", r.sealed(), r.failed());
            }
            if r.failed() > 0 {
                return Ok(Done::Findings);
            }
        }
        Command::Verify {
            paths,
            keyring,
            json,
        } => {
            let reports = ar.verify(&paths, &keyring, &cancel)?;
            let bad = reports.iter().filter(|r| !r.ok()).count();
            if json {
                print_json(&reports);
            } else {
                for r in &reports {
                    let name = r
                        .package
                        .file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default();
                    if r.ok() {
                        let who = r
                            .signer
                            .as_ref()
                            .map(|s| format!("，固化人 {}（{}）", s.operator, s.sealed_at))
                            .unwrap_or_default();
                        println!("通过    {name}{who}");
                    } else {
                        println!("不通过  {name}");
                        for f in &r.findings {
                            match &f.entry {
                                Some(e) => println!("        - [{}] {e}：{}", f.code, f.message),
                                None => println!("        - [{}] {}", f.code, f.message),
                            }
                        }
                    }
                }
                println!(
                    "合计：{} 个包，通过 {}，不通过 {bad}",
                    reports.len(),
                    reports.len() - bad
                );
            }
            if bad > 0 {
                return Ok(Done::Findings);
            }
        }
        Command::Check {
            paths,
            all,
            stage,
            keyring,
            operator,
            json,
            report,
        } => {
            use guidang_api::checking::CheckTarget;
            use guidang_check::{Stage, Verdict};
            let stage = match stage {
                Some(s) => Stage::from_code(&s).ok_or_else(|| {
                    Error::Invalid(guidang_api::core::ValidationErrors(vec![
                        guidang_api::core::FieldError {
                            field: "--stage".into(),
                            message: format!("“{s}”无效，应为 gd（归档）或 yj（移交接收）"),
                        },
                    ]))
                })?,
                None => ar.default_stage()?,
            };
            let target = if all {
                CheckTarget::All
            } else {
                CheckTarget::Paths(paths)
            };
            let p = progress();
            let b = ar.check(&target, stage, &keyring, &operator, p.as_ref(), &cancel);
            end_progress_line();
            let b = b?;
            if let Some(path) = &report {
                ar.write_check_report(&b, &operator, path)?;
                eprintln!("检测报告已写入 {}", path.display());
            }
            if json {
                print_json(&b);
            } else {
                for pk in &b.packages {
                    let mark = if pk.verdict == Verdict::Fail {
                        "不合格"
                    } else {
                        "合格  "
                    };
                    println!("{mark}  {}  {}", pk.efile_no, pk.opinion);
                    for f in pk
                        .findings
                        .iter()
                        .filter(|f| matches!(f.verdict, Verdict::Fail | Verdict::Warn))
                    {
                        println!("{}", finding_line("        ", f));
                    }
                }
                for f in &b.batch_findings {
                    println!("{}", finding_line("批次    ", f));
                }
                println!("{}：{}", stage.label(), b.opinion);
            }
            if b.verdict == Verdict::Fail {
                return Ok(Done::Findings);
            }
        }
        Command::Batch { command } => match command {
            BatchCommand::Create {
                all_ready,
                cases,
                operator,
                pin_stdin,
                corrects,
                json,
            } => {
                use guidang_api::batching::BatchSelection;
                if !all_ready && cases.is_empty() {
                    return Err(Error::BatchRefused(vec![
                        "请给出办件编号，或用 --all-ready 组批全部已通过检测的办件".into(),
                    ]));
                }
                ar.operator(&operator)?;
                let pin = read_pin_once(pin_stdin)?;
                let sel = if all_ready {
                    BatchSelection::AllReady
                } else {
                    BatchSelection::Cases(cases)
                };
                let b = ar.create_batch(&sel, &operator, &pin, corrects.as_deref())?;
                if json {
                    print_json(&b);
                } else {
                    println!("批次编号：{}", b.batch_no);
                    println!("归档信息包：{} 个，{} 字节", b.packages, b.bytes);
                    println!("批次摘要（{}）：{}", b.digest_algo, b.digest);
                    println!("移交人公钥指纹：{}", b.fingerprint);
                    println!("批次清单：{}", b.dir.display());
                    if !b.left_out.is_empty() {
                        println!("未组入本批次的已检测办件 {} 件：", b.left_out.len());
                        for why in &b.left_out {
                            println!("  {why}");
                        }
                    }
                }
            }
            BatchCommand::List { json } => {
                let bs = ar.batches()?;
                if json {
                    print_json(&bs);
                } else {
                    for b in &bs {
                        println!(
                            "{}\t{}\t{} 个包\t{}\t{}",
                            b.batch_no, b.created_at, b.packages, b.created_by, b.status
                        );
                    }
                    println!("合计 {} 个批次", bs.len());
                }
            }
            BatchCommand::Show { batch_no, json } => {
                let (m, sig) = ar.batch_manifest(&batch_no)?;
                let carriers = ar.batch_carriers(&batch_no)?;
                if json {
                    print_json(
                        &serde_json::json!({"manifest": m, "signature": sig, "carriers": carriers}),
                    );
                } else {
                    for c in &carriers {
                        println!(
                            "载体 {}/{}：{} 个文件，{} 字节，摘要（{}）{}，写入 {} 次，最近 {}",
                            c.carrier_no,
                            c.carriers,
                            c.files,
                            c.bytes,
                            c.digest_algo,
                            c.digest,
                            c.copies,
                            c.last_written_at
                        );
                    }
                    println!("批次编号：{}（{}）", m.batch_no, m.unit.name);
                    if let Some(c) = &m.corrects {
                        println!("更正批次：{c}");
                    }
                    println!("移交人：{}　公钥指纹：{}", sig.operator, sig.fingerprint);
                    println!("批次摘要（{}）：{}", sig.digest_algo, sig.manifest_digest);
                    for p in &m.packages {
                        println!(
                            "{:>3}. {}  {}  {}  {}  {}",
                            p.seq,
                            p.efile_no,
                            p.item_name,
                            p.retention,
                            p.open_opinion,
                            p.check_opinion
                        );
                    }
                }
            }
        },
        Command::Transfer { command } => match command {
            TransferCommand::Write {
                batch_no,
                to,
                carrier_size,
                carrier,
                operator,
                json,
            } => {
                let w = ar.write_batch(
                    &guidang_api::transferring::WriteRequest {
                        batch_no,
                        dest: to.clone(),
                        carrier_size,
                        carrier,
                        actor: operator,
                    },
                    progress().as_ref(),
                    &cancel,
                )?;
                eprintln!();
                if json {
                    print_json(&w);
                } else {
                    if w.carriers > 1 {
                        println!(
                            "批次 {} 按每个载体 {} 字节分为 {} 个载体",
                            w.batch_no, w.carrier_capacity, w.carriers
                        );
                    }
                    println!(
                        "第 {}/{} 号载体已写入 {} 并逐个文件读回校验：{} 个包，{} 个文件，{} 字节（本次写入 {} 个，已校验跳过 {} 个，读回确认 {} 个）",
                        w.carrier_no,
                        w.carriers,
                        to.display(),
                        w.packages,
                        w.files,
                        w.bytes,
                        w.written,
                        w.skipped,
                        w.reverified
                    );
                    println!(
                        "载体摘要（{}，载体清单.json）：{}",
                        w.digest_algo, w.carrier_digest
                    );
                    if w.remaining.is_empty() {
                        println!("批次全部载体已写入，状态：{}", w.batch_status);
                    } else {
                        let r: Vec<String> = w.remaining.iter().map(u32::to_string).collect();
                        println!(
                            "还需写入第 {} 号载体：请换上空白载体后再次运行本命令",
                            r.join("、")
                        );
                    }
                }
            }
        },
        Command::Intake { command } => return run_intake(&mut ar, command, &cancel),
        Command::Restore { .. } => unreachable!("handled before the catalog is opened"),
        Command::Backup {
            to,
            interval_days,
            operator,
            json,
        } => {
            if let Some(days) = interval_days {
                ar.set_backup_interval(days)?;
                println!("备份提醒间隔已设为 {days} 天");
                return Ok(Done::Ok);
            }
            let to = to.expect("clap requires --to");
            let r = ar.backup(&to, &operator, progress().as_ref(), &cancel)?;
            eprintln!();
            if json {
                print_json(&r);
            } else {
                println!(
                    "备份完成并逐个文件读回校验：{} 个文件，{} 字节；本次新复制 {} 个（{} 字节），其余已在备份盘上",
                    r.files, r.bytes, r.copied, r.copied_bytes
                );
                println!("备份位置：{}（第 {} 代）", r.dest.display(), r.generation);
                println!("备份清单摘要：{}", r.manifest_digest);
                println!("备份签名公钥指纹：{}（请记下，恢复时核对）", r.fingerprint);
            }
        }
        Command::Inspect {
            backup,
            operator,
            json,
        } => {
            let r = ar.inspect(backup.as_deref(), &operator, progress().as_ref(), &cancel)?;
            eprintln!();
            if json {
                print_json(&r);
            } else {
                println!(
                    "日常检查：材料文件 {} 个，归档信息包 {} 个，接收入库的包 {} 个，目录库和审计日志",
                    r.materials, r.packages, r.holdings
                );
                for d in &r.damage {
                    println!(
                        "  {} {}：{}",
                        if d.repaired { "已修复" } else { "未修复" },
                        d.path.as_deref().unwrap_or(&d.kind),
                        d.problem
                    );
                }
                for c in &r.cleaned {
                    println!("  已清理 {c}：中断的操作留下的临时文件（从未登记，不影响档案）");
                }
                for u in &r.unregistered {
                    println!("  未登记 {u}：没有目录库登记的包文件（组包曾中断），已保留；重新组包时会另行生成并登记");
                }
                if r.damage.is_empty() {
                    println!("结论：全部完好");
                } else {
                    let fixed = r.damage.iter().filter(|d| d.repaired).count();
                    println!(
                        "结论：发现 {} 处问题，已从备份修复 {fixed} 处",
                        r.damage.len()
                    );
                    if fixed < r.damage.len() {
                        println!("未修复的问题：请插入最近的备份盘后用 guidang inspect --backup 备份盘 重试，或联系技术支持");
                    }
                }
                println!(
                    "检查报告：{}，{}",
                    r.report_json.display(),
                    r.report_pdf.display()
                );
            }
            if !r.damage.is_empty() {
                return Ok(Done::Findings);
            }
        }
        Command::Retention { command } => match command {
            RetentionCommand::Due { as_of, json } => {
                let as_of = match as_of {
                    Some(d) => {
                        guidang_api::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                            Error::Invalid(guidang_api::core::ValidationErrors(vec![
                                guidang_api::core::FieldError {
                                    field: "--as-of".into(),
                                    message: format!("“{d}”不是日期，应为 YYYY-MM-DD"),
                                },
                            ]))
                        })?
                    }
                    None => guidang_api::today(),
                };
                let rows = ar.retention_due(as_of)?;
                if json {
                    print_json(&rows);
                } else {
                    for r in &rows {
                        println!(
                            "{}  {}  {}  {} 年 {}，{} 届满  {}",
                            r.case_no,
                            r.efile_no,
                            r.case_name,
                            r.year,
                            r.retention,
                            r.retention_end,
                            match &r.why_not {
                                None => "可鉴定销毁（须经批准）".to_string(),
                                Some(w) => format!("暂不能销毁：{w}"),
                            }
                        );
                    }
                    println!("合计 {} 件保管期限已届满", rows.len());
                }
            }
            RetentionCommand::Destroy {
                case_no,
                approved_by,
                approval_doc,
                operator,
                pin_stdin,
            } => {
                ar.operator(&operator)?;
                let pin = read_pin_once(pin_stdin)?;
                let d = ar.destroy(&case_no, &approved_by, &approval_doc, &operator, &pin)?;
                println!(
                    "已销毁 {}（{}），批准人 {}，批准文号 {}；已记入销毁清册，包摘要（{}）{}",
                    d.case_no,
                    d.efile_no,
                    d.approved_by,
                    d.approval_doc,
                    d.digest_algo,
                    d.package_digest.as_deref().unwrap_or("无")
                );
            }
            RetentionCommand::Register { output } => {
                ar.print_destruction_register(&output)?;
                println!("已生成 {}", output.display());
            }
        },
        Command::Returns { command } => match command {
            ReturnsCommand::Import {
                file,
                operator,
                trust,
                json,
            } => {
                let r = ar.import_returns(&file, &operator, trust.as_deref())?;
                if json {
                    print_json(&r);
                } else {
                    println!(
                        "退回文件已验证：{}（接收人 {}，公钥指纹 {}）",
                        r.receiving_unit, r.archivist, r.fingerprint
                    );
                    if r.already_imported {
                        println!("此退回文件以前已导入过，没有变化");
                    } else if r.trust == "confirmed" {
                        println!("接收人的公钥已按纸质回执确认并记录，以后该单位此接收人的退回文件直接导入");
                    }
                    println!(
                        "批次 {}：接收 {} 件，退回 {} 件",
                        r.batch_no,
                        r.accepted,
                        r.returned.len()
                    );
                    for p in &r.returned {
                        println!("  退回 {}  {}：{}", p.case_no, p.case_name, p.reason);
                    }
                    if !r.returned.is_empty() {
                        println!("请按退回原因更正后用 guidang collect --replace 重新收集，再组包、检测，并用 batch create --corrects {} 再次移交", r.batch_no);
                    }
                }
            }
        },
        Command::Print {
            form,
            batch_no,
            output,
            send,
            printer,
        } => {
            use guidang_api::batching::Form;
            let f = match form {
                FormArg::TransferList => Form::TransferList,
                FormArg::Catalog => Form::Catalog,
                FormArg::Register => Form::Register,
            };
            ar.print_form(f, &batch_no, &output)?;
            println!("已生成 {}", output.display());
            if send {
                let job = guidang_api::printing::send_to_printer(&output, printer.as_deref())?;
                println!(
                    "已送往打印机 {}（作业 {}）",
                    job.printer.as_deref().unwrap_or("（默认）"),
                    job.job_id.as_deref().unwrap_or("未知")
                );
            }
        }
        Command::OpenOpinion {
            item,
            case,
            opinion,
            reason,
        } => match (item, case) {
            (Some(code), _) => {
                ar.set_item_open(&code, &opinion, reason.as_deref())?;
                println!("事项 {code} 的默认开放利用意见已设为“{opinion}”");
            }
            (None, Some(no)) => {
                ar.set_case_open(&no, &opinion, reason.as_deref())?;
                println!("办件 {no} 的开放利用意见已设为“{opinion}”");
            }
            (None, None) => unreachable!("clap requires one"),
        },
        Command::Unit { command } => match command {
            UnitCommand::Rename { unit, org, by } => {
                let u = ar.rename_unit(&unit, org.as_deref(), &by)?;
                println!(
                    "立档单位已改为“{}”{}",
                    u.unit_name,
                    u.org
                        .map(|o| format!("，服务中心“{o}”"))
                        .unwrap_or_default()
                );
            }
        },
        Command::Scanner { command } => match command {
            ScannerCommand::Folder { path, clear: _ } => {
                ar.set_scanner_folder(path.as_deref(), "system")?;
                match path {
                    Some(p) => println!("扫描仪输出文件夹已设为 {}", p.display()),
                    None => println!("已取消扫描仪输出文件夹"),
                }
            }
            ScannerCommand::List { json } => {
                let files = ar.scanner_files()?;
                if json {
                    print_json(&files);
                } else if ar.scanner_folder()?.is_none() {
                    println!("还没有设置扫描仪输出文件夹：guidang scanner folder 路径");
                } else {
                    for f in &files {
                        println!("{}\t{}\t{}", f.modified, f.size, f.path.display());
                    }
                }
            }
        },
        Command::Keyring { command } => match command {
            KeyringCommand::Export { output } => {
                let k = ar.export_keyring(&output)?;
                println!("已导出 {} 个公钥到 {}", k.keys.len(), output.display());
                for key in &k.keys {
                    println!("  {}  {}", key.operator, key.fingerprint);
                }
            }
        },
        Command::BenchCatalog { copies } => {
            if copies > 0 {
                let n = ar.replicate_cases_for_benchmark(copies)?;
                println!("cases {n}");
            }
            let time = |label: &str, f: &dyn Fn() -> Result<usize, Error>| -> Result<(), Error> {
                let t = std::time::Instant::now();
                let n = f()?;
                println!(
                    "{label} {:.1} ms ({n} rows)",
                    t.elapsed().as_secs_f64() * 1e3
                );
                Ok(())
            };
            let page = |text: Option<&str>, offset: u32| CaseFilter {
                text: text.map(str::to_string),
                limit: Some(50),
                offset: Some(offset),
                ..Default::default()
            };
            time("list_first_page", &|| Ok(ar.cases(&page(None, 0))?.len()))?;
            time("list_page_1000", &|| {
                Ok(ar.cases(&page(None, 49_950))?.len())
            })?;
            time(
                "count_all",
                &|| Ok(ar.count_cases(&page(None, 0))? as usize),
            )?;
            time("search_first_page", &|| {
                Ok(ar.cases(&page(Some("宅基地"), 0))?.len())
            })?;
            time("search_count", &|| {
                Ok(ar.count_cases(&page(Some("宅基地"), 0))? as usize)
            })?;
            time("search_nothing", &|| {
                Ok(ar.cases(&page(Some("没有这个办件"), 0))?.len())
            })?;
        }
        Command::Digest { algo, files } => {
            let a = guidang_api::core::DigestAlgo::from_name(&algo).ok_or_else(|| {
                Error::Invalid(guidang_api::core::ValidationErrors(vec![
                    guidang_api::core::FieldError {
                        field: "--algo".into(),
                        message: "应为 sm3 或 sha256".into(),
                    },
                ]))
            })?;
            for f in files {
                let (n, d) = guidang_api::packaging::digest_file(&f, a).map_err(|source| {
                    Error::DataDir {
                        path: f.clone(),
                        source,
                    }
                })?;
                println!("{d}  {n}  {}", f.display());
            }
        }
        Command::Audit { command } => match command {
            AuditCommand::Verify { json } => {
                let r = ar.audit_verify()?;
                if json {
                    print_json(&r);
                } else if r.problems.is_empty() {
                    println!("审计日志完整：{} 条记录，链头 {}", r.entries, r.head);
                } else {
                    println!("审计日志已被篡改或损坏（{} 条记录）：", r.entries);
                    for p in &r.problems {
                        println!("  第 {} 条：{}", p.seq, p.message);
                    }
                }
                if !r.problems.is_empty() {
                    return Ok(Done::Findings);
                }
            }
            AuditCommand::Log { limit, json } => {
                let es = ar.audit_log(limit)?;
                if json {
                    print_json(&es);
                } else {
                    for e in es {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            e.seq, e.at, e.actor, e.action, e.subject
                        );
                    }
                }
            }
        },
    }
    Ok(Done::Ok)
}

fn run_intake(
    ar: &mut Archive,
    command: IntakeCommand,
    cancel: &CancelFlag,
) -> Result<Done, Error> {
    use guidang_api::intake::OpenRequest;
    match command {
        IntakeCommand::Open {
            media,
            trust,
            operator,
            json,
        } => {
            let r = ar.intake_open(
                &OpenRequest {
                    media,
                    trust,
                    actor: operator,
                },
                progress().as_ref(),
                cancel,
            )?;
            eprintln!();
            if json {
                print_json(&r);
            } else {
                println!(
                    "批次 {}（{}，移交人 {}）批次摘要（{}）：{}",
                    r.batch_no, r.unit.name, r.transferred_by, r.digest_algo, r.batch_digest
                );
                let trust = match r.trust.as_str() {
                    "stored" => "与以前确认的一致",
                    "changed" => "已按输入的指纹确认新的公钥",
                    _ => "首次接收，已按输入的指纹确认",
                };
                println!("移交人公钥指纹：{}（{trust}）", r.fingerprint);
                for c in &r.carriers {
                    match (c.carrier_no, c.carriers, &c.digest) {
                        (Some(k), Some(n), Some(d)) => println!(
                            "载体 {k}/{n}：{}  载体摘要 {d}（请与登记表核对）",
                            c.path.display()
                        ),
                        _ => println!("载体：{}（没有载体清单）", c.path.display()),
                    }
                }
                for p in &r.packages {
                    println!("{}\t{}  {}", p.verdict.label(), p.efile_no, p.opinion);
                    for f in p.findings.iter().filter(|f| {
                        matches!(
                            f.verdict,
                            guidang_check::Verdict::Fail | guidang_check::Verdict::Warn
                        )
                    }) {
                        println!("{}", finding_line("        ", f));
                    }
                }
                for f in &r.batch_findings {
                    println!("{}", finding_line("批次    ", f));
                }
                println!(
                    "移交接收检测：{} 个包合格，{} 个不合格{}",
                    r.passed,
                    r.failed,
                    if r.batch_findings
                        .iter()
                        .any(|f| f.verdict == guidang_check::Verdict::Fail)
                    {
                        "；另有批次问题"
                    } else {
                        ""
                    }
                );
                if r.failed > 0 {
                    println!("不合格的包在接收时将按建议原因退回；可用 guidang intake return 电子文件号 --reason 原因 修改原因或退回其他包");
                }
            }
            Ok(if r.verdict == guidang_check::Verdict::Fail {
                Done::Findings
            } else {
                Done::Ok
            })
        }
        IntakeCommand::Return {
            efile_no,
            reason,
            batch,
            operator,
        } => {
            ar.intake_return(&efile_no, &reason, &operator, batch.as_deref())?;
            println!("{efile_no} 将被退回：{reason}");
            Ok(Done::Ok)
        }
        IntakeCommand::Accept {
            rest: _,
            operator,
            pin_stdin,
            return_file,
            batch,
            json,
        } => {
            ar.operator(&operator)?;
            let pin = read_pin_once(pin_stdin)?;
            let r = ar.intake_accept(
                &operator,
                &pin,
                return_file.as_deref(),
                batch.as_deref(),
                progress().as_ref(),
                cancel,
            )?;
            eprintln!();
            if json {
                print_json(&r);
            } else {
                if r.already_done {
                    println!(
                        "批次 {} 已于 {} 接收入库，本次没有再次接收，只核对了回执和退回文件都已交付。要接收新的批次，请先用 guidang intake open 打开其载体",
                        r.batch_no,
                        r.received_at.as_deref().unwrap_or("此前")
                    );
                }
                println!(
                    "批次 {}：接收入库 {} 个包，退回 {} 个",
                    r.batch_no,
                    r.accepted.len(),
                    r.returned.len()
                );
                for p in &r.returned {
                    println!("  退回 {}：{}", p.efile_no, p.reason);
                }
                println!("入库位置：{}", r.storage.display());
                println!("接收回执：{}", r.receipt_pdf.display());
                println!("退回单：{}", r.return_slip_pdf.display());
                println!(
                    "退回文件（已签名，交移交方导入）：{}",
                    r.return_file.display()
                );
            }
            Ok(Done::Ok)
        }
        IntakeCommand::Holdings { json } => {
            let hs = ar.holdings()?;
            let mut out = Vec::new();
            for h in hs {
                let materials = ar.holding_materials(&h.efile_no)?;
                out.push((h, materials));
            }
            if json {
                let v: Vec<serde_json::Value> = out
                    .iter()
                    .map(|(h, m)| serde_json::json!({"holding": h, "materials": m}))
                    .collect();
                print_json(&v);
            } else {
                for (h, ms) in &out {
                    let destroyed = h
                        .destroyed_at
                        .as_deref()
                        .map(|t| format!("，{t} 已鉴定销毁"))
                        .unwrap_or_default();
                    println!(
                        "{}  {}  {}  {}（批次 {}，{} 接收{destroyed}）",
                        h.efile_no, h.case_no, h.case_name, h.path, h.batch_no, h.accepted_at
                    );
                    for m in ms {
                        println!("    {:>2}. {}  →  {}", m.seq, m.name, m.entry);
                    }
                }
                println!("合计 {} 件", out.len());
            }
            Ok(Done::Ok)
        }
        IntakeCommand::Status { json } => {
            let rs = ar.intake_status()?;
            if json {
                print_json(&rs);
            } else {
                for r in &rs {
                    let st = if r.receipt.status == "received" {
                        format!(
                            "已接收（接收 {}，退回 {}）",
                            r.receipt.accepted, r.receipt.returned
                        )
                    } else {
                        "待处理".into()
                    };
                    println!(
                        "{}  {}  {}  打开于 {}",
                        r.receipt.batch_no, r.receipt.unit_name, st, r.receipt.opened_at
                    );
                    for p in &r.packages {
                        let d = match p.decision.as_str() {
                            "accept" => "接收".to_string(),
                            "return" => format!("退回：{}", p.reason.as_deref().unwrap_or("")),
                            _ if p.verdict == "fail" => format!(
                                "待定（不合格，建议退回：{}）",
                                p.suggested.as_deref().unwrap_or("")
                            ),
                            _ => "待定（合格）".into(),
                        };
                        println!("  {:>3}. {}  {d}", p.seq, p.efile_no);
                    }
                }
                println!("合计 {} 个批次", rs.len());
            }
            Ok(Done::Ok)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        Ok(Done::Findings) => ExitCode::from(1),
        Err(e) => {
            end_progress_line();
            eprintln!("错误[{}]：{e}", e.code());
            ExitCode::from(2)
        }
    };
    peak_memory_report();
    code
}
