//! A case seen whole, for the desktop's case drawer: its fields, its
//! materials, its package and batch, its latest check, its timeline from
//! the audit log, whether it may be corrected; and a material previewed
//! inside the window.
//!
//! Previews are made from the stored blob, bounded: JPEG, PNG, GIF and
//! BMP up to 16 MiB are shown as they are; TIFF and larger images are
//! decoded with the `image` crates (at most 512 MiB of decode memory) and
//! scaled to 1600 pixels; a PDF page is rendered by poppler's `pdftoppm`
//! (the `poppler-utils` package, recommended by Guidang's), killed after
//! 30 seconds. Nothing is written but a temporary PNG, removed at once.

use std::path::Path;
use std::time::{Duration, Instant};

use guidang_catalog::{audit, batches, cases, checks, packages};

use crate::{Archive, Error, Result};

/// Images up to this size are shown as they are stored.
const AS_IS: u64 = 16 << 20;
/// Longest side of a scaled preview, in pixels.
const SIDE: u32 = 1600;
/// How long a PDF page may take to render.
const RENDER: Duration = Duration::from_secs(30);

/// A case with everything the drawer shows.
#[derive(Debug, Clone)]
pub struct CaseView {
    /// The case as stored.
    pub detail: cases::CaseDetail,
    /// Its list row (status, deadlines…).
    pub row: cases::CaseRow,
    /// Its materials.
    pub materials: Vec<cases::MaterialRow>,
    /// Its package, once sealed.
    pub package: Option<packages::PackageRow>,
    /// The batch it was last put into.
    pub batch: Option<String>,
    /// Its latest archiving (gd) check.
    pub check: Option<checks::CheckRecord>,
    /// Its audit entries, oldest first (at most 200).
    pub timeline: Vec<audit::Entry>,
    /// Why it cannot be corrected, when it cannot.
    pub not_editable: Option<String>,
}

/// A material shown inside the window.
#[derive(Debug, Clone)]
pub struct Preview {
    /// `image/png`, `image/jpeg`, …; empty when there is no picture.
    pub mime: String,
    /// The picture.
    pub data: Vec<u8>,
    /// The page shown (PDF), from 1.
    pub page: u32,
    /// Pages of the material, when known.
    pub pages: Option<u32>,
    /// Why there is no picture, or what was done to make it.
    pub note: Option<String>,
}

impl Preview {
    fn note(page: u32, pages: Option<u32>, note: impl Into<String>) -> Preview {
        Preview {
            mime: String::new(),
            data: Vec::new(),
            page,
            pages,
            note: Some(note.into()),
        }
    }
}

impl Archive {
    /// Everything about one case (see [`CaseView`]).
    pub fn case_view(&self, case_no: &str) -> Result<CaseView> {
        let db = self.cat.db();
        let detail =
            cases::detail(db, case_no)?.ok_or_else(|| Error::NoSuchCase(case_no.into()))?;
        let row = cases::list(
            db,
            &cases::Filter {
                text: Some(case_no.into()),
                ..Default::default()
            },
        )?
        .into_iter()
        .find(|r| r.case_no == case_no)
        .ok_or_else(|| Error::NoSuchCase(case_no.into()))?;
        let check = checks::latest(db, &detail.efile_no, "gd")?;
        let timeline = audit::about(db, &[case_no, &detail.efile_no], 200)?;
        Ok(CaseView {
            materials: cases::materials(db, case_no)?,
            package: packages::get(db, case_no)?,
            batch: batches::batch_of_case(db, detail.id)?,
            check,
            timeline,
            not_editable: guidang_collect::amend::editable(detail.status).err(),
            row,
            detail,
        })
    }

    /// 办件编号 and 办件名称 of the case with this 电子文件号, when the
    /// catalog has it (for lists that show packages).
    pub fn case_of_efile(&self, efile_no: &str) -> Result<Option<(String, String)>> {
        let db = self.cat.db();
        let Some(case_no) = cases::case_no_of_efile(db, efile_no)? else {
            return Ok(None);
        };
        Ok(cases::detail(db, &case_no)?.map(|d| (case_no, d.record.case_name)))
    }

    /// Material `seq` of a case as a picture: page `page` of a PDF, an
    /// image scaled when needed; a note for what cannot be shown.
    pub fn material_preview(&self, case_no: &str, seq: u32, page: u32) -> Result<Preview> {
        let m = cases::materials(self.cat.db(), case_no)?
            .into_iter()
            .find(|m| m.seq == seq)
            .ok_or_else(|| Error::invalid("件内顺序号", format!("没有第 {seq} 份材料")))?;
        let path = self.store()?.blob_path(&m.digest);
        if !path.is_file() {
            return Ok(Preview::note(
                page,
                m.pages,
                "材料文件不在本机的存储区中（可能已随移交或销毁清理），无法预览",
            ));
        }
        let page = page.max(1);
        Ok(match m.format.as_str() {
            "jpeg" | "png" | "gif" | "bmp" if m.size <= AS_IS => Preview {
                mime: format!("image/{}", m.format),
                data: std::fs::read(&path).map_err(|source| Error::DataDir {
                    path: path.clone(),
                    source,
                })?,
                page: 1,
                pages: None,
                note: None,
            },
            "jpeg" | "png" | "gif" | "bmp" | "tiff" => scaled(&path, &m.format),
            "pdf" => match m.pages {
                Some(n) if page > n => Preview::note(page, m.pages, format!("只有 {n} 页")),
                _ => pdf_page(&path, page, m.pages),
            },
            "ofd" => Preview::note(
                page,
                m.pages,
                "OFD 文件暂不能在窗口内预览；请用 OFD 阅读器（如数科、福昕 OFD 阅读器）打开",
            ),
            other => Preview::note(
                page,
                m.pages,
                format!("{}不能在窗口内预览", guidang_core::sniff::label(other)),
            ),
        })
    }
}

fn scaled(path: &Path, format: &str) -> Preview {
    let decoded = (|| -> std::result::Result<image::DynamicImage, String> {
        let mut r = image::ImageReader::open(path)
            .map_err(|e| e.to_string())?
            .with_guessed_format()
            .map_err(|e| e.to_string())?;
        let mut l = image::Limits::default();
        l.max_alloc = Some(512 << 20);
        r.limits(l);
        r.decode().map_err(|e| e.to_string())
    })();
    match decoded {
        Ok(img) => {
            let img = if img.width().max(img.height()) > SIDE {
                img.thumbnail(SIDE, SIDE)
            } else {
                img
            };
            let mut png = Vec::new();
            match img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png) {
                Ok(()) => Preview {
                    mime: "image/png".into(),
                    data: png,
                    page: 1,
                    pages: None,
                    note: (format == "tiff").then(|| "TIFF 图像已转换后显示".to_string()),
                },
                Err(e) => Preview::note(1, None, format!("图像无法转换显示：{e}")),
            }
        }
        Err(e) => Preview::note(1, None, format!("图像无法打开：{e}")),
    }
}

fn pdf_page(path: &Path, page: u32, pages: Option<u32>) -> Preview {
    let out = std::env::temp_dir().join(format!(
        "guidang-preview-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    let png = out.with_extension("png");
    let result = (|| -> std::result::Result<Vec<u8>, String> {
        let p = page.to_string();
        let mut child = std::process::Command::new("pdftoppm")
            .args(["-f", &p, "-l", &p, "-singlefile", "-png", "-scale-to"])
            .arg(SIDE.to_string())
            .arg(path)
            .arg(&out)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|_| {
                "本机没有 PDF 页面渲染工具 pdftoppm（poppler-utils 软件包），请安装后再预览"
                    .to_string()
            })?;
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                break s;
            }
            if start.elapsed() > RENDER {
                let _ = child.kill();
                let _ = child.wait();
                return Err("这一页渲染超过 30 秒，已停止；请用 PDF 阅读器打开".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if !status.success() {
            return Err("这一页无法渲染（PDF 可能已损坏）；请用 PDF 阅读器打开核对".into());
        }
        std::fs::read(&png).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_file(&png);
    match result {
        Ok(data) => Preview {
            mime: "image/png".into(),
            data,
            page,
            pages,
            note: None,
        },
        Err(e) => Preview::note(page, pages, e),
    }
}
