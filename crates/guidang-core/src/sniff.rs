//! Format detection from content (magic bytes), not from the extension,
//! shared by collection (to record the format) and the DA/T 70 checks.

/// Detects the format of a file from its first bytes and its name. Returns a
/// short stable code: `pdf`, `ofd`, `zip`, `jpeg`, `png`, `tiff`, `gif`,
/// `bmp`, `xml`, `mp4`, `mp3`, `wav`, `txt`, or `unknown`.
pub fn detect(head: &[u8], name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let h = head;
    if h.starts_with(b"%PDF-") {
        return "pdf";
    }
    if h.starts_with(b"PK\x03\x04") {
        return if ext == "ofd" { "ofd" } else { "zip" };
    }
    if h.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return "jpeg";
    }
    if h.starts_with(b"\x89PNG\r\n\x1a\n") {
        return "png";
    }
    if h.starts_with(b"II*\0") || h.starts_with(b"MM\0*") {
        return "tiff";
    }
    if h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a") {
        return "gif";
    }
    if h.starts_with(b"BM") && ext == "bmp" {
        return "bmp";
    }
    if h.len() >= 12 && &h[4..8] == b"ftyp" {
        return "mp4";
    }
    if h.starts_with(b"ID3") || (h.len() > 1 && h[0] == 0xFF && h[1] & 0xE0 == 0xE0 && ext == "mp3")
    {
        return "mp3";
    }
    if h.starts_with(b"RIFF") && h.len() >= 12 && &h[8..12] == b"WAVE" {
        return "wav";
    }
    let text = h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h);
    let trimmed = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &text[i..])
        .unwrap_or(&[]);
    if trimmed.starts_with(b"<?xml") || (trimmed.starts_with(b"<") && ext == "xml") {
        return "xml";
    }
    if ext == "txt" && std::str::from_utf8(text).is_ok() {
        return "txt";
    }
    "unknown"
}

/// File extensions that agree with a detected format.
pub fn extensions(format: &str) -> &'static [&'static str] {
    match format {
        "pdf" => &["pdf"],
        "ofd" => &["ofd"],
        "zip" => &["zip", "docx", "xlsx", "pptx", "odt", "ods", "odp"],
        "jpeg" => &["jpg", "jpeg", "jpe"],
        "png" => &["png"],
        "tiff" => &["tif", "tiff"],
        "gif" => &["gif"],
        "bmp" => &["bmp"],
        "xml" => &["xml"],
        "mp4" => &["mp4", "m4v", "m4a", "mov"],
        "mp3" => &["mp3"],
        "wav" => &["wav"],
        "txt" => &["txt"],
        _ => &[],
    }
}

/// A Chinese name of a format for messages.
pub fn label(format: &str) -> &'static str {
    match format {
        "pdf" => "PDF 文档",
        "ofd" => "OFD 版式文档",
        "zip" => "ZIP 压缩包",
        "jpeg" => "JPEG 图像",
        "png" => "PNG 图像",
        "tiff" => "TIFF 图像",
        "gif" => "GIF 图像",
        "bmp" => "BMP 图像",
        "xml" => "XML 文档",
        "mp4" => "MP4 音视频",
        "mp3" => "MP3 音频",
        "wav" => "WAV 音频",
        "txt" => "纯文本",
        _ => "无法识别的格式",
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn detects_by_content_not_extension() {
        assert_eq!(detect(b"%PDF-1.7\n", "a.jpg"), "pdf");
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0], "a.pdf"), "jpeg");
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n....", "x"), "png");
        assert_eq!(detect(b"PK\x03\x04", "发票.ofd"), "ofd");
        assert_eq!(detect(b"PK\x03\x04", "a.docx"), "zip");
        assert_eq!(detect(b"\xEF\xBB\xBF  <?xml version", "a.xml"), "xml");
        assert_eq!(detect(b"\0\0\0\x18ftypmp42", "v.mp4"), "mp4");
        assert_eq!(detect(b"MZ\x90\0", "setup.pdf"), "unknown");
    }
}
