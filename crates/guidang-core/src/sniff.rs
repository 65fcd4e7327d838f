//! Format detection from content (magic bytes), not from the extension,
//! shared by collection (to record the format) and the DA/T 70 checks.

/// Detects the format of a file from its first bytes and its name. Returns a
/// short stable code: `pdf`, `ofd`, `zip`, `jpeg`, `png`, `tiff`, `gif`,
/// `bmp`, `xml`, `mp4`, `mp3`, `wav`, `ole` (old Office and WPS documents,
/// encrypted OOXML), `txt`, or `unknown`.
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
    if h.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return "ole";
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
        "zip" => &[
            "zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "docm", "dotm", "xlsm", "xltm",
            "xlsb", "pptm", "potm", "ppsm",
        ],
        "jpeg" => &["jpg", "jpeg", "jpe"],
        "png" => &["png"],
        "tiff" => &["tif", "tiff"],
        "gif" => &["gif"],
        "bmp" => &["bmp"],
        "xml" => &["xml"],
        "mp4" => &["mp4", "m4v", "m4a", "mov"],
        "mp3" => &["mp3"],
        "wav" => &["wav"],
        // Old Office and WPS; an encrypted OOXML file is a compound file.
        "ole" => &[
            "doc", "dot", "xls", "xlt", "ppt", "pps", "pot", "wps", "et", "dps", "docx", "xlsx",
            "pptx",
        ],
        "txt" => &["txt"],
        _ => &[],
    }
}

/// Office documents in a ZIP container (OOXML and OpenDocument), with and
/// without macros.
pub const OFFICE_ZIP: &[&str] = &[
    "docx", "xlsx", "pptx", "odt", "ods", "odp", "docm", "dotm", "xlsm", "xltm", "xlsb", "pptm",
    "potm", "ppsm",
];

/// The format an extension claims, when it is one this module detects.
pub fn claimed_by_extension(ext: &str) -> Option<&'static str> {
    let ext = ext.to_ascii_lowercase();
    [
        "pdf", "ofd", "jpeg", "png", "tiff", "gif", "bmp", "xml", "mp4", "mp3", "wav", "txt",
        "zip", "ole",
    ]
    .into_iter()
    .find(|f| extensions(f).contains(&ext.as_str()))
}

/// What a file whose format is not detected is, when its first bytes say
/// so: programs, scripts, other archives, old Office files, web pages. For
/// messages only ("扩展名是 .pdf，内容却是 Linux 可执行程序").
pub fn foreign(head: &[u8]) -> Option<&'static str> {
    let h = head;
    let starts = |p: &[u8]| h.starts_with(p);
    let lower: Vec<u8> = h
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    Some(if starts(b"\x7fELF") {
        "Linux 可执行程序（ELF）"
    } else if starts(b"MZ") {
        "Windows 可执行程序（PE）"
    } else if starts(&[0xCF, 0xFA, 0xED, 0xFE]) || starts(&[0xCA, 0xFE, 0xBA, 0xBE]) {
        "macOS 可执行程序"
    } else if starts(b"#!") {
        "脚本"
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "旧版 Office 文档（OLE 复合文件）"
    } else if starts(b"Rar!") {
        "RAR 压缩包"
    } else if starts(b"7z\xBC\xAF\x27\x1C") {
        "7z 压缩包"
    } else if starts(&[0x1F, 0x8B]) {
        "gzip 压缩包"
    } else if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        "网页（HTML）"
    } else if starts(b"{\\rtf") {
        "RTF 文档"
    } else {
        return None;
    })
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
        "ole" => "旧版 Office/WPS 文档",
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

    #[test]
    fn what_an_extension_claims_and_what_foreign_content_is() {
        use super::{claimed_by_extension, foreign};
        assert_eq!(claimed_by_extension("PDF"), Some("pdf"));
        assert_eq!(claimed_by_extension("jpg"), Some("jpeg"));
        assert_eq!(claimed_by_extension("docm"), Some("zip"));
        assert_eq!(claimed_by_extension("exe"), None);
        assert_eq!(foreign(b"\x7fELF\x02\x01"), Some("Linux 可执行程序（ELF）"));
        assert_eq!(foreign(b"MZ\x90\0"), Some("Windows 可执行程序（PE）"));
        assert_eq!(foreign(b"  <!DOCTYPE HTML>"), Some("网页（HTML）"));
        assert_eq!(foreign(b"%PDF-1.7"), None);
    }
}
