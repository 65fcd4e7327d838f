//! Retention appraisal: what is due, destruction with approval (the hall's
//! records and the intake side's holdings), and the append-only
//! destruction register.

use std::path::{Path, PathBuf};

use guidang_catalog::{audit, care, cases, intake, packages};
use guidang_core::{deadline, CaseStatus, Retention};

use super::*;
use crate::{Archive, Error, Result};

impl Archive {
    /// Records whose retention has ended by `as_of`, and whether each may be
    /// destroyed now.
    pub fn retention_due(&self, as_of: chrono::NaiveDate) -> Result<Vec<RetentionRow>> {
        let today = self.today();
        if self.unit()?.role == guidang_core::Role::Intake {
            return self.holdings_due(as_of, today);
        }
        let mut out = Vec::new();
        for c in cases::list(self.cat.db(), &cases::Filter::default())? {
            let Some(ret) = Retention::from_code(&c.retention) else {
                continue;
            };
            let Some(end) = deadline::retention_end(c.year, ret) else {
                continue;
            };
            if end >= as_of || c.status == CaseStatus::Destroyed.code() {
                continue;
            }
            let d = cases::detail(self.cat.db(), &c.case_no)?
                .ok_or_else(|| Error::NoSuchCase(c.case_no.clone()))?;
            let transferred_on = care::transferred_on(self.cat.db(), d.id)?;
            let why_not = destroy_obstacle(d.status, end, transferred_on.as_deref(), today);
            out.push(RetentionRow {
                case_no: c.case_no.clone(),
                efile_no: c.efile_no.clone(),
                case_name: c.case_name.clone(),
                year: c.year,
                retention: c.retention.clone(),
                retention_end: end.to_string(),
                status: c.status.clone(),
                transferred_on,
                destroyable: why_not.is_none(),
                why_not,
            });
        }
        Ok(out)
    }

    /// The intake side's holdings whose retention has ended by `as_of`: the
    /// archive holds them itself, so only the retention decides.
    fn holdings_due(
        &self,
        as_of: chrono::NaiveDate,
        today: chrono::NaiveDate,
    ) -> Result<Vec<RetentionRow>> {
        let mut out = Vec::new();
        for h in intake::holdings_kept(self.cat.db())? {
            let Some(end) =
                Retention::from_code(&h.retention).and_then(|r| deadline::retention_end(h.year, r))
            else {
                continue;
            };
            if end >= as_of {
                continue;
            }
            let why_not = not_yet_ended(end, today);
            out.push(RetentionRow {
                case_no: h.case_no,
                efile_no: h.efile_no,
                case_name: h.case_name,
                year: h.year,
                retention: h.retention,
                retention_end: end.to_string(),
                status: "held".into(),
                transferred_on: None,
                destroyable: why_not.is_none(),
                why_not,
            });
        }
        Ok(out)
    }

    /// Destroys one of the intake side's holdings (named by 电子文件号, or
    /// by 办件编号 when only one holding has it) whose retention has ended:
    /// the register entry and the catalogue mark first, in one transaction,
    /// then the stored package is removed.
    fn destroy_holding(
        &mut self,
        key: &str,
        approved_by: &str,
        approval_doc: &str,
        actor: &str,
    ) -> Result<care::Destruction> {
        let all = intake::holdings(self.cat.db())?;
        let mut matching: Vec<&intake::Holding> =
            all.iter().filter(|h| h.efile_no == key).collect();
        if matching.is_empty() {
            matching = all.iter().filter(|h| h.case_no == key).collect();
        }
        let h = match matching.as_slice() {
            [h] => *h,
            [] => return Err(Error::NoSuchCase(key.into())),
            _ => {
                return Err(Error::Retention(format!(
                    "有 {} 个入库包的办件编号都是 {key}：请用电子文件号指明要销毁哪一个",
                    matching.len()
                )))
            }
        };
        let path = self.dir.join(&h.path);
        if let Some(at) = &h.destroyed_at {
            // Already registered: only finish removing a leftover file.
            if path.exists() {
                remove_holding(&path).map_err(|source| Error::DataDir { path, source })?;
            }
            return care::destructions(self.cat.db())?
                .into_iter()
                .find(|x| x.efile_no == h.efile_no && &x.destroyed_at == at)
                .ok_or_else(|| Error::Retention("销毁清册中没有该入库包".into()));
        }
        let ret = Retention::from_code(&h.retention)
            .ok_or_else(|| Error::Retention(format!("未知的保管期限 {}", h.retention)))?;
        let end = deadline::retention_end(h.year, ret);
        let why_not = match end {
            None => Some("保管期限为永久，不能销毁".to_string()),
            Some(end) => not_yet_ended(end, self.today()),
        };
        if let Some(why) = why_not {
            return Err(Error::WrongStatus {
                case_no: h.case_no.clone(),
                status: "已入库".into(),
                what: format!("不能销毁：{why}"),
            });
        }
        let entry = care::Destruction {
            case_no: h.case_no.clone(),
            efile_no: h.efile_no.clone(),
            case_name: h.case_name.clone(),
            item_name: h.item_name.clone(),
            year: h.year,
            retention: h.retention.clone(),
            retention_end: end.map(|e| e.to_string()).unwrap_or_default(),
            package_digest: Some(h.digest.clone()),
            package_size: Some(h.size),
            digest_algo: h.digest_algo.clone(),
            approved_by: approved_by.trim().into(),
            approval_doc: approval_doc.trim().into(),
            destroyed_at: guidang_catalog::now_string(),
            destroyed_by: actor.into(),
        };
        self.cat.transaction(|tx| -> Result<()> {
            intake::record_holding_destruction(tx, &h.efile_no, &entry)?;
            audit::append(
                tx,
                actor,
                "destroy_holding",
                &h.efile_no,
                &serde_json::json!({"case_no": h.case_no, "batch_no": h.batch_no, "approved_by": entry.approved_by, "approval_doc": entry.approval_doc, "package_digest": entry.package_digest}),
            )?;
            Ok(())
        })?;
        if path.exists() {
            remove_holding(&path).map_err(|source| Error::DataDir {
                path: path.clone(),
                source,
            })?;
        }
        if let Some(parent) = path.parent() {
            let _ = guidang_core::fsutil::sync_dir(parent);
        }
        Ok(entry)
    }

    /// Destroys a record whose retention has ended, with a recorded
    /// approval, carried out by `actor` after their PIN: removes its package
    /// and the material files no other record uses, keeps its catalogue
    /// entry, and appends to the destruction register with the package's
    /// digest. On the intake side the record is a holding, named by its
    /// 电子文件号 (or 办件编号 when unique). Nothing is removed when the approval is incomplete, the PIN
    /// is wrong or the retention has not ended.
    pub fn destroy(
        &mut self,
        case_no: &str,
        approved_by: &str,
        approval_doc: &str,
        actor: &str,
        pin: &str,
    ) -> Result<care::Destruction> {
        let mut missing = Vec::new();
        if approved_by.trim().is_empty() {
            missing.push(guidang_core::FieldError {
                field: "批准人（--approved-by）".into(),
                message: "销毁须经批准，请填写批准人".into(),
            });
        }
        if approval_doc.trim().is_empty() {
            missing.push(guidang_core::FieldError {
                field: "批准文号（--approval-doc）".into(),
                message: "请填写批准销毁的文件编号".into(),
            });
        }
        if !missing.is_empty() {
            return Err(Error::Invalid(guidang_core::ValidationErrors(missing)));
        }
        self.verify_pin(actor, pin)?;
        if self.unit()?.role == guidang_core::Role::Intake {
            return self.destroy_holding(case_no, approved_by, approval_doc, actor);
        }
        // Named by 电子文件号 (generated, unique) or else by 办件编号.
        let case_no = match cases::case_no_of_efile(self.cat.db(), case_no)? {
            Some(no) => no,
            None => case_no.to_string(),
        };
        let case_no = case_no.as_str();
        let d = cases::detail(self.cat.db(), case_no)?
            .ok_or_else(|| Error::NoSuchCase(case_no.into()))?;
        let unit = self.unit()?;
        let ret = d.record.retention;
        let today = self.today();
        let end = deadline::retention_end(d.year(), ret);
        let transferred_on = care::transferred_on(self.cat.db(), d.id)?;
        let obstacle = match end {
            None => Some("保管期限为永久，不能销毁".to_string()),
            Some(end) => destroy_obstacle(d.status, end, transferred_on.as_deref(), today),
        };
        if d.status == CaseStatus::Destroyed {
            // Already destroyed: only finish removing leftovers.
            self.remove_content(&d)?;
            return care::destructions(self.cat.db())?
                .into_iter()
                .find(|x| x.case_no == case_no)
                .ok_or_else(|| Error::Retention("销毁清册中没有该办件".into()));
        }
        if let Some(why) = obstacle {
            return Err(Error::WrongStatus {
                case_no: case_no.into(),
                status: d.status.label().into(),
                what: format!("不能销毁：{why}"),
            });
        }
        let pkg = packages::get(self.cat.db(), case_no)?;
        let entry = care::Destruction {
            case_no: d.record.case_no.clone(),
            efile_no: d.efile_no.clone(),
            case_name: d.record.case_name.clone(),
            item_name: d.record.item.name.clone(),
            year: d.year(),
            retention: d.record.retention.code().to_string(),
            retention_end: end.map(|e| e.to_string()).unwrap_or_default(),
            package_digest: pkg.as_ref().map(|p| p.digest.clone()),
            package_size: pkg.as_ref().map(|p| p.size),
            digest_algo: unit.suite.digest().name().into(),
            approved_by: approved_by.trim().into(),
            approval_doc: approval_doc.trim().into(),
            destroyed_at: guidang_catalog::now_string(),
            destroyed_by: actor.into(),
        };
        // The register first; the content is removed right after (a crash in
        // between leaves content that a re-run removes, never a destruction
        // that is not registered).
        self.cat.transaction(|tx| -> Result<()> {
            care::record_destruction(tx, d.id, &entry)?;
            cases::set_status(tx, d.id, CaseStatus::Destroyed)?;
            audit::append(
                tx,
                actor,
                "destroy",
                d.case_no(),
                &serde_json::json!({"efile_no": d.efile_no, "approved_by": entry.approved_by, "approval_doc": entry.approval_doc, "package_digest": entry.package_digest}),
            )?;
            Ok(())
        })?;
        self.remove_content(&d)?;
        Ok(entry)
    }

    pub(super) fn remove_content(&self, d: &cases::CaseDetail) -> Result<()> {
        let store = self.store()?;
        if let Some(p) = packages::get(self.cat.db(), d.case_no())? {
            let path = self.dir.join(&p.path);
            if path.exists() {
                std::fs::remove_file(&path).map_err(|source| Error::DataDir { path, source })?;
            }
        }
        for m in cases::materials(self.cat.db(), d.case_no())? {
            if !care::blob_used_elsewhere(self.cat.db(), &m.digest, d.id)? {
                let path = store.blob_path(&m.digest);
                if path.exists() {
                    std::fs::remove_file(&path)
                        .map_err(|source| Error::DataDir { path, source })?;
                }
            }
        }
        Ok(())
    }

    /// The destruction register.
    pub fn destructions(&self) -> Result<Vec<care::Destruction>> {
        Ok(care::destructions(self.cat.db())?)
    }

    /// Prints the destruction register (销毁清册) to `out`.
    /// Where the printed destruction register is kept in the data
    /// directory.
    pub fn destruction_register_path(&self) -> PathBuf {
        self.dir.join("forms").join("电子档案销毁清册.pdf")
    }

    pub fn print_destruction_register(&self, out: &Path) -> Result<()> {
        let unit = self.unit()?;
        let rows = self.destructions()?;
        let pdf =
            destruction_pdf(&rows, &unit.unit_name).map_err(|e| Error::Check(e.to_string()))?;
        guidang_core::fsutil::write_atomic(out, &pdf).map_err(|source| Error::DataDir {
            path: out.to_path_buf(),
            source,
        })
    }
}

/// Why a record whose retention ends on `end` cannot be destroyed
/// `today`, if it has not ended yet.
fn not_yet_ended(end: chrono::NaiveDate, today: chrono::NaiveDate) -> Option<String> {
    (end >= today).then(|| format!("保管期限到 {end} 才届满"))
}

fn destroy_obstacle(
    st: CaseStatus,
    end: chrono::NaiveDate,
    transferred_on: Option<&str>,
    today: chrono::NaiveDate,
) -> Option<String> {
    if let Some(why) = not_yet_ended(end, today) {
        return Some(why);
    }
    if !st.is_transferred() {
        return Some(format!(
            "尚未移交（状态：{}），未移交的电子档案不能销毁",
            st.label()
        ));
    }
    let on = transferred_on
        .and_then(|t| t.get(..10))
        .and_then(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())?;
    let free = deadline::retained_copy_end(on);
    (today < free).then(|| {
        format!(
            "{on} 移交，移交后须留存 {} 年（到 {free}）",
            deadline::RETAINED_COPY_YEARS
        )
    })
}

fn destruction_pdf(
    rows: &[care::Destruction],
    unit: &str,
) -> Result<Vec<u8>, guidang_pdf::PdfError> {
    use guidang_pdf::{render_oriented, Block, Column, Orientation};
    let blocks = vec![
        Block::Title("电子档案销毁清册".into()),
        Block::Text(format!("单位：{unit}　　共 {} 件", rows.len())),
        Block::Table {
            columns: vec![
                Column::new("序号", 10.0),
                Column::new("电子文件号", 58.0),
                Column::new("办件编号", 34.0),
                Column::new("题名", 36.0),
                Column::new("年度", 12.0),
                Column::new("保管期限", 14.0),
                Column::new("包摘要", 40.0),
                Column::new("批准人", 16.0),
                Column::new("批准文号", 22.0),
                Column::new("销毁日期", 20.0),
                Column::new("执行人", 14.0),
            ],
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    vec![
                        (i + 1).to_string(),
                        d.efile_no.clone(),
                        d.case_no.clone(),
                        d.case_name.clone(),
                        d.year.to_string(),
                        d.retention.clone(),
                        d.package_digest.clone().unwrap_or_default(),
                        d.approved_by.clone(),
                        d.approval_doc.clone(),
                        d.destroyed_at.get(..10).unwrap_or_default().to_string(),
                        d.destroyed_by.clone(),
                    ]
                })
                .collect(),
        },
        Block::Space(6.0),
        Block::Text(
            "监销人：＿＿＿＿＿＿＿＿　　销毁人：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
                .into(),
        ),
    ];
    render_oriented(
        Orientation::Landscape,
        "电子档案销毁清册",
        &blocks,
        "电子档案销毁清册",
    )
}

/// Removes a stored package: a ZIP, or the folder of an unpacked one.
pub(super) fn remove_holding(path: &std::path::Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(path)?.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destruction_waits_for_retention_transfer_and_the_retained_copy_period() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let end = d("2035-12-31");
        // Retention not ended.
        assert!(destroy_obstacle(
            CaseStatus::Transferred,
            end,
            Some("2026-11-21T10:00:00+08:00"),
            d("2035-12-31")
        )
        .unwrap()
        .contains("届满"));
        // Not transferred.
        assert!(
            destroy_obstacle(CaseStatus::Checked, end, None, d("2040-01-01"))
                .unwrap()
                .contains("尚未移交")
        );
        // Transferred late: the hall keeps its copy for five years.
        let why = destroy_obstacle(
            CaseStatus::Accepted,
            end,
            Some("2036-03-01T10:00:00+08:00"),
            d("2040-01-01"),
        )
        .unwrap();
        assert!(
            why.contains("留存 5 年") && why.contains("2041-03-01"),
            "{why}"
        );
        assert_eq!(
            destroy_obstacle(
                CaseStatus::Accepted,
                end,
                Some("2026-11-21T10:00:00+08:00"),
                d("2036-01-01")
            ),
            None
        );
    }
}
