//! The operations of Guidang behind one facade, [`Archive`], used alike by
//! the `guidang` CLI and the desktop shell. Neither of them holds logic of
//! its own: they parse arguments, call this crate, and present results.
//!
//! Errors are one typed enum, [`Error`], with a stable machine code
//! ([`Error::code`]) and a Chinese message that says what to do.

pub mod amending;
pub mod batching;
pub mod care;
pub mod checking;
mod error;
mod images;
pub mod intake;
pub mod packaging;
pub mod pin;
pub mod printing;
pub mod qr;
pub mod scanner;
pub mod transferring;
pub mod viewing;

use std::path::{Path, PathBuf};

use guidang_catalog::{audit, cases, operators, settings, Catalog};
use guidang_collect::{CollectOptions, CollectReport, Store};
use guidang_core::{
    deadline, validate::validate_unit, CancelFlag, CaseStatus, Progress, Retention, Role, Suite,
    UnitSettings,
};
use serde::Serialize;

pub use amending::AmendReport;
pub use chrono::NaiveDate;
pub use error::Error;
pub use guidang_catalog::audit::Report as AuditReport;
pub use guidang_catalog::cases::{CaseRow, Filter as CaseFilter, MaterialRow};
pub use guidang_catalog::operators::Operator;
pub use guidang_collect::amend::{Change as CaseChange, FieldChange, FIELDS as CASE_FIELDS};
pub use guidang_collect::{CaseOutcome, Outcome};
pub use guidang_core as core;

/// A collection run as the desktop shows it: every case and the counts.
#[derive(Debug, Clone, Serialize)]
pub struct CollectReportView {
    /// Every case, in discovery order.
    pub cases: Vec<CaseOutcome>,
    /// Newly collected.
    pub added: usize,
    /// Refused or in conflict.
    pub failed: usize,
}

impl From<CollectReport> for CollectReportView {
    fn from(r: CollectReport) -> Self {
        CollectReportView {
            added: r.added(),
            failed: r.failed(),
            cases: r.cases,
        }
    }
}

/// Catalog row types the API returns. They carry no serde derives: each
/// front end converts them into its own boundary types.
pub mod catalog_types {
    pub use guidang_catalog::audit::Entry as AuditEntry;
    pub use guidang_catalog::batches::{BatchRow, CarrierRow};
    pub use guidang_catalog::care::Destruction;
    pub use guidang_catalog::intake::{Holding, HoldingMaterial, Receipt, ReceiptItem};
}

/// Result of API calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Environment variable overriding the default data directory.
pub const DATA_DIR_ENV: &str = "GUIDANG_DATA_DIR";
/// Catalog file name inside the data directory.
pub const CATALOG_FILE: &str = "catalog.sqlite";

/// The default data directory: `$GUIDANG_DATA_DIR`, else the platform data
/// directory (`~/.local/share/guidang` on Linux, `%APPDATA%\guidang` on
/// Windows).
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("guidang")
}

/// What `init` sets.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// 行政区划码.
    pub region: String,
    /// 全宗号.
    pub fonds: String,
    /// 立档单位名称.
    pub unit_name: String,
    /// 机构.
    pub org: Option<String>,
    /// Side of the hand-over.
    pub role: Role,
    /// Crypto suite.
    pub suite: Suite,
}

/// What `demo` generates.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    /// Number of cases.
    pub cases: u32,
    /// Seed.
    pub seed: u64,
    /// Keep the export tree here (default: a temporary folder in the data
    /// directory, removed after collection).
    pub out: Option<PathBuf>,
    /// Only write the export tree, do not collect it.
    pub no_collect: bool,
    /// Add one PDF of about this many bytes to the first case.
    pub large_file: Option<u64>,
}

/// What `demo` did.
#[derive(Debug, Clone, Serialize)]
pub struct DemoResult {
    /// Export tree (removed afterwards unless `out` was given).
    pub export: PathBuf,
    /// Cases written.
    pub cases: u32,
    /// Files written.
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
    /// The collection, unless `no_collect`.
    pub collect: Option<CollectReport>,
}

/// A case with a deadline overdue or coming up.
#[derive(Debug, Clone)]
pub struct DueRow {
    /// The case.
    pub case: CaseRow,
    /// `archive` or `transfer`.
    pub due_kind: deadline::DeadlineKind,
    /// The deadline.
    pub due_date: NaiveDate,
    /// Days left (negative: overdue).
    pub days_left: i64,
}

/// Overview for the home screen.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Unit settings (None before `init`).
    pub unit: Option<UnitSettings>,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Case counts by status code.
    pub counts: Vec<(String, u64)>,
    /// Cases overdue.
    pub overdue: usize,
    /// Cases due within 30 days.
    pub due_soon: usize,
    /// Sealed cases whose latest archiving check failed.
    pub failed_checks: u64,
    /// When the last verified backup was taken (None: never).
    pub last_backup: Option<String>,
    /// The reminder interval in days.
    pub backup_interval_days: i64,
    /// Whether the last backup is older than the interval (or missing).
    pub backup_overdue: bool,
}

/// An open data directory: the catalog plus the content store.
pub struct Archive {
    dir: PathBuf,
    cat: Catalog,
    /// What "today" is: the system's date in China Standard Time, or a
    /// fixed date for appraisal drills and tests ([`Archive::set_today`]).
    today: Option<NaiveDate>,
}

/// Days ahead that count as "due soon".
pub const DUE_WINDOW_DAYS: i64 = 30;

impl Archive {
    /// Opens (creating if needed) a data directory.
    pub fn open(dir: &Path) -> Result<Archive> {
        std::fs::create_dir_all(dir).map_err(|source| Error::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let cat = Catalog::open(&dir.join(CATALOG_FILE))?;
        Ok(Archive {
            dir: dir.to_path_buf(),
            cat,
            today: None,
        })
    }

    /// Fixes "today" (appraisal drills and tests: retention and
    /// retained-copy periods run for years); `None` is the system's date.
    pub fn set_today(&mut self, today: Option<NaiveDate>) {
        self.today = today;
    }

    /// Today: the fixed date, else the system's date in China Standard Time.
    pub fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(today)
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The catalog (read access for other front ends and tests).
    pub fn catalog(&self) -> &Catalog {
        &self.cat
    }

    /// Initialises the unit.
    pub fn init(&mut self, o: &InitOptions) -> Result<UnitSettings> {
        validate_unit(&o.region, &o.fonds, &o.unit_name).map_err(Error::Invalid)?;
        let u = UnitSettings {
            region: o.region.clone(),
            fonds: o.fonds.clone(),
            unit_name: o.unit_name.trim().to_string(),
            org: o.org.clone().filter(|s| !s.trim().is_empty()),
            role: o.role,
            suite: o.suite,
        };
        self.cat.transaction(|tx| -> Result<()> {
            settings::init_unit(tx, &u)?;
            audit::append(
                tx,
                "system",
                "init",
                &u.unit_name,
                &serde_json::to_value(&u).expect("json"),
            )?;
            Ok(())
        })?;
        Ok(u)
    }

    /// Corrects the unit's name and service centre after setup (设置). The
    /// region code, fonds number, role and suite stay as set up: they are
    /// part of every electronic file number, seal and batch signature and
    /// of the receiving archive's trust. Packages already sealed keep the
    /// name they were sealed with; the change is in the audit log.
    pub fn rename_unit(
        &mut self,
        unit_name: &str,
        org: Option<&str>,
        by: &str,
    ) -> Result<UnitSettings> {
        let before = self.unit()?;
        validate_unit(&before.region, &before.fonds, unit_name).map_err(Error::Invalid)?;
        let mut after = before.clone();
        after.unit_name = unit_name.trim().to_string();
        after.org = org
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        self.cat.transaction(|tx| -> Result<()> {
            settings::set(tx, "unit.name", &after.unit_name)?;
            match &after.org {
                Some(o) => settings::set(tx, "unit.org", o)?,
                None => settings::remove(tx, "unit.org")?,
            }
            audit::append(
                tx,
                by,
                "unit_rename",
                &after.unit_name,
                &serde_json::json!({"before": {"unit_name": before.unit_name, "org": before.org}, "after": {"unit_name": after.unit_name, "org": after.org}}),
            )?;
            Ok(())
        })?;
        Ok(after)
    }

    /// The unit settings.
    pub fn unit(&self) -> Result<UnitSettings> {
        Ok(settings::unit(self.cat.db())?)
    }

    pub(crate) fn store(&self) -> Result<Store> {
        Ok(Store::new(
            self.dir.join("store"),
            self.unit()?.suite.digest(),
        ))
    }

    /// Adds an operator with a PIN and a fresh signing key of the unit's
    /// suite. Only an Argon2id verifier and the PIN-encrypted key are stored.
    pub fn add_operator(&mut self, name: &str, pin: &str) -> Result<Operator> {
        let unit = self.unit()?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 32 || name.chars().any(char::is_control) {
            return Err(Error::BadOperatorName(name.to_string()));
        }
        let verifier = pin::make_verifier(pin)?;
        let key = guidang_crypto::SecretKey::generate(unit.suite)?;
        let public = key.public_key()?;
        let fp = guidang_crypto::fingerprint(unit.suite, &public);
        let sealed = guidang_crypto::SealedKey::seal(&key, pin, name, &fp)?;
        let sealed = serde_json::to_vec(&sealed).expect("json");
        self.cat.transaction(|tx| -> Result<()> {
            operators::add(tx, name, &verifier)?;
            operators::set_key(tx, name, &hex_encode(&public), &fp, &sealed)?;
            audit::append(
                tx,
                "system",
                "operator_add",
                name,
                &serde_json::json!({"fingerprint": fp, "suite": unit.suite}),
            )?;
            Ok(())
        })?;
        self.operator(name)
    }

    /// One operator.
    pub fn operator(&self, name: &str) -> Result<Operator> {
        Ok(operators::get(self.cat.db(), name)?)
    }

    /// The operator named as the actor of an action that asks no PIN
    /// (checking, collecting, writing a carrier, backing up…): it must be a
    /// registered, active operator, so the audit log names a person, never
    /// a placeholder.
    pub fn actor(&self, name: &str) -> Result<String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid(
                "经办人",
                "请先在窗口右上角选择经办人（本次操作将以其名义记入审计日志）",
            ));
        }
        let op = self.operator(name)?;
        if !op.active {
            return Err(Error::invalid(
                "经办人",
                format!("操作员“{name}”已停用，请选择其他经办人"),
            ));
        }
        Ok(op.name)
    }

    /// All operators.
    pub fn operators(&self) -> Result<Vec<Operator>> {
        Ok(operators::list(self.cat.db())?)
    }

    /// Checks an operator's PIN.
    pub fn verify_pin(&self, name: &str, pin: &str) -> Result<()> {
        let v = operators::pin_verifier(self.cat.db(), name)?;
        pin::check(&v, pin)
    }

    /// Unlocks an operator's signing key with the PIN. A wrong PIN is
    /// refused and the stored key is not touched.
    pub fn unlock(&self, name: &str, pin: &str) -> Result<guidang_package::Signer> {
        let unit = self.unit()?;
        let stored =
            operators::key(self.cat.db(), name)?.ok_or_else(|| Error::NoKey(name.into()))?;
        let sealed: guidang_crypto::SealedKey = serde_json::from_slice(&stored.sealed_secret)
            .map_err(|e| {
                Error::Catalog(guidang_catalog::CatalogError::Corrupt(format!(
                    "操作员 {name} 的密钥数据损坏：{e}"
                )))
            })?;
        let key = sealed.open(pin, name, &stored.fingerprint)?;
        Ok(guidang_package::Signer::new(key, name, &unit.unit_name)?)
    }

    /// The unit's keyring: every operator's public key.
    pub fn keyring(&self) -> Result<guidang_package::Keyring> {
        let unit = self.unit()?;
        Ok(guidang_package::Keyring {
            keys: operators::keys(self.cat.db())?
                .into_iter()
                .map(|k| guidang_package::TrustedKey {
                    operator: k.operator,
                    unit: unit.unit_name.clone(),
                    suite: unit.suite,
                    public_key: k.public_key,
                    fingerprint: k.fingerprint,
                })
                .collect(),
        })
    }

    /// Collects cases from folders, export trees or ledgers.
    pub fn collect(
        &mut self,
        paths: &[PathBuf],
        replace: bool,
        actor: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<CollectReport> {
        // Partial store files of a collection that was killed.
        self.remove_stale_work_files()?;
        let store = self.store()?;
        let opts = CollectOptions {
            replace,
            actor: actor.to_string(),
        };
        Ok(guidang_collect::collect(
            &mut self.cat,
            &store,
            paths,
            &opts,
            progress,
            cancel,
        )?)
    }

    /// Collects one case entered in a form: `meta` is the content of its
    /// `case.json` (docs/collect-format.md) and `files` its materials with
    /// their categories (证据性/程序性/结果性). The case folder is built in
    /// the data directory's tmp/ and collected like any other, with every
    /// problem reported; the originals are only read.
    pub fn collect_form(
        &mut self,
        meta: &serde_json::Value,
        files: &[(String, PathBuf)],
        replace: bool,
        actor: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<CollectReport> {
        let bad = |field: &str, message: String| {
            Error::Invalid(guidang_core::ValidationErrors(vec![
                guidang_core::FieldError {
                    field: field.into(),
                    message,
                },
            ]))
        };
        let case_no = meta
            .get("case_no")
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|c| {
                !c.is_empty()
                    && c.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            })
            .ok_or_else(|| bad("办件编号", "应为 4 至 64 位字母、数字、- 或 _".into()))?
            .to_string();
        let base = self.dir.join("tmp").join(format!(
            "form-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        let folder = base.join(&case_no);
        let io = |source| Error::DataDir {
            path: folder.clone(),
            source,
        };
        let result = (|| -> Result<CollectReport> {
            std::fs::create_dir_all(&folder).map_err(io)?;
            let mut seen = std::collections::HashSet::new();
            for (category, src) in files {
                let dir = match category.trim_end_matches("材料") {
                    "证据性" => "证据性材料",
                    "程序性" => "程序性材料",
                    "结果性" => "结果性材料",
                    other => {
                        return Err(bad(
                            "材料类别",
                            format!("“{other}”无效，可选：证据性、程序性、结果性"),
                        ))
                    }
                };
                let name = src
                    .file_name()
                    .ok_or_else(|| bad("材料", format!("{} 不是文件", src.display())))?;
                if !seen.insert((dir, name.to_os_string())) {
                    return Err(bad(
                        "材料",
                        format!("同一类别中有两个同名文件 {}", name.to_string_lossy()),
                    ));
                }
                std::fs::create_dir_all(folder.join(dir)).map_err(io)?;
                std::fs::copy(src, folder.join(dir).join(name))
                    .map_err(|_| Error::NotFound(src.clone()))?;
            }
            let mut meta = meta.clone();
            if let Some(o) = meta.as_object_mut() {
                o.remove("materials");
            }
            std::fs::write(
                folder.join("case.json"),
                serde_json::to_vec_pretty(&meta).expect("json"),
            )
            .map_err(io)?;
            self.collect(
                std::slice::from_ref(&folder),
                replace,
                actor,
                progress,
                cancel,
            )
        })();
        let _ = std::fs::remove_dir_all(&base);
        result
    }

    /// Lists cases.
    pub fn cases(&self, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        Ok(cases::list(self.cat.db(), f)?)
    }

    /// Benchmark helper: grows the catalog to `copies + 1` times its cases.
    #[doc(hidden)]
    pub fn replicate_cases_for_benchmark(&mut self, copies: u32) -> Result<u64> {
        Ok(cases::replicate_for_benchmark(&mut self.cat, copies)?)
    }

    /// How many cases match a filter (for paging).
    pub fn count_cases(&self, f: &CaseFilter) -> Result<u64> {
        Ok(cases::count(self.cat.db(), f)?)
    }

    /// Every field of one case (with the return reason while returned).
    pub fn case_detail(&self, case_no: &str) -> Result<cases::CaseDetail> {
        cases::detail(self.cat.db(), case_no)?.ok_or_else(|| Error::NoSuchCase(case_no.into()))
    }

    /// The materials of a case.
    pub fn materials(&self, case_no: &str) -> Result<Vec<MaterialRow>> {
        Ok(cases::materials(self.cat.db(), case_no)?)
    }

    /// Cases whose archiving or transfer deadline is overdue or within
    /// `window_days` of `today`, most urgent first.
    pub fn due(&self, today: NaiveDate, window_days: i64) -> Result<Vec<DueRow>> {
        let mut out = Vec::new();
        for c in self.cases(&CaseFilter::default())? {
            let completed = chrono::DateTime::parse_from_rfc3339(&c.completed_at)
                .map_err(|_| {
                    Error::Catalog(guidang_catalog::CatalogError::Corrupt(format!(
                        "办件 {} 的办结时间无效",
                        c.case_no
                    )))
                })?
                .date_naive();
            let (Some(ret), Some(status)) = (
                Retention::from_code(&c.retention),
                CaseStatus::from_code(&c.status),
            ) else {
                continue;
            };
            if let Some(d) = deadline::due(completed, ret, status, today, window_days) {
                out.push(DueRow {
                    case: c,
                    due_kind: d.kind,
                    due_date: d.deadline,
                    days_left: d.days_left,
                });
            }
        }
        out.sort_by(|a, b| {
            a.days_left
                .cmp(&b.days_left)
                .then(a.case.case_no.cmp(&b.case.case_no))
        });
        Ok(out)
    }

    /// Whether the first-run setup (unit, role, suite) has been done.
    pub fn initialised(&self) -> Result<bool> {
        match self.unit() {
            Ok(_) => Ok(true),
            Err(Error::Catalog(guidang_catalog::CatalogError::NotInitialised)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Overview for the home screen.
    pub fn summary(&self) -> Result<Summary> {
        let unit = match self.unit() {
            Ok(u) => Some(u),
            Err(Error::Catalog(guidang_catalog::CatalogError::NotInitialised)) => None,
            Err(e) => return Err(e),
        };
        let due = self.due(self.today(), DUE_WINDOW_DAYS)?;
        let backup = self.backup_state()?;
        let initialised = unit.is_some();
        Ok(Summary {
            unit,
            data_dir: self.dir.clone(),
            counts: cases::counts_by_status(self.cat.db())?,
            overdue: due.iter().filter(|d| d.days_left < 0).count(),
            due_soon: due.iter().filter(|d| d.days_left >= 0).count(),
            failed_checks: guidang_catalog::checks::failed_sealed(self.cat.db())?,
            last_backup: backup.0.map(|b| b.created_at),
            backup_interval_days: backup.1,
            backup_overdue: initialised && backup.2,
        })
    }

    /// Writes a demo export tree and (unless `no_collect`) collects it. An
    /// uninitialised catalog is first initialised as the demo township.
    pub fn demo(
        &mut self,
        req: &DemoRequest,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<DemoResult> {
        if req.cases == 0 || req.cases > 100_000 {
            return Err(Error::invalid(
                "办件数量（--cases）",
                format!("应为1至100000，当前为{}", req.cases),
            ));
        }
        let unit = match self.unit() {
            Ok(u) => u,
            Err(Error::Catalog(guidang_catalog::CatalogError::NotInitialised)) => {
                self.init(&demo_unit())?
            }
            Err(e) => return Err(e),
        };
        let (export, temporary) = match &req.out {
            Some(p) => (p.clone(), false),
            None => (
                self.dir
                    .join("tmp")
                    .join(format!("demo-{}-{}", std::process::id(), req.seed)),
                true,
            ),
        };
        progress.report(0, u64::from(req.cases), "正在生成示例数据");
        let opts = guidang_demo::DemoOptions {
            cases: req.cases,
            seed: req.seed,
            today: self.today(),
            region: unit.region.clone(),
            accepting_unit: format!(
                "{}便民服务中心",
                unit.unit_name.trim_end_matches("人民政府")
            ),
            large_file: req.large_file,
        };
        let s = guidang_demo::generate(&export, &opts).map_err(|source| {
            if temporary {
                let _ = std::fs::remove_dir_all(&export);
            }
            Error::DataDir {
                path: export.clone(),
                source,
            }
        })?;
        let collect = if req.no_collect {
            None
        } else {
            let r = self.collect(
                std::slice::from_ref(&export),
                false,
                "demo",
                progress,
                cancel,
            );
            if temporary {
                let _ = std::fs::remove_dir_all(&export);
            }
            Some(r?)
        };
        Ok(DemoResult {
            export,
            cases: s.cases,
            files: s.files,
            bytes: s.bytes,
            collect,
        })
    }

    /// Re-computes the audit chain.
    pub fn audit_verify(&self) -> Result<AuditReport> {
        Ok(audit::verify(self.cat.db())?)
    }

    /// The most recent audit entries.
    pub fn audit_log(&self, limit: i64) -> Result<Vec<audit::Entry>> {
        Ok(audit::recent(self.cat.db(), limit)?)
    }
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Today in China Standard Time, by the system's clock.
pub fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&guidang_core::validate::cst())
        .date_naive()
}

/// The unit the demo initialises an empty catalog with.
pub fn demo_unit() -> InitOptions {
    InitOptions {
        region: "430124".into(),
        fonds: "0001".into(),
        unit_name: "示范镇人民政府".into(),
        org: Some("便民服务中心".into()),
        role: Role::Hall,
        suite: Suite::Gm,
    }
}
