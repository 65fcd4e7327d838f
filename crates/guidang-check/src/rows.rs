//! The findings of one package as they are collected, item by item: a
//! problem replaces "not checked" of its item, one problem is listed once,
//! and past [`guidang_package::verify::MAX_LISTED`] rows an item's further
//! problems are counted in one summary row (bounded memory, readable
//! reports for hostile packages).

use std::collections::BTreeMap;

use crate::items::ITEMS;
use crate::{Finding, Stage, Verdict};

/// One problem: verdict, reason, entry.
type Row = (Verdict, String, Option<String>);

/// Rows being collected for one package: at most
/// [`guidang_package::verify::MAX_LISTED`] per item one by one, the rest
/// counted and summed up in one row with their worst verdict.
pub(crate) struct Rows {
    stage: Stage,
    rows: BTreeMap<&'static str, Vec<Row>>,
    more: BTreeMap<&'static str, (usize, Verdict)>,
}

impl Rows {
    pub(crate) fn new(stage: Stage) -> Rows {
        Rows {
            stage,
            rows: BTreeMap::new(),
            more: BTreeMap::new(),
        }
    }

    pub(crate) fn add(
        &mut self,
        no: &'static str,
        v: Verdict,
        reason: impl Into<String>,
        entry: Option<&str>,
    ) {
        let rows = self.rows.entry(no).or_default();
        // A problem found replaces "not checked" of the same item, and the
        // same problem is listed once.
        if v != Verdict::NotChecked {
            rows.retain(|r| r.0 != Verdict::NotChecked);
        }
        let row = (v, reason.into(), entry.map(str::to_string));
        if rows.contains(&row) {
            return;
        }
        if rows.len() >= guidang_package::verify::MAX_LISTED {
            let m = self.more.entry(no).or_insert((0, v));
            m.0 += 1;
            m.1 = m.1.max(v);
            return;
        }
        rows.push(row);
    }
    pub(crate) fn fail(
        &mut self,
        no: &'static str,
        reason: impl Into<String>,
        entry: Option<&str>,
    ) {
        self.add(no, Verdict::Fail, reason, entry)
    }
    pub(crate) fn warn(
        &mut self,
        no: &'static str,
        reason: impl Into<String>,
        entry: Option<&str>,
    ) {
        self.add(no, Verdict::Warn, reason, entry)
    }
    pub(crate) fn not_checked(&mut self, no: &'static str, reason: impl Into<String>) {
        if !self.rows.contains_key(no) {
            self.add(no, Verdict::NotChecked, reason, None)
        }
    }
    pub(crate) fn finish(self) -> Vec<Finding> {
        let mut out = Vec::new();
        for it in ITEMS.iter().filter(|i| i.stages.contains(&self.stage)) {
            let code = format!("{}-{}", self.stage.prefix(), it.no);
            match self.rows.get(it.no) {
                None => out.push(Finding {
                    item: code,
                    title: it.title.into(),
                    verdict: Verdict::Pass,
                    reason: None,
                    entry: None,
                }),
                Some(rows) => {
                    let more = self.more.get(it.no).map(|&(n, v)| {
                        let why = format!(
                            "另有 {n} 处同类问题，每项最多逐一列出 {} 处",
                            guidang_package::verify::MAX_LISTED
                        );
                        (v, why, None)
                    });
                    for (v, reason, entry) in rows.iter().cloned().chain(more) {
                        out.push(Finding {
                            item: code.clone(),
                            title: it.title.into(),
                            verdict: v,
                            reason: Some(reason),
                            entry,
                        });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::push;
    use crate::PackageCheck;

    fn check() -> PackageCheck {
        PackageCheck {
            package: "a.zip".into(),
            efile_no: "a".into(),
            stage: Stage::Yj,
            package_digest: None,
            digest_algo: "SM3".into(),
            size: 0,
            verdict: Verdict::Pass,
            opinion: String::new(),
            findings: Rows::new(Stage::Yj).finish(),
            read_failure: false,
        }
    }

    fn of<'a>(p: &'a PackageCheck, no: &str) -> Vec<&'a Finding> {
        p.findings.iter().filter(|f| f.item.ends_with(no)).collect()
    }

    #[test]
    fn an_item_is_never_both_not_checked_and_failed_nor_listed_twice() {
        let mut r = Rows::new(Stage::Yj);
        r.not_checked("1-3-1", "元数据无法读取");
        r.fail("1-3-1", "格式不符", Some("a.pdf"));
        r.fail("1-3-1", "格式不符", Some("a.pdf"));
        r.not_checked("1-3-1", "元数据无法读取");
        let f = r.finish();
        let rows: Vec<_> = f.iter().filter(|f| f.item == "YJ-1-3-1").collect();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].verdict, Verdict::Fail);

        let mut p = check();
        push(
            &mut p,
            "4-2-1",
            Verdict::NotChecked,
            "未能读取".into(),
            None,
        );
        push(&mut p, "4-2-1", Verdict::Fail, "载体不完整".into(), None);
        push(&mut p, "4-2-1", Verdict::Fail, "载体不完整".into(), None);
        push(
            &mut p,
            "4-2-1",
            Verdict::NotChecked,
            "未能读取".into(),
            None,
        );
        let rows = of(&p, "4-2-1");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].verdict, Verdict::Fail);
        assert_eq!(p.verdict, Verdict::Fail);
    }

    #[test]
    fn beyond_the_listed_problems_of_an_item_a_summary_counts_the_rest() {
        let mut r = Rows::new(Stage::Gd);
        for i in 0..30_000 {
            r.warn("3-2-1", "无法识别", Some(&format!("{i}.bin")));
        }
        r.fail("3-2-1", "空文件", Some("last.pdf"));
        let f = r.finish();
        let rows: Vec<_> = f.iter().filter(|f| f.item == "GD-3-2-1").collect();
        let max = guidang_package::verify::MAX_LISTED;
        assert_eq!(rows.len(), max + 1);
        let last = rows.last().unwrap();
        assert_eq!(last.verdict, Verdict::Fail, "the worst of the rest");
        assert!(last
            .reason
            .as_deref()
            .unwrap()
            .contains(&format!("另有 {} 处", 30_001 - max)));
    }
}
