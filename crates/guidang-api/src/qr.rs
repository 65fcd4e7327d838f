//! Reading a signed form's QR code from a picture: a photo or a scan of the
//! transfer list (on the intake workstation) or of the receipt or return
//! slip (on the hall, importing the return file), chosen when no scanner
//! gun is at hand (a gun types the code's text into the fingerprint field
//! like a keyboard and needs nothing from here). Every code found in the
//! picture is tried; the first that carries a Guidang batch or return
//! payload (or a bare fingerprint) wins.

use std::path::Path;

use crate::{Error, Result};

/// The text of the Guidang QR code in the picture at `image` (PNG or JPEG).
pub fn read_trust_code(image: &Path) -> Result<String> {
    let img = image::ImageReader::open(image)
        .map_err(|_| Error::NotFound(image.to_path_buf()))?
        .with_guessed_format()
        .map_err(|e| Error::Qr(format!("无法读取图片 {}：{e}", image.display())))?
        .decode()
        .map_err(|e| {
            Error::Qr(format!(
                "无法读取图片 {}：{e}。请选择 PNG 或 JPEG 格式的照片或扫描件",
                image.display()
            ))
        })?
        .into_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let mut seen = Vec::new();
    for grid in prepared.detect_grids() {
        if let Ok((_, text)) = grid.decode() {
            let t = text.trim().to_string();
            if t.starts_with("guidang-batch/")
                || t.starts_with("guidang-return/")
                || is_fingerprint(&t)
            {
                return Ok(t);
            }
            seen.push(t);
        }
    }
    Err(Error::Qr(if seen.is_empty() {
        "图片中没有找到能识别的二维码：请把表单上的二维码拍得更近、更正、更清楚，或直接输入指纹"
            .into()
    } else {
        "图片中的二维码不是归档通表单的二维码：请拍移交清单、接收回执或退回单上的那个二维码，或直接输入指纹"
            .into()
    }))
}

fn is_fingerprint(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}
