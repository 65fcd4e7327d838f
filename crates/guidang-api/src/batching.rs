//! Transfer batches (组批): grouping checked packages, writing and signing
//! the batch manifest, and opinions on opening for use (开放利用意见).
//!
//! A batch holds only cases whose package passed the archiving check (status
//! `checked`). The manifest and its signature are written atomically to
//! `batches/{批次编号}/` before the batch is registered in one transaction
//! that also moves the cases to `in_batch` and appends the audit entry.

use std::path::PathBuf;

use guidang_catalog::{audit, batches, cases, checks, packages};
use guidang_core::{CaseStatus, OpenOpinion};
use guidang_transfer::manifest::{MANIFEST_FILE, MANIFEST_FORMAT, SIGNATURE_FILE};
use guidang_transfer::{BatchSignature, Manifest, ManifestPackage, ManifestUnit};
use serde::Serialize;

use crate::{Archive, Error, Result};

/// A printed form of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// 政务服务电子档案移交清单 (Table A.1).
    TransferList,
    /// 归档目录清单.
    Catalog,
    /// 电子档案移交与接收登记表 (needs the media plan of the first write).
    Register,
    /// 光盘标签: a disc label and a case label per carrier (DA/T 38; needs
    /// the media plan).
    Labels,
}

impl Form {
    /// The form named by its stable code (`transfer_list`, `catalog`,
    /// `register`), as front ends send it; an unknown name is an error.
    pub fn from_code(code: &str) -> Result<Form> {
        match code {
            "transfer_list" | "transfer-list" => Ok(Form::TransferList),
            "catalog" => Ok(Form::Catalog),
            "register" => Ok(Form::Register),
            "labels" => Ok(Form::Labels),
            other => Err(crate::Error::invalid(
                "表单",
                format!("未知的表单“{other}”，应为 transfer_list（移交清单）、catalog（归档目录清单）、register（移交与接收登记表）或 labels（光盘标签）"),
            )),
        }
    }

    /// The form's Chinese title, as in file names.
    pub fn title(self) -> &'static str {
        match self {
            Form::TransferList => "移交清单",
            Form::Catalog => "归档目录清单",
            Form::Register => "移交与接收登记表",
            Form::Labels => "光盘标签",
        }
    }
}

/// Which cases go into a batch.
#[derive(Debug, Clone)]
pub enum BatchSelection {
    /// Every case that passed the archiving check and is in no batch.
    AllReady,
    /// These 办件编号 (all must be ready, or nothing is created).
    Cases(Vec<String>),
}

/// A created batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchCreated {
    /// 批次编号.
    pub batch_no: String,
    /// Batch digest (of the manifest bytes).
    pub digest: String,
    /// Its algorithm.
    pub digest_algo: String,
    /// Signer's key fingerprint.
    pub fingerprint: String,
    /// Packages.
    pub packages: u32,
    /// Bytes.
    pub bytes: u64,
    /// Folder holding the manifest and signature.
    pub dir: PathBuf,
    /// Checked cases that were left out of an all-ready batch, each with
    /// the reason (never left out silently).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<String>,
}

fn check_open(opinion: &str, reason: Option<&str>) -> Result<OpenOpinion> {
    let o = OpenOpinion::from_code(opinion).ok_or_else(|| {
        Error::invalid(
            "开放利用意见（--opinion）",
            format!("“{opinion}”无效，可选值：开放、控制使用、不开放"),
        )
    })?;
    if o != OpenOpinion::Open && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::invalid(
            "理由（--reason）",
            format!("开放利用意见为“{opinion}”时必须说明理由"),
        ));
    }
    Ok(o)
}

impl Archive {
    /// Sets a service item's default opinion on opening for use.
    pub fn set_item_open(
        &mut self,
        actor: &str,
        item_code: &str,
        opinion: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let o = check_open(opinion, reason)?;
        let reason = reason.filter(|_| o != OpenOpinion::Open);
        self.cat.transaction(|tx| -> Result<()> {
            if !batches::set_item_open(tx, item_code, o.code(), reason)? {
                return Err(Error::invalid(
                    "事项编码",
                    format!("本单位事项清单中没有事项 {item_code}"),
                ));
            }
            audit::append(
                tx,
                actor,
                "set_item_open",
                item_code,
                &serde_json::json!({"opinion": o.code(), "reason": reason}),
            )?;
            Ok(())
        })
    }

    /// Sets a case's own opinion on opening for use (before it is batched).
    pub fn set_case_open(
        &mut self,
        actor: &str,
        case_no: &str,
        opinion: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let o = check_open(opinion, reason)?;
        let reason = reason.filter(|_| o != OpenOpinion::Open);
        let d = cases::detail(self.cat.db(), case_no)?
            .ok_or_else(|| Error::NoSuchCase(case_no.into()))?;
        let status = d.status;
        if matches!(
            status,
            CaseStatus::InBatch | CaseStatus::Transferred | CaseStatus::Accepted
        ) {
            return Err(Error::WrongStatus {
                case_no: case_no.into(),
                status: status.label().into(),
                what: "已组批的办件不能再修改开放利用意见；如需更正，请在新批次中更正".into(),
            });
        }
        self.cat.transaction(|tx| -> Result<()> {
            batches::set_case_open(tx, case_no, Some(o.code()), reason)?;
            audit::append(
                tx,
                actor,
                "set_case_open",
                case_no,
                &serde_json::json!({"opinion": o.code(), "reason": reason}),
            )?;
            Ok(())
        })
    }

    /// The latest archiving check of the case's registered package (checks
    /// of other copies of it do not count).
    fn registered_check(&self, d: &cases::CaseDetail) -> Result<Option<checks::CheckRecord>> {
        Ok(match packages::get(self.cat.db(), d.case_no())? {
            Some(p) => checks::latest_of_digest(self.cat.db(), &d.efile_no, "gd", &p.digest)?,
            None => None,
        })
    }

    /// Why a case cannot go into a batch, if it cannot.
    fn not_ready(&self, d: &cases::CaseDetail) -> Result<Option<String>> {
        let status = d.status;
        Ok(match status {
            CaseStatus::Checked => match self.registered_check(d)? {
                Some(c) if c.verdict != "fail" => None,
                Some(c) => Some(format!(
                    "登记的归档信息包最近一次检测不合格（{}），请按检测意见更正",
                    c.opinion
                )),
                None => Some("登记的归档信息包没有通过归档检测的记录，请先运行检测".into()),
            },
            CaseStatus::Collected | CaseStatus::Packaged | CaseStatus::Sealed => Some(format!(
                "尚未通过归档检测（状态：{}），请先组包固化并运行 guidang check；检测不合格的请按检测意见更正",
                status.label()
            )),
            CaseStatus::InBatch | CaseStatus::Transferred | CaseStatus::Accepted => Some(format!(
                "已在批次 {} 中（状态：{}）",
                batches::batch_of_case(self.cat.db(), d.id)?.unwrap_or_default(),
                status.label()
            )),
            CaseStatus::Returned => Some("已被退回，请更正后重新收集、组包、检测".into()),
            CaseStatus::Destroyed => Some("已经鉴定销毁".into()),
        })
    }

    /// A case's line in the batch manifest: what the catalog registered of
    /// its package and materials, its opening opinion, its check opinion,
    /// and the digest of its seal (read from the package).
    fn manifest_package(&self, seq: u32, d: &cases::CaseDetail) -> Result<ManifestPackage> {
        let p = packages::get(self.cat.db(), d.case_no())?.ok_or_else(|| {
            Error::Catalog(guidang_catalog::CatalogError::Corrupt(format!(
                "办件 {} 没有归档信息包登记",
                d.case_no()
            )))
        })?;
        let ms = cases::materials(self.cat.db(), d.case_no())?;
        let zip = self.dir.join(&p.path);
        let seal = guidang_package::folder::seal_digest(&zip).map_err(|e| {
            Error::Transfer(format!(
                "读取包 {} 的固化信息失败：{e}。请运行 guidang verify 检查该包",
                d.efile_no
            ))
        })?;
        let (open, reason) = batches::open_opinion(self.cat.db(), d.case_no())?;
        let check = self
            .registered_check(d)?
            .map(|c| c.opinion)
            .unwrap_or_default();
        Ok(ManifestPackage {
            seq,
            efile_no: d.efile_no.clone(),
            case_no: d.record.case_no.clone(),
            case_name: d.record.case_name.clone(),
            item_code: d.record.item.code.clone(),
            item_name: d.record.item.name.clone(),
            item_type: d.record.item.item_type.code().to_string(),
            applicant: d.record.applicant.name.clone(),
            completed_on: d.record.completed_at.format("%Y-%m-%d").to_string(),
            year: d.year(),
            retention: d.record.retention.code().to_string(),
            open_opinion: open,
            open_reason: reason,
            materials: ms.len() as u32,
            material_bytes: ms.iter().map(|m| m.size).sum(),
            size: p.size,
            digest: p.digest,
            check_opinion: check,
            seal_digest: Some(seal),
        })
    }

    /// Groups checked packages into a new batch, signed by the transferring
    /// operator (移交人). With an explicit list, any case that is not ready
    /// refuses the whole batch, naming every reason.
    pub fn create_batch(
        &mut self,
        sel: &BatchSelection,
        operator: &str,
        pin: &str,
        corrects: Option<&str>,
    ) -> Result<BatchCreated> {
        let unit = self.unit()?;
        let signer = self.unlock(operator, pin)?;
        if let Some(c) = corrects {
            if batches::get(self.cat.db(), c)?.is_none() {
                return Err(Error::NoSuchBatch(c.into()));
            }
        }
        let case_nos = match sel {
            BatchSelection::AllReady => {
                cases::case_nos_with_status(self.cat.db(), CaseStatus::Checked)?
            }
            BatchSelection::Cases(v) => v.clone(),
        };
        let mut details = Vec::new();
        let mut refused = Vec::new();
        for no in &case_nos {
            match cases::detail(self.cat.db(), no)? {
                None => refused.push(format!("{no}：没有这个办件")),
                Some(d) => match self.not_ready(&d)? {
                    Some(why) => refused.push(format!("{no}：{why}")),
                    None => details.push(d),
                },
            }
        }
        if !refused.is_empty() && matches!(sel, BatchSelection::Cases(_)) {
            return Err(Error::BatchRefused(refused));
        }
        if details.is_empty() {
            let mut why = vec!["没有可以组批的办件：办件须先组包固化并通过归档检测".to_string()];
            why.extend(refused);
            return Err(Error::BatchRefused(why));
        }
        let today = self.today().format("%Y%m%d").to_string();
        let prefix = format!("{}-{today}-", unit.region);
        let seq = batches::next_seq(self.cat.db(), &prefix)?;
        if seq > 99 {
            return Err(Error::BatchRefused(vec![
                "今天的批次已满 99 个，请明天再组批".into(),
            ]));
        }
        let batch_no = format!("{prefix}{seq:02}");
        let mut pkgs = Vec::new();
        for (i, d) in details.iter().enumerate() {
            pkgs.push(self.manifest_package(i as u32 + 1, d)?);
        }
        let manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            batch_no: batch_no.clone(),
            corrects: corrects.map(str::to_string),
            unit: ManifestUnit {
                region: unit.region.clone(),
                fonds: unit.fonds.clone(),
                name: unit.unit_name.clone(),
            },
            suite: unit.suite,
            digest_algo: unit.suite.digest().name().into(),
            created_at: guidang_catalog::now_string(),
            operator: operator.into(),
            total_packages: pkgs.len() as u32,
            total_bytes: pkgs.iter().map(|p| p.size).sum(),
            packages: pkgs,
        };
        let sig = BatchSignature::sign(&manifest, &signer)?;
        let rel = format!("batches/{batch_no}");
        let dir = self.dir.join(&rel);
        write_signed_manifest(&dir, &manifest, &sig)?;
        let row = batches::BatchRow {
            batch_no: batch_no.clone(),
            created_at: manifest.created_at.clone(),
            created_by: operator.into(),
            digest_algo: sig.digest_algo.clone(),
            digest: sig.manifest_digest.clone(),
            fingerprint: sig.fingerprint.clone(),
            corrects: manifest.corrects.clone(),
            packages: manifest.total_packages,
            bytes: manifest.total_bytes,
            path: rel,
            status: "created".into(),
        };
        let items: Vec<(i64, String)> =
            details.iter().map(|d| (d.id, d.efile_no.clone())).collect();
        self.cat.transaction(|tx| -> Result<()> {
            batches::insert(tx, &row, &items)?;
            for d in &details {
                cases::set_status(tx, d.id, CaseStatus::InBatch)?;
            }
            audit::append(
                tx,
                operator,
                "batch_create",
                &batch_no,
                &serde_json::json!({"digest": row.digest, "algo": row.digest_algo, "packages": row.packages, "bytes": row.bytes, "corrects": row.corrects, "fingerprint": row.fingerprint}),
            )?;
            Ok(())
        })?;
        Ok(BatchCreated {
            batch_no,
            digest: row.digest,
            digest_algo: row.digest_algo,
            fingerprint: row.fingerprint,
            packages: row.packages,
            bytes: row.bytes,
            dir,
            left_out: refused,
        })
    }

    /// Prints a form of a batch to `out` (atomically).
    /// Where a printed form of a batch is kept in the data directory:
    /// `forms/{表单}-{批次编号}.pdf`.
    pub fn form_path(&self, form: Form, batch_no: &str) -> std::path::PathBuf {
        self.dir
            .join("forms")
            .join(format!("{}-{batch_no}.pdf", form.title()))
    }

    pub fn print_form(&self, form: Form, batch_no: &str, out: &std::path::Path) -> Result<()> {
        let (m, sig) = self.batch_manifest(batch_no)?;
        let pdf = match form {
            Form::TransferList => guidang_transfer::forms::transfer_list_pdf(&m, &sig),
            Form::Catalog => guidang_transfer::forms::catalog_list_pdf(&m, &sig),
            Form::Register => Ok(self.register_pdf(batch_no)?),
            Form::Labels => Ok(self.labels_pdf(batch_no)?),
        }
        .map_err(|e| Error::Check(e.to_string()))?;
        guidang_collect::store::write_atomic(out, &pdf).map_err(|source| Error::DataDir {
            path: out.to_path_buf(),
            source,
        })
    }

    /// Registered batches, newest first.
    pub fn batches(&self) -> Result<Vec<batches::BatchRow>> {
        Ok(batches::list(self.cat.db())?)
    }

    /// A batch's manifest and signature as written, checked against the
    /// registration (a manifest changed on disk is reported, not trusted).
    pub fn batch_manifest(&self, batch_no: &str) -> Result<(Manifest, BatchSignature)> {
        let b = batches::get(self.cat.db(), batch_no)?
            .ok_or_else(|| Error::NoSuchBatch(batch_no.into()))?;
        let dir = self.dir.join(&b.path);
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|source| Error::DataDir {
                path: dir.join(name),
                source,
            })
        };
        let bytes = read(MANIFEST_FILE)?;
        let sig: BatchSignature = serde_json::from_slice(&read(SIGNATURE_FILE)?)
            .map_err(|e| Error::Check(format!("批次签名文件格式错误：{e}")))?;
        let mut problems = sig.verify(&bytes, Some(&self.keyring()?));
        if sig.manifest_digest != b.digest {
            problems.push("批次清单与目录库登记的批次摘要不一致".into());
        }
        if !problems.is_empty() {
            return Err(Error::BatchRefused(problems));
        }
        Ok((Manifest::from_bytes(&bytes).map_err(Error::Check)?, sig))
    }
}

/// Writes the batch manifest and its signature atomically into `dir`.
fn write_signed_manifest(
    dir: &std::path::Path,
    manifest: &Manifest,
    sig: &BatchSignature,
) -> Result<()> {
    let io = |source| Error::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    guidang_collect::store::write_atomic(&dir.join(MANIFEST_FILE), &manifest.to_bytes())
        .map_err(io)?;
    let sig_bytes = serde_json::to_vec_pretty(sig).expect("json");
    guidang_collect::store::write_atomic(&dir.join(SIGNATURE_FILE), &sig_bytes).map_err(io)
}
