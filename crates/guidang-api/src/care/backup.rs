//! Backing up the data directory: content-addressed objects and a signed
//! generation manifest, incremental, with the reminder interval. A backup
//! runs in phases: the signing key, a new generation on the drive, the
//! catalog snapshot, the list of files with their digests, copying the
//! objects the drive lacks, the signed manifest, and the catalog record.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use guidang_catalog::{audit, care, intake, packages, settings};
use guidang_core::{CancelFlag, DigestAlgo, Progress, Suite, UnitSettings};
use guidang_transfer::write::{copy_verified, Source, WriteError};

use super::*;
use crate::{Archive, Error, Result, CATALOG_FILE};

impl Archive {
    /// The installation's backup-signing key (created on first use).
    fn backup_key(&mut self, suite: Suite) -> Result<guidang_crypto::SecretKey> {
        if let Some(h) = settings::get(self.cat.db(), KEY_SETTING)? {
            return Ok(guidang_crypto::SecretKey::from_secret_hex(suite, &h)?);
        }
        let k = guidang_crypto::SecretKey::generate(suite)?;
        let h = k.secret_hex();
        self.cat.transaction(|tx| -> Result<()> {
            settings::set(tx, KEY_SETTING, &h)?;
            audit::append(
                tx,
                "system",
                "backup_key_created",
                "backup",
                &serde_json::json!({}),
            )?;
            Ok(())
        })?;
        Ok(k)
    }

    /// Backs up the catalog and every file of the data directory to `to`
    /// (a removable drive), copying only what the drive does not hold yet.
    pub fn backup(
        &mut self,
        to: &Path,
        actor: &str,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<BackupReport> {
        let unit = self.unit()?;
        let algo = unit.suite.digest();
        let signer = self.signer(unit.suite)?;
        let (root, generation) = new_generation(to, &unit)?;
        let known = self.known_digests()?;
        let (catalog, snap) = self.snapshot_catalog(algo)?;
        let entries = self.list_files((catalog, snap.clone()), &known, algo)?;
        let total: u64 = entries.iter().map(|(f, _)| f.size).sum();
        let copied = copy_objects(&root, &entries, total, algo, &snap, progress, cancel)?;
        let (m, bytes, sig) = sign_manifest(&unit, &generation, total, entries, &signer)?;
        write_generation(&root, &generation, &sig, &bytes)?;
        let row = care::BackupRow {
            generation: generation.clone(),
            created_at: m.created_at.clone(),
            dest: root.display().to_string(),
            files: (m.files.len() + 1) as u32,
            bytes: total,
            copied: copied.paths.len() as u32,
            copied_bytes: copied.bytes,
            manifest_digest: sig.manifest_digest.clone(),
            fingerprint: signer.fingerprint.clone(),
        };
        self.record_backup(actor, &row)?;
        progress.report(total, total, "备份完成");
        Ok(BackupReport {
            dest: root,
            generation,
            files: m.files.len() + 1,
            bytes: total,
            copied: copied.paths.len(),
            copied_bytes: copied.bytes,
            copied_paths: copied.paths,
            manifest_digest: sig.manifest_digest,
            fingerprint: signer.fingerprint,
        })
    }

    /// The backup key with its public half and fingerprint.
    fn signer(&mut self, suite: Suite) -> Result<Signer> {
        let key = self.backup_key(suite)?;
        let pk = key.public_key()?;
        let fingerprint = guidang_crypto::fingerprint(suite, &pk);
        Ok(Signer {
            key,
            pk,
            fingerprint,
        })
    }

    /// Known digests: packages and accepted packages are registered with
    /// theirs (store blobs are named by theirs).
    fn known_digests(&self) -> Result<HashMap<String, String>> {
        let mut known: HashMap<String, String> = HashMap::new();
        for p in packages::list(self.cat.db())? {
            known.insert(p.path.clone(), p.digest.clone());
        }
        if let Ok(hs) = intake::holdings(self.cat.db()) {
            for h in hs {
                known.insert(h.path.clone(), h.digest.clone());
            }
        }
        Ok(known)
    }

    /// The catalog snapshot (the online backup API) in `tmp/`, hashed; its
    /// manifest entry and the snapshot's path.
    fn snapshot_catalog(&self, algo: DigestAlgo) -> Result<(BackupFile, PathBuf)> {
        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|source| Error::DataDir {
            path: tmp.clone(),
            source,
        })?;
        let snap = tmp.join(format!("backup-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&snap);
        self.cat.snapshot_to(&snap)?;
        let (cdigest, csize) = hash_file(&snap, algo).map_err(|source| Error::DataDir {
            path: snap.clone(),
            source,
        })?;
        Ok((
            BackupFile {
                path: CATALOG_FILE.into(),
                size: csize,
                digest: cdigest,
            },
            snap,
        ))
    }

    /// Every file of the data directory after the catalog, each with its
    /// digest (known, a store blob's name, or hashed now) and its source.
    fn list_files(
        &self,
        catalog: (BackupFile, PathBuf),
        known: &HashMap<String, String>,
        algo: DigestAlgo,
    ) -> Result<Vec<(BackupFile, PathBuf)>> {
        let store_prefix = format!("store/{}/", algo.name().to_ascii_lowercase());
        let mut entries = vec![catalog];
        for r in data_files(&self.dir)? {
            let p = self.dir.join(&r);
            let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            let digest = match known.get(&r) {
                Some(d) => d.clone(),
                None if r.starts_with(&store_prefix) => {
                    r.rsplit('/').next().unwrap_or("").to_string()
                }
                None => {
                    hash_file(&p, algo)
                        .map_err(|source| Error::DataDir {
                            path: p.clone(),
                            source,
                        })?
                        .0
                }
            };
            entries.push((
                BackupFile {
                    path: r,
                    size,
                    digest,
                },
                p,
            ));
        }
        Ok(entries)
    }

    /// Records the generation in the catalog and the audit log, in one
    /// transaction.
    fn record_backup(&mut self, actor: &str, row: &care::BackupRow) -> Result<()> {
        self.cat.transaction(|tx| -> Result<()> {
            care::record_backup(tx, row)?;
            audit::append(
                tx,
                actor,
                "backup",
                &row.generation,
                &serde_json::json!({"dest": row.dest, "files": row.files, "copied": row.copied, "manifest_digest": row.manifest_digest, "fingerprint": row.fingerprint}),
            )?;
            Ok(())
        })
    }

    /// The latest backup and whether it is older than the reminder interval.
    pub fn backup_state(&self) -> Result<(Option<care::BackupRow>, i64, bool)> {
        let days = settings::get(self.cat.db(), INTERVAL_SETTING)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_BACKUP_INTERVAL_DAYS);
        let last = care::last_backup(self.cat.db())?;
        let overdue = match &last {
            None => true,
            Some(b) => chrono::DateTime::parse_from_rfc3339(&b.created_at)
                .map(|t| (self.today() - t.date_naive()).num_days() > days)
                .unwrap_or(true),
        };
        Ok((last, days, overdue))
    }

    /// Sets the backup reminder interval in days.
    pub fn set_backup_interval(&mut self, actor: &str, days: i64) -> Result<()> {
        if !(1..=3650).contains(&days) {
            return Err(Error::invalid("备份提醒间隔（天）", "应为 1 至 3650 天"));
        }
        self.cat.transaction(|tx| -> Result<()> {
            settings::set(tx, INTERVAL_SETTING, &days.to_string())?;
            audit::append(
                tx,
                actor,
                "set_backup_interval",
                "backup",
                &serde_json::json!({"days": days}),
            )?;
            Ok(())
        })
    }
}

/// The installation's backup key, its public half and fingerprint.
struct Signer {
    key: guidang_crypto::SecretKey,
    pk: Vec<u8>,
    fingerprint: String,
}

/// What the copy pass wrote to the drive.
struct Copied {
    paths: Vec<String>,
    bytes: u64,
}

/// The unit's folder on the drive and a generation name not used there yet.
fn new_generation(to: &Path, unit: &UnitSettings) -> Result<(PathBuf, String)> {
    if !to.is_dir() {
        return Err(Error::NotFound(to.to_path_buf()));
    }
    let root = to
        .join(BACKUP_ROOT)
        .join(format!("{}-{}", unit.region, unit.fonds));
    let now = chrono::Utc::now().with_timezone(&guidang_core::validate::cst());
    let mut generation = now.format("%Y%m%dT%H%M%S").to_string();
    let mut n = 2;
    while root.join("generations").join(&generation).exists() {
        generation = format!("{}-{n}", now.format("%Y%m%dT%H%M%S"));
        n += 1;
    }
    Ok((root, generation))
}

/// Copies, verified, every object the drive does not hold yet; the snapshot
/// is removed afterwards (or on failure). Damaged sources fail the backup.
fn copy_objects(
    root: &Path,
    entries: &[(BackupFile, PathBuf)],
    total: u64,
    algo: DigestAlgo,
    snap: &Path,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<Copied> {
    let mut done = 0u64;
    let mut copied_paths = Vec::new();
    let mut copied_bytes = 0u64;
    let mut damaged = Vec::new();
    for (f, src) in entries {
        progress.report(done, total, &f.path);
        let obj = object_path(root, &f.digest);
        let present = std::fs::metadata(&obj).is_ok_and(|m| m.len() == f.size);
        if !present {
            let s = Source {
                rel: f.path.clone(),
                src: src.clone(),
                size: f.size,
                digest: f.digest.clone(),
            };
            match copy_verified(&s, &obj, algo, cancel) {
                Ok(()) => {
                    copied_paths.push(f.path.clone());
                    copied_bytes += f.size;
                }
                Err(WriteError::SourceChanged(_)) => damaged.push(format!(
                    "{}：数据目录中的文件与登记的摘要不符（已损坏），未备份；请运行 guidang inspect",
                    f.path
                )),
                Err(e) => {
                    let _ = std::fs::remove_file(snap);
                    return Err(medium_err(e));
                }
            }
        }
        done += f.size;
    }
    let _ = std::fs::remove_file(snap);
    if !damaged.is_empty() {
        return Err(Error::Backup(damaged));
    }
    Ok(Copied {
        paths: copied_paths,
        bytes: copied_bytes,
    })
}

/// The generation's manifest (catalog first, then every file), its bytes
/// and their signature.
fn sign_manifest(
    unit: &UnitSettings,
    generation: &str,
    total: u64,
    entries: Vec<(BackupFile, PathBuf)>,
    signer: &Signer,
) -> Result<(BackupManifest, Vec<u8>, BackupSignature)> {
    let algo = unit.suite.digest();
    let mut it = entries.into_iter().map(|(f, _)| f);
    let catalog = it.next().expect("the catalog");
    let files: Vec<BackupFile> = it.collect();
    let m = BackupManifest {
        format: BACKUP_FORMAT.into(),
        region: unit.region.clone(),
        fonds: unit.fonds.clone(),
        unit: unit.unit_name.clone(),
        suite: unit.suite,
        digest_algo: algo.name().into(),
        generation: generation.into(),
        created_at: guidang_catalog::now_string(),
        total_bytes: total,
        catalog,
        files,
    };
    let mut bytes = serde_json::to_vec_pretty(&m).expect("json");
    bytes.push(b'\n');
    let sig = BackupSignature {
        suite: unit.suite,
        manifest_digest: algo.hex(&bytes),
        public_key: hex::encode(&signer.pk),
        fingerprint: signer.fingerprint.clone(),
        signature: hex::encode(signer.key.sign(&bytes)?),
    };
    Ok((m, bytes, sig))
}

/// Writes the signature, then the manifest, each atomically and read back,
/// and reads the generation as a restore would.
fn write_generation(
    root: &Path,
    generation: &str,
    sig: &BackupSignature,
    bytes: &[u8],
) -> Result<()> {
    let gdir = root.join("generations").join(generation);
    let w = |name: &str, b: &[u8]| {
        let p = gdir.join(name);
        guidang_core::fsutil::write_atomic(&p, b)
            .and_then(|_| std::fs::read(&p))
            .and_then(|back| {
                if back == b {
                    Ok(())
                } else {
                    Err(std::io::Error::other("读回内容不符"))
                }
            })
            .map_err(|source| Error::DataDir { path: p, source })
    };
    w(
        BACKUP_SIGNATURE,
        &serde_json::to_vec_pretty(sig).expect("json"),
    )?;
    w(BACKUP_MANIFEST, bytes)?;
    read_generation(root, Some(generation))?;
    Ok(())
}
