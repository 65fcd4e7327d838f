//! Minimal XML writing and a safe reader of the flat element trees this
//! crate writes (no DTDs, no entities beyond the five predefined ones).

use quick_xml::events::Event;
use quick_xml::Reader;

/// Escapes text and attribute values with the XML library's escaper (all
/// five predefined entities): the one escaper of every XML Guidang writes.
pub fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// An element read back: name, attributes, text, children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Element name.
    pub name: String,
    /// Attributes in document order.
    pub attrs: Vec<(String, String)>,
    /// Concatenated text content (trimmed).
    pub text: String,
    /// Child elements.
    pub children: Vec<Node>,
}

impl Node {
    /// First child with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    /// Text of the first child with this name.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
    /// An attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a document into its root element. DOCTYPE declarations are
/// refused (no DTDs, hence no external entities or entity expansion).
pub fn parse(bytes: &[u8]) -> Result<Node, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "不是 UTF-8 编码".to_string())?;
    let mut r = Reader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        match r.read_event().map_err(|e| format!("XML 格式错误：{e}"))? {
            Event::DocType(_) => return Err("含有 DOCTYPE 声明（不接受 DTD 和外部实体）".into()),
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                let _ = e;
                return Err("根元素之后还有内容".into());
            }
            Event::Start(e) => stack.push(node(&e)?),
            Event::Empty(e) => {
                let n = node(&e)?;
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::End(_) => {
                let mut n = stack.pop().ok_or("多余的结束标签")?;
                n.text = n.text.trim().to_string();
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::Text(t) => {
                if let Some(p) = stack.last_mut() {
                    let s = t.decode().map_err(|e| format!("XML 文本错误：{e}"))?;
                    let s = quick_xml::escape::unescape(&s)
                        .map_err(|e| format!("XML 实体错误：{e}"))?;
                    p.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(p) = stack.last_mut() {
                    p.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(e) => {
                let name = String::from_utf8_lossy(&e).into_owned();
                let s = match name.as_str() {
                    "amp" => "&".to_string(),
                    "lt" => "<".into(),
                    "gt" => ">".into(),
                    "quot" => "\"".into(),
                    "apos" => "'".into(),
                    n if n.starts_with('#') => {
                        let code = if let Some(h) = n.strip_prefix("#x") {
                            u32::from_str_radix(h, 16).ok()
                        } else {
                            n[1..].parse().ok()
                        };
                        code.and_then(char::from_u32)
                            .ok_or(format!("无效的字符引用 &{n};"))?
                            .to_string()
                    }
                    other => return Err(format!("未定义的实体 &{other};")),
                };
                if let Some(p) = stack.last_mut() {
                    p.text.push_str(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("元素未闭合".into());
    }
    root.ok_or_else(|| "没有根元素".to_string())
}

fn node(e: &quick_xml::events::BytesStart<'_>) -> Result<Node, String> {
    let mut n = Node {
        name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
        ..Default::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|e| format!("XML 属性错误：{e}"))?;
        let v = a
            .unescape_value()
            .map_err(|e| format!("XML 属性错误：{e}"))?;
        n.attrs.push((
            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
            v.into_owned(),
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_hostile_input() {
        let doc = format!(
            "<?xml version=\"1.0\"?><根 版本=\"1\"><名称>{}</名称><空/></根>",
            esc("A&B <张>")
        );
        let n = parse(doc.as_bytes()).unwrap();
        assert_eq!(n.text_of("名称"), Some("A&B <张>"));
        assert_eq!(n.attr("版本"), Some("1"));
        assert!(n.child("空").is_some());
        let xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
        assert!(parse(xxe.as_bytes()).unwrap_err().contains("DOCTYPE"));
        assert!(parse(b"<r><a></r>").is_err());
        assert!(parse(b"<r>&bogus;</r>").is_err());
    }
}
