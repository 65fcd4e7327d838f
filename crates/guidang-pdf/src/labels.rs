//! Labels for optical discs (DA/T 38: the disc and its case each carry a
//! label describing the content): one A4 page per disc, the disc label on
//! top — a 118 mm ring around the 41 mm hub, for printable-surface discs or
//! to cut out — and the case label (盒标签, 120 × 120 mm, the insert of a
//! standard jewel case) below, both with the carrier's QR code. Cut marks
//! are the outlines themselves.

use printpdf::{Line, LinePoint, Mm, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point};

use crate::{char_em, pt_to_mm, qr_ops, text_ops, wrap, PdfError, FONT_FACE_SC, FONT_TTC};

/// What one disc's labels say.
#[derive(Debug, Clone)]
pub struct DiscLabel {
    /// First line, e.g. the unit's name.
    pub title: String,
    /// The lines of the label (batch, carrier x of N, date, content,
    /// records, retention, digest…), in order.
    pub lines: Vec<String>,
    /// The QR code's text.
    pub qr: String,
}

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
/// Disc label: outer and hub diameters (mm).
const DISC_D: f32 = 118.0;
const HUB_D: f32 = 41.0;
/// Case insert side (mm).
const CASE: f32 = 120.0;

fn circle(cx: f32, cy: f32, r: f32) -> printpdf::Op {
    let points = (0..=96)
        .map(|i| {
            let a = i as f32 / 96.0 * std::f32::consts::TAU;
            LinePoint {
                p: Point::new(Mm(cx + r * a.cos()), Mm(cy + r * a.sin())),
                bezier: false,
            }
        })
        .collect();
    printpdf::Op::DrawLine {
        line: Line {
            points,
            is_closed: true,
        },
    }
}

fn rect(x: f32, y: f32, w: f32, h: f32) -> printpdf::Op {
    let p = |a: f32, b: f32| LinePoint {
        p: Point::new(Mm(a), Mm(b)),
        bezier: false,
    };
    printpdf::Op::DrawLine {
        line: Line {
            points: vec![p(x, y), p(x + w, y), p(x + w, y + h), p(x, y + h)],
            is_closed: true,
        },
    }
}

/// Text centred on `cx`.
fn centred(font: &PdfFontHandle, size: f32, cx: f32, y: f32, s: &str) -> Vec<printpdf::Op> {
    let w: f32 = s.chars().map(char_em).sum::<f32>() * pt_to_mm(size);
    text_ops(font, size, cx - w / 2.0, y, s)
}

/// The label PDF for `labels`, one page each.
pub fn disc_labels(labels: &[DiscLabel]) -> Result<Vec<u8>, PdfError> {
    let mut warnings = Vec::new();
    let parsed = printpdf::ParsedFont::from_bytes(FONT_TTC, FONT_FACE_SC, &mut warnings)
        .ok_or_else(|| PdfError::Font("NotoSerifCJK".into()))?;
    let mut doc = PdfDocument::new("光盘标签");
    let font = PdfFontHandle::External(doc.add_font(&parsed));
    let mut pages = Vec::new();
    for l in labels {
        let mut ops = Vec::new();
        // The disc label: text on the ring above the hub, QR below it.
        let (cx, cy) = (PAGE_W / 2.0, PAGE_H - 12.0 - DISC_D / 2.0);
        ops.push(circle(cx, cy, DISC_D / 2.0));
        ops.push(circle(cx, cy, HUB_D / 2.0));
        // Above the hub the description; below it the last `tail` lines
        // (the digest) and the QR code.
        let tail = l.lines.len().min(3);
        let (head, foot) = l.lines.split_at(l.lines.len() - tail);
        let mut y = cy + DISC_D / 2.0 - 10.0;
        ops.extend(centred(&font, 10.0, cx, y, &l.title));
        y -= 5.0;
        for line in head {
            if y < cy + HUB_D / 2.0 + 2.0 {
                break;
            }
            // One line, as wide as the ring's chord at this height allows.
            let half = ((DISC_D / 2.0).powi(2) - (y - cy).powi(2)).max(0.0).sqrt();
            if let Some(w) = wrap(line, 2.0 * half - 8.0, 7.0).into_iter().next() {
                ops.extend(centred(&font, 7.0, cx, y, &w));
            }
            y -= 3.6;
        }
        let mut y = cy - HUB_D / 2.0 - 4.0;
        for line in foot {
            ops.extend(centred(&font, 6.0, cx, y, line));
            y -= 3.0;
        }
        let qr = 22.0;
        ops.extend(qr_ops(&l.qr, cx - qr / 2.0, y, qr)?);
        // The case label.
        let (x0, top) = ((PAGE_W - CASE) / 2.0, cy - DISC_D / 2.0 - 12.0);
        ops.push(rect(x0, top - CASE, CASE, CASE));
        ops.extend(text_ops(&font, 12.0, x0 + 6.0, top - 10.0, &l.title));
        let mut y = top - 18.0;
        for line in &l.lines {
            for w in wrap(line, CASE - 12.0, 9.0) {
                ops.extend(text_ops(&font, 9.0, x0 + 6.0, y, &w));
                y -= 4.6;
            }
        }
        let qr = 34.0;
        ops.extend(qr_ops(
            &l.qr,
            x0 + CASE - qr - 4.0,
            top - CASE + qr + 4.0,
            qr,
        )?);
        ops.extend(text_ops(
            &font,
            7.0,
            x0,
            top - CASE - 5.0,
            "沿线剪下：上为光盘盘面标签（可打印光盘直接打印），下为光盘盒标签",
        ));
        pages.push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops));
    }
    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..Default::default()
    };
    let mut save_warnings = Vec::new();
    Ok(doc.with_pages(pages).save(&opts, &mut save_warnings))
}
