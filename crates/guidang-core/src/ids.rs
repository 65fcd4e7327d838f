//! Check characters of the identity codes that appear in case metadata:
//! the 18-digit citizen identity number (GB 11643) and the unified social
//! credit code (GB 32100).

use chrono::NaiveDate;

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// Why an identity code is invalid, as a Chinese sentence.
pub type IdProblem = String;

/// The GB 11643 check character for the first 17 digits.
pub fn citizen_id_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// Validates an 18-digit citizen identity number: digits, birth date, check
/// character.
pub fn check_citizen_id(id: &str) -> Result<(), IdProblem> {
    let id = id.trim();
    if id.chars().count() != 18 {
        return Err(format!(
            "居民身份证号码应为18位，当前为{}位",
            id.chars().count()
        ));
    }
    let (first17, last) = id.split_at(17);
    if !first17.bytes().all(|b| b.is_ascii_digit()) {
        return Err("居民身份证号码前17位应全部为数字".into());
    }
    let birth = &first17[6..14];
    let date_ok = NaiveDate::parse_from_str(birth, "%Y%m%d")
        .map(|d| d.format("%Y").to_string().as_str() >= "1900")
        .unwrap_or(false);
    if !date_ok {
        return Err(format!("居民身份证号码中的出生日期 {birth} 不是有效日期"));
    }
    let expected = citizen_id_check_char(first17).expect("17 digits");
    let got = last.chars().next().unwrap_or(' ').to_ascii_uppercase();
    if got != expected {
        return Err(format!(
            "居民身份证号码校验码错误（最后一位应为 {expected}，实为 {got}），请核对号码是否录入有误"
        ));
    }
    Ok(())
}

const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: char) -> Option<u32> {
    USCC_CHARS.find(c).map(|i| i as u32)
}

/// The GB 32100 check character for the first 17 characters.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(USCC_WEIGHTS) {
        sum += uscc_value(c)? * w;
    }
    let v = (31 - sum % 31) % 31;
    USCC_CHARS.chars().nth(v as usize)
}

/// Validates a unified social credit code: 18 characters from the code's
/// alphabet, region digits, check character.
pub fn check_uscc(code: &str) -> Result<(), IdProblem> {
    let code = code.trim();
    let n = code.chars().count();
    if n != 18 {
        return Err(format!("统一社会信用代码应为18位，当前为{n}位"));
    }
    if let Some(bad) = code.chars().find(|c| uscc_value(*c).is_none()) {
        return Err(format!(
            "统一社会信用代码含有不允许的字符“{bad}”（只允许数字和除 I、O、Z、S、V 以外的大写字母）"
        ));
    }
    if !code[2..8].bytes().all(|b| b.is_ascii_digit()) {
        return Err("统一社会信用代码第3至8位应为行政区划码数字".into());
    }
    let expected = uscc_check_char(&code[..17]).expect("valid chars");
    let got = code[17..].chars().next().unwrap_or(' ');
    if got != expected {
        return Err(format!(
            "统一社会信用代码校验码错误（最后一位应为 {expected}，实为 {got}），请核对代码是否录入有误"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citizen_id_standard_example() {
        // The example of GB 11643-1999 appendix.
        assert_eq!(citizen_id_check_char("11010519491231002"), Some('X'));
        assert!(check_citizen_id("11010519491231002X").is_ok());
        assert!(check_citizen_id("11010519491231002x").is_ok());
        let e = check_citizen_id("110105194912310021").unwrap_err();
        assert!(e.contains("校验码错误"), "{e}");
        assert!(check_citizen_id("1101051949123100")
            .unwrap_err()
            .contains("18位"));
        assert!(check_citizen_id("11010519491331002X")
            .unwrap_err()
            .contains("出生日期"));
        assert!(check_citizen_id("1101051949123100AX")
            .unwrap_err()
            .contains("数字"));
    }

    #[test]
    fn uscc_examples() {
        // Published codes of well-known bodies.
        assert!(check_uscc("91350100M000100Y43").is_ok());
        assert!(check_uscc("9144030071526726XG").is_ok());
        assert!(check_uscc("9144030071526726XH")
            .unwrap_err()
            .contains("校验码错误"));
        assert!(check_uscc("9144030071526726IG")
            .unwrap_err()
            .contains("不允许的字符"));
        assert!(check_uscc("91440300715267").unwrap_err().contains("18位"));
    }
}
