//! Applicants: Chinese names (including rare characters, as real registers
//! have), valid citizen identity numbers and unified social credit codes.

use guidang_core::ids::{citizen_id_check_char, uscc_check_char};

use crate::rng::SplitMix64;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "欧阳", "司马", "覃", "龚", "邝", "佘",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "海燕", "志强", "春梅", "德华",
    "玉兰", "国庆", "喆", "堃", "淼", "赟", "玥", "婧", "昇", "䶮", "犇", "翀", "𠇔",
];
const ORG_PREFIX: &[&str] = &[
    "兴农", "惠民", "丰禾", "绿源", "金穗", "德康", "湘润", "永盛",
];
const ORG_KIND: &[&str] = &[
    "农机专业合作社",
    "农业发展有限公司",
    "种植专业合作社",
    "建筑工程有限公司",
    "农资经营部",
];

fn given(rng: &mut SplitMix64) -> &'static str {
    GIVEN[rng.below(GIVEN.len() as u64) as usize]
}

/// A natural person.
pub struct Person {
    /// Name.
    pub name: String,
    /// 18-digit citizen identity number with a valid check character.
    pub id_no: String,
}

/// A person with a valid identity number registered in `region`.
pub fn person(rng: &mut SplitMix64, region: &str) -> Person {
    let mut name = rng.pick(SURNAMES).to_string();
    name.push_str(given(rng));
    if rng.below(2) == 0 {
        name.push_str(given(rng));
    }
    let year = 1945 + rng.below(60);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let first17 = format!("{region}{year}{month:02}{day:02}{:03}", rng.below(1000));
    let check = citizen_id_check_char(&first17).expect("17 digits");
    Person {
        name,
        id_no: format!("{first17}{check}"),
    }
}

/// An organisation name and a valid unified social credit code.
pub fn organisation(rng: &mut SplitMix64, region: &str) -> (String, String) {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let county = region.get(..4).unwrap_or("4301");
    let name = format!(
        "{}{}{}",
        county_name(county),
        rng.pick(ORG_PREFIX),
        rng.pick(ORG_KIND)
    );
    let kind = if name.contains("合作社") {
        "93"
    } else {
        "91"
    };
    let org: String = (0..9).map(|_| *rng.pick(CHARS) as char).collect();
    let first17 = format!("{kind}{region}{org}");
    let check = uscc_check_char(&first17).expect("valid alphabet");
    (name, format!("{first17}{check}"))
}

fn county_name(_county: &str) -> &'static str {
    "示范县"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_valid() {
        let mut r = SplitMix64::new(3);
        for _ in 0..200 {
            let p = person(&mut r, "430124");
            guidang_core::ids::check_citizen_id(&p.id_no).unwrap();
            let (_, code) = organisation(&mut r, "430124");
            guidang_core::ids::check_uscc(&code).unwrap();
        }
    }
}
