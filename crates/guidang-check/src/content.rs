//! The content items of one package, from the verification pass's probes:
//! every entry opened by its format (3-2-1, with the items a format problem
//! belongs to: 3-4-1, 4-1-2, 1-3-1), empty files (2-3-1), executables and
//! macros (4-1-2), and what the content says of itself against what
//! collection recorded in the metadata (1-3-1: format version, pages,
//! duration). Large PDFs and images are
//! read again from the package, one at a time.

use std::path::Path;

use guidang_package::{VerifyReport, METADATA_ENTRY};

use crate::formats::{check_format_deep, executable_problem, wants_whole, MAX_DEEP};
use crate::rows::Rows;

/// 2-3-1, 3-2-1, 4-1-2 on every material's bytes.
pub(crate) fn content_items(path: &Path, rep: &VerifyReport, r: &mut Rows) {
    for p in rep.probes.iter().filter(|p| p.name != METADATA_ENTRY) {
        if p.size == 0 {
            r.fail("2-3-1", "空文件（0 字节），内容缺失", Some(&p.name));
        }
        // A PDF or an image is opened whole: from the probe when it kept
        // the entry, else read again (one entry at a time, bounded).
        let base = p.name.rsplit('/').next().unwrap_or(&p.name);
        let again = (p.full.is_none()
            && p.size <= MAX_DEEP
            && wants_whole(guidang_core::sniff::detect(&p.head, base)))
        .then(|| guidang_package::folder::read_entry(path, &p.name, MAX_DEEP).ok())
        .flatten();
        let whole = p.full.as_deref().or(again.as_deref());
        let (_, problems, facts) = check_format_deep(p, whole);
        recorded_against_content(rep, &p.name, facts.as_ref(), r);
        for f in problems {
            r.add(f.item, f.severity.verdict(), f.reason, Some(&p.name));
        }
        if let Some(f) = executable_problem(p) {
            r.add("4-1-2", f.severity.verdict(), f.reason, Some(&p.name));
        }
    }
}

/// 1-3-1: 格式版本 and 页数 recorded at collection against what the
/// content says now.
fn recorded_against_content(
    rep: &VerifyReport,
    name: &str,
    facts: Option<&crate::formats::Facts>,
    r: &mut Rows,
) {
    let (Some(m), Some(facts)) = (
        rep.metadata
            .as_ref()
            .and_then(|md| md.materials.iter().find(|m| m.path == name)),
        facts,
    ) else {
        return;
    };
    let got = facts.recorded();
    if let Some(v) = m.format_version.as_deref().filter(|v| *v != got.version) {
        r.fail(
            "1-3-1",
            format!("元数据记录的格式版本为“{v}”，内容实为“{}”", got.version),
            Some(name),
        );
    }
    if let (Some(want), Some(pages)) = (m.pages, got.pages) {
        if want != pages {
            r.fail(
                "1-3-1",
                format!("元数据记录的页数为 {want}，内容实有 {pages} 页"),
                Some(name),
            );
        }
    }
    // Durations agree to the second: containers round differently.
    if let (Some(want), Some(ms)) = (m.duration_ms, got.duration_ms) {
        if want.abs_diff(ms) > 1000 {
            r.fail(
                "1-3-1",
                format!(
                    "元数据记录的时长为 {}，内容实为 {}",
                    crate::media::format_duration(want),
                    crate::media::format_duration(ms)
                ),
                Some(name),
            );
        }
    }
}
