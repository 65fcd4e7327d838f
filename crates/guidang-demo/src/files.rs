//! Real, valid material files: scanned-page PDFs (JPEG pages inside a
//! hand-written PDF 1.4 with a correct cross-reference table), JPEG photos,
//! PNG signatures and XML forms.

use std::io::{self, Write};
use std::path::Path;

use chrono::NaiveDate;
use jpeg_encoder::{ColorType, Encoder};

use crate::rng::SplitMix64;

/// A4 at 72 dpi (PDF points).
const PAGE_W: u32 = 595;
const PAGE_H: u32 = 842;
/// Scanned page pixels (about 100 dpi).
const SCAN_W: u16 = 827;
const SCAN_H: u16 = 1169;

/// Pre-encoded page scans and photos reused across files (each file is
/// still unique: PDFs carry their own text and metadata, JPEGs a comment).
pub struct ImagePool {
    pages: Vec<Vec<u8>>,
    photos: Vec<Vec<u8>>,
}

fn encode_jpeg(pixels: &[u8], w: u16, h: u16, color: ColorType, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    Encoder::new(&mut out, quality)
        .encode(pixels, w, h, color)
        .expect("encoding into memory cannot fail");
    out
}

fn scan_page(rng: &mut SplitMix64) -> Vec<u8> {
    let (w, h) = (SCAN_W as usize, SCAN_H as usize);
    let mut px = vec![0u8; w * h];
    for p in px.iter_mut() {
        *p = 238 + (rng.next() % 14) as u8;
    }
    // Lines of "text": blocks of glyph-sized dark marks.
    let mut y = 120;
    while y + 14 < h - 100 {
        let line_len = 200 + rng.below((w - 300) as u64) as usize;
        let mut x = 80;
        while x < 80 + line_len && x + 12 < w - 60 {
            if rng.below(7) != 0 {
                for yy in y..y + 12 {
                    for xx in x..x + 11 {
                        if rng.below(3) != 0 {
                            px[yy * w + xx] = 30 + (rng.next() % 60) as u8;
                        }
                    }
                }
            }
            x += 14;
        }
        y += 26 + rng.below(10) as usize;
    }
    // A round seal near the bottom right.
    let (cx, cy, r) = (w as i64 - 200, h as i64 - 230, 70i64);
    for yy in cy - r..cy + r {
        for xx in cx - r..cx + r {
            let d2 = (xx - cx).pow(2) + (yy - cy).pow(2);
            if d2 <= r * r && d2 >= (r - 6) * (r - 6) {
                px[yy as usize * w + xx as usize] = 90;
            }
        }
    }
    encode_jpeg(&px, SCAN_W, SCAN_H, ColorType::Luma, 55)
}

fn photo(rng: &mut SplitMix64) -> Vec<u8> {
    let (w, h) = (800usize, 600usize);
    let mut px = vec![0u8; w * h * 3];
    let tint = rng.below(60) as u8;
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            let n = (rng.next() % 24) as u8;
            if y < h / 2 {
                px[i] = 120 + (y / 6) as u8 + n;
                px[i + 1] = 160 + (y / 8) as u8 + n / 2;
                px[i + 2] = 200 + n.min(50);
            } else {
                px[i] = 60 + tint + n;
                px[i + 1] = 100 + ((x / 10) % 40) as u8 + n;
                px[i + 2] = 40 + n;
            }
        }
    }
    encode_jpeg(&px, w as u16, h as u16, ColorType::Rgb, 70)
}

impl ImagePool {
    /// Encodes the pool (a handful of pages and photos).
    pub fn new(rng: &mut SplitMix64) -> Self {
        ImagePool {
            pages: (0..4).map(|_| scan_page(rng)).collect(),
            photos: (0..3).map(|_| photo(rng)).collect(),
        }
    }
}

/// A JPEG photo, unique through a comment segment (COM) after SOI.
pub fn photo_jpeg(pool: &ImagePool, rng: &mut SplitMix64, comment: &str) -> Vec<u8> {
    let src = rng.pick(&pool.photos);
    let c = comment.as_bytes();
    let mut out = Vec::with_capacity(src.len() + c.len() + 4);
    out.extend_from_slice(&src[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((c.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(c);
    out.extend_from_slice(&src[2..]);
    out
}

/// A hand-signature PNG: a random pen stroke on white.
pub fn signature_png(rng: &mut SplitMix64) -> Vec<u8> {
    let (w, h) = (400u32, 150u32);
    let mut px = vec![255u8; (w * h) as usize];
    let (mut x, mut y) = (30.0f64, 75.0f64);
    let mut angle = 0.0f64;
    for _ in 0..900 {
        angle += (rng.below(100) as f64 - 50.0) / 120.0;
        x += angle.cos() * 0.45 + 0.3;
        y += angle.sin() * 1.2;
        y = y.clamp(10.0, 140.0);
        if x >= 390.0 {
            break;
        }
        for dy in 0..3 {
            for dx in 0..3 {
                let (px_x, px_y) = (x as u32 + dx, y as u32 + dy);
                if px_x < w && px_y < h {
                    px[(px_y * w + px_x) as usize] = 20;
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().expect("png header");
        wr.write_image_data(&px).expect("png data");
    }
    out
}

fn xml_escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// The review form of a case as XML (UTF-8, well-formed).
pub fn review_xml(case_no: &str, item: &str, applicant: &str, day: NaiveDate) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<审核意见表>\n  <办件编号>{}</办件编号>\n  <事项名称>{}</事项名称>\n  <申请人>{}</申请人>\n  <审核环节>\n    <环节 名称=\"受理\" 结果=\"通过\"/>\n    <环节 名称=\"审核\" 结果=\"通过\"/>\n  </审核环节>\n  <审核意见>材料齐全，符合法定形式，同意办理。</审核意见>\n  <审核日期>{day}</审核日期>\n</审核意见表>\n",
        xml_escape(case_no),
        xml_escape(item),
        xml_escape(applicant)
    )
}

/// Writes PDF objects, tracking offsets for the cross-reference table.
struct PdfWriter<W: Write> {
    out: W,
    pos: u64,
    offsets: Vec<(u32, u64)>,
}

impl<W: Write> PdfWriter<W> {
    fn new(mut out: W) -> io::Result<Self> {
        let header = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
        out.write_all(header)?;
        Ok(PdfWriter {
            out,
            pos: header.len() as u64,
            offsets: Vec::new(),
        })
    }
    fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.pos += b.len() as u64;
        Ok(())
    }
    fn obj(&mut self, id: u32, body: &str) -> io::Result<()> {
        self.offsets.push((id, self.pos));
        self.raw(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes())
    }
    fn stream(&mut self, id: u32, dict: &str, data: &[u8]) -> io::Result<()> {
        self.offsets.push((id, self.pos));
        self.raw(format!("{id} 0 obj\n<< {dict} /Length {} >>\nstream\n", data.len()).as_bytes())?;
        self.raw(data)?;
        self.raw(b"\nendstream\nendobj\n")
    }
    fn finish(mut self, root: u32, info: u32) -> io::Result<W> {
        self.offsets.sort();
        let size = self.offsets.last().map(|o| o.0).unwrap_or(0) + 1;
        let xref = self.pos;
        let mut t = format!("xref\n0 {size}\n0000000000 65535 f \n");
        let mut next = 1;
        for (id, off) in &self.offsets {
            while next < *id {
                t.push_str("0000000000 65535 f \n");
                next += 1;
            }
            t.push_str(&format!("{off:010} 00000 n \n"));
            next += 1;
        }
        t.push_str(&format!(
            "trailer\n<< /Size {size} /Root {root} 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        ));
        self.raw(t.as_bytes())?;
        Ok(self.out)
    }
}

/// UTF-16BE hex string, as PDF text strings with Chinese need.
fn pdf_text(s: &str) -> String {
    let mut h = String::from("<FEFF");
    for u in s.encode_utf16() {
        h.push_str(&format!("{u:04X}"));
    }
    h.push('>');
    h
}

fn ascii_only(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| !matches!(c, '(' | ')' | '\\'))
        .collect()
}

/// Writes a PDF whose pages show the given JPEG scans, each page's content
/// ending in a comment with the footer (image only, as a scanner writes);
/// objects: 1 catalog, 2 pages, 3 the scan's note, 4 info,
/// then image/content/page triples.
fn write_pdf<W: Write>(
    out: W,
    scans: &mut dyn Iterator<Item = &[u8]>,
    footer: &str,
    title: &str,
) -> io::Result<W> {
    let mut w = PdfWriter::new(out)?;
    // A scanner writes pages as images only: no font (a PDF for the
    // archive must embed any font it uses, DA/T 47). Object 3 is the
    // scan's note, which the footer also goes into.
    w.obj(3, &format!("<< /Note {} >>", pdf_text(&ascii_only(footer))))?;
    w.obj(
        4,
        &format!(
            "<< /Title {} /Producer (Guidang demo data) /Creator (Scanner) >>",
            pdf_text(title)
        ),
    )?;
    let mut kids = Vec::new();
    let mut id = 5;
    for (n, jpeg) in scans.enumerate() {
        let (img, content, page) = (id, id + 1, id + 2);
        id += 3;
        w.stream(
            img,
            &format!(
                "/Type /XObject /Subtype /Image /Width {SCAN_W} /Height {SCAN_H} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode"
            ),
            jpeg,
        )?;
        let text = format!(
            "q {PAGE_W} 0 0 {PAGE_H} 0 0 cm /Im0 Do Q\n% {} p{}\n",
            ascii_only(footer),
            n + 1
        );
        w.stream(content, "", text.as_bytes())?;
        w.obj(
            page,
            &format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /XObject << /Im0 {img} 0 R >> >> /Contents {content} 0 R >>"
            ),
        )?;
        kids.push(format!("{page} 0 R"));
    }
    w.obj(
        2,
        &format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            kids.len()
        ),
    )?;
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")?;
    w.finish(1, 4)
}

/// A scanned document of `pages` pages (at least 1).
pub fn scan_pdf(
    pool: &ImagePool,
    rng: &mut SplitMix64,
    pages: u32,
    footer: &str,
    title: &str,
) -> Vec<u8> {
    let picks: Vec<&[u8]> = (0..pages.max(1))
        .map(|_| rng.pick(&pool.pages).as_slice())
        .collect();
    write_pdf(Vec::new(), &mut picks.into_iter(), footer, title).expect("in-memory write")
}

/// Writes a large PDF of at least `target` bytes to `path`, streaming (never
/// holding it in memory). Returns the bytes written.
pub fn large_pdf(pool: &ImagePool, path: &Path, target: u64) -> io::Result<u64> {
    let per_page = pool.pages.iter().map(|p| p.len() as u64).sum::<u64>() / pool.pages.len() as u64;
    let pages = target.div_ceil(per_page + 400).max(1);
    let file = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut it = (0..pages).map(|i| pool.pages[(i % pool.pages.len() as u64) as usize].as_slice());
    let file = write_pdf(file, &mut it, "large record", "现场勘验全程记录")?;
    let f = file.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()?;
    Ok(std::fs::metadata(path)?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses the xref table and checks every offset points at "N 0 obj".
    fn check_pdf(pdf: &[u8]) -> usize {
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let find_last = |needle: &[u8]| {
            pdf.windows(needle.len())
                .rposition(|w| w == needle)
                .unwrap()
        };
        let sx = find_last(b"startxref\n");
        let tail = std::str::from_utf8(&pdf[sx + 10..]).unwrap();
        let xref: usize = tail.lines().next().unwrap().parse().unwrap();
        let table = std::str::from_utf8(&pdf[xref..sx]).unwrap();
        assert!(table.starts_with("xref\n0 "));
        let mut objects = 0;
        for (i, line) in table.lines().skip(2).enumerate() {
            if line.starts_with("trailer") {
                break;
            }
            if line.ends_with(" n ") || line.ends_with(" n") {
                let off: usize = line[..10].parse().unwrap();
                let want = format!("{i} 0 obj");
                assert!(
                    pdf[off..].starts_with(want.as_bytes()),
                    "object {i} at {off}"
                );
                objects += 1;
            }
        }
        objects
    }

    #[test]
    fn pdfs_have_valid_xref() {
        let mut r = SplitMix64::new(1);
        let pool = ImagePool::new(&mut r);
        let pdf = scan_pdf(&pool, &mut r, 3, "430124-20250101-0001", "申请表");
        assert_eq!(check_pdf(&pdf), 4 + 3 * 3);
        assert!(pdf.len() > 50_000, "realistic size, got {}", pdf.len());
    }

    #[test]
    fn large_pdf_streams_to_size() {
        let mut r = SplitMix64::new(1);
        let pool = ImagePool::new(&mut r);
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big.pdf");
        let n = large_pdf(&pool, &p, 3_000_000).unwrap();
        assert!(n >= 3_000_000);
        check_pdf(&std::fs::read(&p).unwrap());
    }

    #[test]
    fn images_decode_headers() {
        let mut r = SplitMix64::new(2);
        let pool = ImagePool::new(&mut r);
        let j = photo_jpeg(&pool, &mut r, "abc");
        assert_eq!(&j[..4], &[0xFF, 0xD8, 0xFF, 0xFE]);
        let p = signature_png(&mut r);
        let dec = png::Decoder::new(std::io::Cursor::new(p))
            .read_info()
            .unwrap();
        assert_eq!(dec.info().width, 400);
    }
}
