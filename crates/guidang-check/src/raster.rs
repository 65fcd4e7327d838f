//! Opening an image for real (DA/T 70 3-2): JPEG, PNG, TIFF, GIF and BMP
//! are decoded whole with the `image` crate family (nothing of these
//! formats is parsed by hand here), within a memory bound; the dimensions
//! the header declares are the ones decoded. Truncated or corrupt data
//! fails; an image too large to decode within the bound is a warning
//! saying it was not decoded.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

use crate::formats::FormatProblem;

/// Most memory one decode may allocate.
pub const MAX_DECODE: u64 = 512 << 20;

/// What an image says of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageFacts {
    /// The format's name, e.g. `JPEG`.
    pub kind: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

fn format_of(fmt: &str) -> Option<ImageFormat> {
    Some(match fmt {
        "jpeg" => ImageFormat::Jpeg,
        "png" => ImageFormat::Png,
        "tiff" => ImageFormat::Tiff,
        "gif" => ImageFormat::Gif,
        "bmp" => ImageFormat::Bmp,
        _ => return None,
    })
}

/// Whether `fmt` (a `sniff` format) is decoded here.
pub fn handles(fmt: &str) -> bool {
    format_of(fmt).is_some()
}

/// Decodes a whole image of format `fmt` (a `sniff` format).
pub fn check_image(fmt: &str, bytes: &[u8]) -> (Option<ImageFacts>, Vec<FormatProblem>) {
    let Some(f) = format_of(fmt) else {
        return (None, Vec::new());
    };
    let label = guidang_core::sniff::label(fmt);
    let reader = || {
        let mut r = ImageReader::with_format(Cursor::new(bytes), f);
        let mut l = Limits::default();
        l.max_alloc = Some(MAX_DECODE);
        r.limits(l);
        r
    };
    let (width, height) = match reader().into_dimensions() {
        Ok(d) => d,
        Err(e) => {
            return (
                None,
                vec![FormatProblem::fail(format!(
                    "{label}的文件头无法读取（{e}），图像无法打开"
                ))],
            )
        }
    };
    let kind = match f {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Png => "PNG",
        ImageFormat::Tiff => "TIFF",
        ImageFormat::Gif => "GIF",
        _ => "BMP",
    };
    let facts = ImageFacts {
        kind,
        width,
        height,
    };
    if width == 0 || height == 0 {
        return (
            Some(facts),
            vec![FormatProblem::fail(format!(
                "{label}的宽或高为 0，无法显示"
            ))],
        );
    }
    match reader().decode() {
        Ok(img) if (img.width(), img.height()) == (width, height) => (Some(facts), Vec::new()),
        Ok(img) => (
            Some(facts),
            vec![FormatProblem::fail(format!(
                "{label}声明的尺寸 {width}×{height} 与解码得到的 {}×{} 不符",
                img.width(),
                img.height()
            ))],
        ),
        Err(image::ImageError::Limits(_)) => (
            Some(facts),
            vec![FormatProblem::warn(format!(
                "{label}（{width}×{height}）太大，超过 {} MiB 的解码内存上限，未完整解码检查",
                MAX_DECODE >> 20
            ))],
        ),
        Err(e) => (
            Some(facts),
            vec![FormatProblem::fail(format!(
                "{label}的图像数据损坏或不完整，无法完整解码（{e}）；请重新扫描或索取原件"
            ))],
        ),
    }
}
