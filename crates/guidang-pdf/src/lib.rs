//! Printed forms and reports: A4 pages of titled tables in Chinese, with
//! the embedded Noto Serif CJK SC font (the serif face reads like the 宋体 of
//! official forms and covers rare characters of applicants' names), subset
//! so a one-page table stays small.
//!
//! The layout is deliberately simple: a title, lines of text, and tables
//! whose cells wrap long text, whose header row repeats on every page, and
//! whose pages are numbered `第 x 页 共 y 页`.

pub mod labels;

use printpdf::{
    Color, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

/// The embedded font (OFL-1.1; see assets/fonts/NotoSerifCJK-LICENSE.txt).
pub static FONT_TTC: &[u8] = include_bytes!("../../../assets/fonts/NotoSerifCJK-Regular.ttc");
/// Face index of Simplified Chinese in the collection.
pub const FONT_FACE_SC: usize = 2;

/// Errors of PDF generation.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded font could not be parsed.
    #[error("内嵌字体无法加载：{0}")]
    Font(String),
}

/// A table column: header text and width in millimetres.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header.
    pub header: String,
    /// Width (mm).
    pub width: f32,
}

impl Column {
    /// A column `width` mm wide headed `header`.
    pub fn new(header: &str, width: f32) -> Column {
        Column {
            header: header.into(),
            width,
        }
    }
}

/// A block of a document.
#[derive(Debug, Clone)]
pub enum Block {
    /// A centred title.
    Title(String),
    /// A paragraph of text (wrapped to the page width).
    Text(String),
    /// Vertical space (mm).
    Space(f32),
    /// A QR code of `data`, `size` mm square, at the left margin, with a
    /// caption to its right.
    Qr {
        /// Encoded text.
        data: String,
        /// Side length (mm).
        size: f32,
        /// Caption lines printed beside it.
        caption: Vec<String>,
    },
    /// A table.
    Table {
        /// Columns.
        columns: Vec<Column>,
        /// Rows of cell texts.
        rows: Vec<Vec<String>>,
    },
}

/// Page orientation (A4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// 210 × 297 mm.
    Portrait,
    /// 297 × 210 mm.
    Landscape,
}

impl Orientation {
    fn size(self) -> (f32, f32) {
        match self {
            Orientation::Portrait => (210.0, 297.0),
            Orientation::Landscape => (297.0, 210.0),
        }
    }
}
const MARGIN: f32 = 15.0;
const BODY_PT: f32 = 9.0;
const TITLE_PT: f32 = 16.0;
const LINE: f32 = 4.6; // mm per body line
const PAD: f32 = 1.2;

fn pt_to_mm(pt: f32) -> f32 {
    pt * 25.4 / 72.0
}

/// Display width of a character in ems: CJK and full-width forms are one
/// em; other characters are taken as 0.55 em (a safe upper bound for the
/// Latin glyphs of the font, so wrapped text never overflows a cell).
fn char_em(c: char) -> f32 {
    if c.is_ascii() {
        0.55
    } else {
        1.0
    }
}

/// Wraps text to lines no wider than `width` mm at `size` pt.
pub fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let em = pt_to_mm(size);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        let mut w = 0.0;
        for c in para.chars() {
            let cw = char_em(c) * em;
            if w + cw > width && !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
                w = 0.0;
            }
            cur.push(c);
            w += cw;
        }
        lines.push(cur);
    }
    lines
}

fn text_ops(font: &PdfFontHandle, size: f32, x: f32, y: f32, s: &str) -> Vec<Op> {
    vec![
        Op::StartTextSection,
        Op::SetFont {
            font: font.clone(),
            size: Pt(size),
        },
        Op::SetTextCursor {
            pos: Point::new(Mm(x), Mm(y)),
        },
        Op::ShowText {
            items: vec![TextItem::Text(s.to_string())],
        },
        Op::EndTextSection,
    ]
}

fn line(x1: f32, y1: f32, x2: f32, y2: f32) -> Op {
    Op::DrawLine {
        line: Line {
            points: vec![
                LinePoint {
                    p: Point::new(Mm(x1), Mm(y1)),
                    bezier: false,
                },
                LinePoint {
                    p: Point::new(Mm(x2), Mm(y2)),
                    bezier: false,
                },
            ],
            is_closed: false,
        },
    }
}

/// A QR code of `data`, `size` mm square with its quiet zone, whose top
/// left corner is at (`x`, `top`).
fn qr_ops(data: &str, x: f32, top: f32, size: f32) -> Result<Vec<Op>, PdfError> {
    let code =
        qrcode::QrCode::new(data.as_bytes()).map_err(|e| PdfError::Font(format!("二维码：{e}")))?;
    let n = code.width();
    let cell = size / (n as f32 + 8.0);
    let x0 = x + 4.0 * cell;
    Ok(code
        .to_colors()
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == qrcode::Color::Dark)
        .map(|(i, _)| {
            let (cx, cy) = (i % n, i / n);
            let y = top - 4.0 * cell - (cy as f32 + 1.0) * cell;
            filled_rect(x0 + cx as f32 * cell, y, cell, cell)
        })
        .collect())
}

/// A page being filled, top-down (`y` in mm from the bottom edge).
struct Pager {
    pages: Vec<Vec<Op>>,
    y: f32,
    page_h: f32,
}

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}

fn filled_rect(x: f32, y: f32, w: f32, h: f32) -> Op {
    let pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
    Op::DrawPolygon {
        polygon: Polygon {
            rings: vec![PolygonRing {
                points: pts
                    .iter()
                    .map(|(a, b)| LinePoint {
                        p: Point::new(Mm(*a), Mm(*b)),
                        bezier: false,
                    })
                    .collect(),
            }],
            mode: PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        },
    }
}

impl Pager {
    fn new_page(&mut self) {
        self.pages.push(vec![
            Op::SetOutlineColor { col: black() },
            Op::SetFillColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(0.5) },
        ]);
        self.y = self.page_h - MARGIN;
    }
    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }
}

/// Renders blocks to a portrait A4 PDF; `footer` is printed at the bottom
/// of every page before the page number.
pub fn render(title: &str, blocks: &[Block], footer: &str) -> Result<Vec<u8>, PdfError> {
    render_oriented(Orientation::Portrait, title, blocks, footer)
}

/// Renders blocks to an A4 PDF in the given orientation.
pub fn render_oriented(
    orientation: Orientation,
    title: &str,
    blocks: &[Block],
    footer: &str,
) -> Result<Vec<u8>, PdfError> {
    let (page_w, page_h) = orientation.size();
    let mut warnings = Vec::new();
    let parsed = ParsedFont::from_bytes(FONT_TTC, FONT_FACE_SC, &mut warnings)
        .ok_or_else(|| PdfError::Font("NotoSerifCJK".into()))?;
    let mut doc = PdfDocument::new(title);
    let font = PdfFontHandle::External(doc.add_font(&parsed));
    let mut pg = Pager {
        pages: Vec::new(),
        y: 0.0,
        page_h,
    };
    pg.new_page();
    let bottom = MARGIN + 10.0;
    let width = page_w - 2.0 * MARGIN;
    for b in blocks {
        match b {
            Block::Title(t) => {
                let h = pt_to_mm(TITLE_PT);
                let w: f32 = t.chars().map(char_em).sum::<f32>() * h;
                let y = pg.y - h;
                pg.ops()
                    .extend(text_ops(&font, TITLE_PT, (page_w - w) / 2.0, y, t));
                pg.y = y - 4.0;
            }
            Block::Space(mm) => pg.y -= mm,
            Block::Text(t) => {
                for l in wrap(t, width, BODY_PT) {
                    if pg.y - LINE < bottom {
                        pg.new_page();
                    }
                    pg.y -= LINE;
                    let y = pg.y + 1.0;
                    pg.ops().extend(text_ops(&font, BODY_PT, MARGIN, y, &l));
                }
            }
            Block::Qr {
                data,
                size,
                caption,
            } => {
                if pg.y - size < bottom {
                    pg.new_page();
                }
                let top = pg.y;
                let qr = qr_ops(data, MARGIN, top, *size)?;
                pg.ops().extend(qr);
                let mut ty = top - 6.0;
                for l in caption {
                    for w in wrap(l, width - size - 4.0, BODY_PT) {
                        pg.ops()
                            .extend(text_ops(&font, BODY_PT, MARGIN + size + 4.0, ty, &w));
                        ty -= LINE;
                    }
                }
                pg.y = top - size - 2.0;
            }
            Block::Table { columns, rows } => {
                let header: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
                let draw_row = |pg: &mut Pager, cells: &[String], font: &PdfFontHandle| {
                    let wrapped: Vec<Vec<String>> = cells
                        .iter()
                        .zip(columns)
                        .map(|(t, c)| wrap(t, c.width - 2.0 * PAD, BODY_PT))
                        .collect();
                    let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
                    let h = n as f32 * LINE + 2.0 * PAD;
                    let top = pg.y;
                    let mut x = MARGIN;
                    for (c, lines) in columns.iter().zip(&wrapped) {
                        for (i, l) in lines.iter().enumerate() {
                            let y = top - PAD - (i as f32 + 1.0) * LINE + 1.2;
                            pg.ops().extend(text_ops(font, BODY_PT, x + PAD, y, l));
                        }
                        pg.ops().push(line(x, top, x, top - h));
                        x += c.width;
                    }
                    pg.ops().push(line(x, top, x, top - h));
                    pg.ops().push(line(MARGIN, top, x, top));
                    pg.ops().push(line(MARGIN, top - h, x, top - h));
                    pg.y = top - h;
                    h
                };
                let row_height = |cells: &[String]| {
                    let n = cells
                        .iter()
                        .zip(columns)
                        .map(|(t, c)| wrap(t, c.width - 2.0 * PAD, BODY_PT).len())
                        .max()
                        .unwrap_or(1);
                    n as f32 * LINE + 2.0 * PAD
                };
                if pg.y - row_height(&header) - row_height(rows.first().unwrap_or(&header)) < bottom
                {
                    pg.new_page();
                }
                draw_row(&mut pg, &header, &font);
                for r in rows {
                    if pg.y - row_height(r) < bottom {
                        pg.new_page();
                        draw_row(&mut pg, &header, &font);
                    }
                    draw_row(&mut pg, r, &font);
                }
                pg.y -= 3.0;
            }
        }
    }
    let total = pg.pages.len();
    let pages: Vec<PdfPage> = pg
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            let label = format!("{footer}    第 {} 页 共 {total} 页", i + 1);
            let w: f32 = label.chars().map(char_em).sum::<f32>() * pt_to_mm(BODY_PT);
            ops.extend(text_ops(&font, BODY_PT, (page_w - w) / 2.0, MARGIN, &label));
            PdfPage::new(Mm(page_w), Mm(page_h), ops)
        })
        .collect();
    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..Default::default()
    };
    let mut save_warnings = Vec::new();
    Ok(doc.with_pages(pages).save(&opts, &mut save_warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_width() {
        let lines = wrap(
            "农村村民宅基地审批申请表农村村民宅基地审批申请表",
            30.0,
            9.0,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            let w: f32 = l.chars().map(char_em).sum::<f32>() * pt_to_mm(9.0);
            assert!(w <= 30.0 + 0.01, "{l} is {w} mm");
        }
        assert_eq!(wrap("", 30.0, 9.0), vec![String::new()]);
    }
}
