//! An XML material (DA/T 70 3-2): its declaration must name its character
//! encoding, the bytes must be text in that encoding, and the document
//! must be well-formed with no DTD (the same DTD-refusing reader as the
//! package's own XML). GB18030, GBK and GB2312 documents are decoded with
//! `encoding_rs` and parsed; the declaration is read here because it is
//! the one thing the reader does not check (a few bytes at the start).

use crate::formats::FormatProblem;

/// The `encoding` pseudo-attribute of the XML declaration, if any.
fn declared(text: &[u8]) -> Option<String> {
    let t = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let t = &t[..t.len().min(256)];
    if !t.starts_with(b"<?xml") {
        return None;
    }
    let end = t.windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(&t[..end]);
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let v = &rest[1..];
    Some(v[..v.find(q)?].to_string())
}

/// Checks a whole XML document.
pub fn check_xml(bytes: &[u8]) -> Vec<FormatProblem> {
    let mut v = Vec::new();
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let enc = match declared(bytes) {
        None => {
            v.push(FormatProblem::warn(
                "XML 没有声明字符编码（<?xml … encoding=\"UTF-8\"?>），其他软件可能按错误的编码读取；请在 XML 声明中写明编码",
            ));
            encoding_rs::UTF_8
        }
        Some(label) => match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
            Some(e) => e,
            None => {
                v.push(FormatProblem::fail(format!(
                    "XML 声明的字符编码“{label}”无法识别，无法正确读取；请改为 UTF-8 或 GB18030 后归档"
                )));
                return v;
            }
        },
    };
    if bom && enc != encoding_rs::UTF_8 {
        v.push(FormatProblem::fail(format!(
            "XML 以 UTF-8 字节序标记开头，却声明为 {} 编码，二者矛盾",
            enc.name()
        )));
        return v;
    }
    let (text, had_errors) =
        enc.decode_without_bom_handling(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    if had_errors {
        v.push(FormatProblem::fail(format!(
            "XML 的内容不是它声明的 {} 编码（有无法解码的字节），文字会显示为乱码",
            enc.name()
        )));
        return v;
    }
    if let Err(e) = guidang_package::xml::parse(text.as_bytes()) {
        v.push(FormatProblem::fail(format!("XML 无法解析：{e}")));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_encoding_is_read_and_honoured() {
        assert_eq!(
            declared(b"<?xml version=\"1.0\" encoding='GB18030'?><a/>").as_deref(),
            Some("GB18030")
        );
        assert_eq!(declared(b"<?xml version=\"1.0\"?><a/>"), None);
        assert!(
            check_xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>办件</a>".as_bytes())
                .is_empty()
        );
        let (gb, _, _) =
            encoding_rs::GB18030.encode("<?xml version=\"1.0\" encoding=\"GB18030\"?><a>办件</a>");
        assert!(check_xml(&gb).is_empty(), "{:?}", check_xml(&gb));
        // GB18030 bytes declared as UTF-8.
        let lying = [
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>".as_slice(),
            &gb[45..],
            b"</a>",
        ]
        .concat();
        assert!(
            check_xml(&lying)[0].reason.contains("不是它声明的"),
            "{:?}",
            check_xml(&lying)
        );
        let undeclared = check_xml(b"<?xml version=\"1.0\"?><a/>");
        assert!(!undeclared[0].is_fail());
        assert!(check_xml(b"<?xml version=\"1.0\" encoding=\"EBCDIC-X\"?><a/>")[0].is_fail());
        let dtd = check_xml(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        );
        assert!(dtd[0].reason.contains("DOCTYPE"), "{dtd:?}");
    }
}
