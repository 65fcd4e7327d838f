//! Packaging and sealing (组包、固化), verification, and keyrings.
//!
//! Packages are built in parallel by worker threads (one per core), each
//! writing a temporary ZIP; the calling thread registers finished packages
//! one by one: rename into `packages/{年度}/{电子文件号}.zip`, then one
//! transaction that records the package, sets the case to `sealed` and
//! appends the audit entry. A crash leaves at worst an unregistered file,
//! never a registered package that is not on disk.

use std::path::{Path, PathBuf};

use guidang_catalog::{audit, cases, packages, CatalogError};
use guidang_core::{CancelFlag, CaseStatus, DigestAlgo, Progress, Suite};
use guidang_package::metadata::{CaseMeta, MaterialMeta, UnitIds};
use guidang_package::{
    build_package, BuiltPackage, Keyring, PackageInput, PackageMaterial, VerifyReport,
};
use serde::{Deserialize, Serialize};

use crate::{Archive, Error, Result};

/// Which cases to package.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every case in status `collected`.
    All,
    /// These 办件编号.
    Cases(Vec<String>),
}

/// What happened to one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PackageOutcome {
    /// Built, sealed and registered.
    Sealed {
        /// 电子文件号.
        efile_no: String,
        /// Path relative to the data directory.
        path: String,
        /// Bytes.
        size: u64,
        /// Digest of the ZIP.
        digest: String,
    },
    /// Already sealed earlier; nothing done.
    AlreadySealed {
        /// 电子文件号.
        efile_no: String,
    },
    /// Not packaged.
    Failed {
        /// Stable error code.
        code: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct PackageResult {
    /// 办件编号.
    pub case_no: String,
    /// What happened.
    #[serde(flatten)]
    pub outcome: PackageOutcome,
}

/// Result of a packaging run.
#[derive(Debug, Clone, Serialize)]
pub struct PackageReport {
    /// Digest algorithm of the package digests.
    pub digest_algo: String,
    /// Every case, in order.
    pub packages: Vec<PackageResult>,
}

impl PackageReport {
    /// Newly sealed.
    pub fn sealed(&self) -> usize {
        self.packages
            .iter()
            .filter(|p| matches!(p.outcome, PackageOutcome::Sealed { .. }))
            .count()
    }
    /// Failed.
    pub fn failed(&self) -> usize {
        self.packages
            .iter()
            .filter(|p| matches!(p.outcome, PackageOutcome::Failed { .. }))
            .count()
    }
}

/// A keyring file as exported for a receiving archive.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyringFile {
    /// Always `guidang-keyring/1`.
    pub format: String,
    /// Unit name.
    pub unit: String,
    /// 行政区划码.
    pub region: String,
    /// 全宗号.
    pub fonds: String,
    /// Suite.
    pub suite: Suite,
    /// When exported.
    pub exported_at: String,
    /// The keys.
    pub keys: Vec<guidang_package::TrustedKey>,
}

/// Format tag of keyring files.
pub const KEYRING_FORMAT: &str = "guidang-keyring/1";

fn failed(e: &Error) -> PackageOutcome {
    PackageOutcome::Failed {
        code: e.code().into(),
        message: e.to_string(),
    }
}

impl Archive {
    fn package_input(&self, d: &cases::CaseDetail, suite: Suite) -> Result<PackageInput> {
        let unit = self.unit()?;
        let store = self.store()?;
        let materials = cases::materials(self.cat.db(), d.case_no())?
            .into_iter()
            .map(|m| PackageMaterial {
                blob: store.blob_path(&m.digest),
                meta: MaterialMeta {
                    seq: m.seq,
                    path: guidang_package::build::material_path(&m.category, &m.original_name),
                    category: m.category,
                    title: m.title,
                    original_name: m.original_name,
                    size: m.size,
                    format: m.format,
                    format_version: Some(m.format_version).filter(|v| !v.is_empty()),
                    pages: m.pages,
                    duration_ms: m.duration_ms,
                    digest: m.digest,
                },
            })
            .collect();
        Ok(PackageInput {
            suite,
            materials,
            environment: guidang_package::metadata::Environment::current(&format!(
                "归档通 {}",
                env!("CARGO_PKG_VERSION")
            )),
            case: CaseMeta::from_record(
                &d.record,
                &UnitIds {
                    region: &unit.region,
                    fonds: &unit.fonds,
                    unit_name: &unit.unit_name,
                },
                &d.efile_no,
                d.piece_no,
            ),
        })
    }

    /// Builds and seals the packages of the selected cases with the
    /// operator's key (unlocked by `pin`), in parallel across cases.
    pub fn package(
        &mut self,
        sel: &Selection,
        operator: &str,
        pin: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<PackageReport> {
        let unit = self.unit()?;
        let signer = self.unlock(operator, pin)?;
        let case_nos = match sel {
            Selection::All => cases::case_nos_with_status(self.cat.db(), CaseStatus::Collected)?,
            Selection::Cases(v) => v.clone(),
        };
        let mut results: Vec<Option<PackageOutcome>> = vec![None; case_nos.len()];
        let mut jobs: Vec<(usize, cases::CaseDetail, PackageInput)> = Vec::new();
        for (i, no) in case_nos.iter().enumerate() {
            let d = match cases::detail(self.cat.db(), no)? {
                Some(d) => d,
                None => {
                    results[i] = Some(failed(&Error::NoSuchCase(no.clone())));
                    continue;
                }
            };
            let status = d.status;
            if status != CaseStatus::Collected {
                results[i] = Some(match packages::get(self.cat.db(), no)? {
                    Some(p) if status != CaseStatus::Returned => PackageOutcome::AlreadySealed { efile_no: p.efile_no },
                    _ => failed(&Error::WrongStatus {
                        case_no: no.clone(),
                        status: status.label().into(),
                        what: "不能组包。已退回的办件请先更正，并用 guidang collect --replace 重新收集后再组包".into(),
                    }),
                });
                continue;
            }
            let input = self.package_input(&d, unit.suite)?;
            jobs.push((i, d, input));
        }

        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|source| Error::DataDir {
            path: tmp.clone(),
            source,
        })?;
        // Half-built packages of a packaging run that was killed.
        self.remove_stale_work_files()?;
        let total = jobs.len() as u64;
        progress.report(0, total, "正在组包和固化");
        let sealed_at = || {
            chrono::Utc::now()
                .with_timezone(&guidang_core::validate::cst())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        };
        let mut cancelled = false;
        let mut done = 0;
        guidang_core::pool::run(
            jobs.len(),
            cancel,
            |j| {
                let (_, d, input) = &jobs[j];
                let out = tmp.join(format!("{}.{}.zip.part", d.efile_no, std::process::id()));
                let r = build_package(input, &signer, &sealed_at(), &out, cancel);
                if r.is_err() {
                    let _ = std::fs::remove_file(&out);
                }
                r
            },
            |j, r| {
                let (i, d, _) = &jobs[j];
                done += 1;
                progress.report(done, total, &d.efile_no);
                results[*i] = match r {
                    Ok(built) => Some(match self.register(d, &built, operator) {
                        Ok(o) => o,
                        Err(e) => {
                            let _ = std::fs::remove_file(&built.path);
                            failed(&e)
                        }
                    }),
                    Err(guidang_package::PackageError::Cancelled) => {
                        cancelled = true;
                        None
                    }
                    Err(e) => Some(failed(&Error::Package(e))),
                };
            },
        );
        if cancelled || cancel.is_cancelled() {
            return Err(Error::Package(guidang_package::PackageError::Cancelled));
        }
        Ok(PackageReport {
            digest_algo: unit.suite.digest().name().into(),
            packages: case_nos
                .into_iter()
                .zip(results)
                .map(|(case_no, o)| PackageResult {
                    case_no,
                    outcome: o.unwrap_or(PackageOutcome::Failed {
                        code: "cancelled".into(),
                        message: "已取消".into(),
                    }),
                })
                .collect(),
        })
    }

    /// Moves a built package into place and registers it in one transaction.
    fn register(
        &mut self,
        d: &cases::CaseDetail,
        built: &BuiltPackage,
        operator: &str,
    ) -> Result<PackageOutcome> {
        let rel = format!("packages/{}/{}.zip", d.year(), d.efile_no);
        let dest = self.dir.join(&rel);
        let dir = dest.parent().expect("has parent").to_path_buf();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::DataDir { path, source }
        };
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let mut set_aside = None;
        if dest.exists() {
            // A corrected case re-sealed keeps its superseded package; a
            // file without its registration (a run killed between placing
            // it and committing its row) was never a package of the case:
            // it is set aside as unregistered, and the audit entry says so.
            let registered = packages::get(self.cat.db(), d.case_no())?
                .filter(|p| p.path == rel)
                .is_some_and(|p| {
                    DigestAlgo::from_name(&p.digest_algo).is_some_and(|a| {
                        guidang_package::build::digest_file(&dest, a)
                            .is_ok_and(|(n, dg)| n == p.size && dg == p.digest)
                    })
                });
            let (folder, stamp) = if registered {
                (
                    "packages/superseded",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string(),
                )
            } else {
                (
                    "packages/unregistered",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f").to_string(),
                )
            };
            let old = self.dir.join(folder);
            std::fs::create_dir_all(&old).map_err(io(&old))?;
            let kept = old.join(format!("{}.{stamp}.zip", d.efile_no));
            std::fs::rename(&dest, &kept).map_err(io(&dest))?;
            if !registered {
                set_aside = Some(guidang_core::fsutil::rel_path(&kept, &self.dir));
            }
        }
        std::fs::rename(&built.path, &dest).map_err(io(&dest))?;
        guidang_collect::store::sync_dir(&dir).map_err(io(&dir))?;
        let row = packages::PackageRow {
            case_no: d.record.case_no.clone(),
            efile_no: d.efile_no.clone(),
            path: rel.clone(),
            size: built.size,
            digest_algo: built.seal.suite.digest().name().into(),
            digest: built.digest.clone(),
            sealed_at: built.seal.sealed_at.clone(),
            sealed_by: operator.into(),
            fingerprint: built.seal.fingerprint.clone(),
        };
        self.cat.transaction(|tx| -> Result<()> {
            packages::upsert(tx, d.id, &row)?;
            cases::set_status(tx, d.id, CaseStatus::Sealed)?;
            audit::append(
                tx,
                operator,
                "seal",
                d.case_no(),
                &serde_json::json!({
                    "efile_no": d.efile_no, "path": rel, "size": built.size,
                    "digest_algo": row.digest_algo, "digest": built.digest, "fingerprint": row.fingerprint,
                    "unregistered_set_aside": set_aside,
                }),
            )?;
            Ok(())
        })?;
        Ok(PackageOutcome::Sealed {
            efile_no: d.efile_no.clone(),
            path: rel,
            size: built.size,
            digest: built.digest.clone(),
        })
    }

    /// Removes the work files that killed runs left in the data directory
    /// (`tmp/*.zip.part` of packaging, `store/tmp/*.part` of collection)
    /// and returns them, relative to the data directory. Files of runs
    /// still going are kept.
    pub(crate) fn remove_stale_work_files(&self) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        let tmp = self.dir.join("tmp");
        let store_tmp = self.dir.join("store").join("tmp");
        for (dir, owner) in [
            (&tmp, package_part_owner as fn(&str) -> Option<u32>),
            (&store_tmp, store_part_owner),
        ] {
            let r = guidang_core::fsutil::remove_stale(dir, owner).map_err(|source| {
                Error::DataDir {
                    path: dir.clone(),
                    source,
                }
            })?;
            removed.extend(
                r.iter()
                    .map(|p| guidang_core::fsutil::rel_path(p, &self.dir)),
            );
        }
        Ok(removed)
    }

    /// Registered packages.
    pub fn packages(&self) -> Result<Vec<packages::PackageRow>> {
        Ok(packages::list(self.cat.db())?)
    }

    /// Writes the unit's keyring (every operator's public key) to `path`.
    pub fn export_keyring(&self, path: &Path) -> Result<KeyringFile> {
        let k = self.keyring_file()?;
        let bytes = serde_json::to_vec_pretty(&k).expect("json");
        guidang_collect::store::write_atomic(path, &bytes).map_err(|source| Error::DataDir {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(k)
    }

    /// The unit's keyring as exported (every operator's public key).
    pub fn keyring_file(&self) -> Result<KeyringFile> {
        let unit = self.unit()?;
        Ok(KeyringFile {
            format: KEYRING_FORMAT.into(),
            unit: unit.unit_name.clone(),
            region: unit.region.clone(),
            fonds: unit.fonds.clone(),
            suite: unit.suite,
            exported_at: guidang_catalog::now_string(),
            keys: self.keyring()?.keys,
        })
    }
}

pub use guidang_package::build::digest_file;

/// Reads a keyring file.
pub fn read_keyring(path: &Path) -> Result<Keyring> {
    let bytes = std::fs::read(path).map_err(|e| Error::BadKeyring {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse_keyring(path, &bytes)
}

/// Reads the keyring file `rel` of a medium (bounded, confined to it).
pub fn read_medium_keyring(root: &Path, rel: &str) -> Result<Keyring> {
    let bytes =
        guidang_transfer::carrier::read_capped(root, rel, guidang_transfer::carrier::MAX_SMALL)
            .map_err(|e| Error::BadKeyring {
                path: root.join(rel),
                message: e.to_string(),
            })?;
    parse_keyring(&root.join(rel), &bytes)
}

/// Parses a keyring file's bytes and checks every fingerprint.
fn parse_keyring(path: &Path, bytes: &[u8]) -> Result<Keyring> {
    let bad = |message: String| Error::BadKeyring {
        path: path.to_path_buf(),
        message,
    };
    let k: KeyringFile =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("格式错误：{e}")))?;
    if k.format != KEYRING_FORMAT {
        return Err(bad(format!("格式版本应为 {KEYRING_FORMAT}")));
    }
    for key in &k.keys {
        let pk = (0..key.public_key.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(key.public_key.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<std::result::Result<Vec<u8>, _>>()
            .map_err(|_| bad(format!("操作员 {} 的公钥不是十六进制", key.operator)))?;
        if guidang_crypto::fingerprint(key.suite, &pk) != key.fingerprint {
            return Err(bad(format!(
                "操作员 {} 的公钥与指纹不符，文件可能被篡改",
                key.operator
            )));
        }
    }
    Ok(Keyring { keys: k.keys })
}

/// Expands package paths: a package folder (the unpacked layout) is one
/// package; another folder means every `.zip` and package folder under it.
pub fn expand_packages(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    use guidang_package::folder::is_package_folder;
    let mut out = Vec::new();
    for p in paths {
        if is_package_folder(p) {
            out.push(p.clone());
        } else if p.is_dir() {
            let mut stack = vec![p.clone()];
            while let Some(d) = stack.pop() {
                let rd = std::fs::read_dir(&d).map_err(|source| Error::DataDir {
                    path: d.clone(),
                    source,
                })?;
                for e in rd.flatten() {
                    let q = e.path();
                    if is_package_folder(&q) {
                        out.push(q);
                    } else if q.is_dir() {
                        stack.push(q);
                    } else if q.extension().is_some_and(|x| x.eq_ignore_ascii_case("zip")) {
                        out.push(q);
                    }
                }
            }
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(Error::NotFound(p.clone()));
        }
    }
    out.sort();
    Ok(out)
}

/// Verifies packages against a keyring, in parallel across packages (one
/// worker per core); reports come back in path order.
pub fn verify_packages(
    paths: &[PathBuf],
    keyring: &Keyring,
    fallback: DigestAlgo,
    cancel: &CancelFlag,
) -> Result<Vec<VerifyReport>> {
    let files = expand_packages(paths)?;
    let mut out: Vec<Option<VerifyReport>> = vec![None; files.len()];
    // Never cancelled at pool level: every package gets a report (a
    // cancelled verification says so in its findings).
    guidang_core::pool::run(
        files.len(),
        &CancelFlag::new(),
        |i| {
            if files[i].is_dir() {
                guidang_package::verify_folder(&files[i], keyring, fallback, cancel)
            } else {
                guidang_package::verify_package(&files[i], keyring, fallback, cancel)
            }
        },
        |i, r| out[i] = Some(r),
    );
    Ok(out
        .into_iter()
        .map(|r| r.expect("every package verified"))
        .collect())
}

impl Archive {
    /// Verifies packages with the unit's keyring (when initialised) plus
    /// any keyring files given.
    pub fn verify(
        &self,
        paths: &[PathBuf],
        keyrings: &[PathBuf],
        cancel: &CancelFlag,
    ) -> Result<Vec<VerifyReport>> {
        let (mut ring, algo) = match self.unit() {
            Ok(u) => (self.keyring()?, u.suite.digest()),
            Err(Error::Catalog(CatalogError::NotInitialised)) => {
                (Keyring::default(), DigestAlgo::Sm3)
            }
            Err(e) => return Err(e),
        };
        for k in keyrings {
            ring.keys.extend(read_keyring(k)?.keys);
        }
        verify_packages(paths, &ring, algo, cancel)
    }
}

/// The process that writes `tmp/{电子文件号}.{pid}.zip.part` (packaging),
/// `tmp/form-{pid}-{time}/` (a case entered in the form) or
/// `tmp/demo-{pid}-{seed}/` (demo data).
fn package_part_owner(name: &str) -> Option<u32> {
    let fsu = |prefix| guidang_core::fsutil::pid_after(name, prefix, Some('-'));
    fsu("form-").or_else(|| fsu("demo-")).or_else(|| {
        name.strip_suffix(".zip.part")?
            .rsplit_once('.')?
            .1
            .parse()
            .ok()
    })
}

/// The process that writes `store/tmp/{pid}-{n}.part`.
fn store_part_owner(name: &str) -> Option<u32> {
    guidang_core::fsutil::pid_after(name.strip_suffix(".part")?, "", Some('-'))
}
