//! The record spec: one table that parsing, validation and writing all read.
//!
//! Field order, type, maximum Shift_JIS bytes, required-per-direction and code lists of every
//! record of JAHIS TC Ver.2.5/2.6 (domain.md §2.4). Older versions have fewer trailing fields,
//! which the parser accepts because trailing fields may be omitted anyway.

/// Field types of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `9`: digits.
    Numeric,
    /// `X`: ASCII letters, digits, `.` and `-`.
    Alphanumeric,
    /// `N`: any text.
    Text,
}

/// When a field must be non-empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// In both directions (\* in the spec).
    Always,
    /// Only in direction 1, pharmacy → patient (†).
    Direction1,
    /// Required when field `field` of the same record is non-empty and not `value`
    /// (201's 薬品コード when its code type ≠ 1, and alike).
    UnlessOther {
        field: u8,
        value: &'static str,
    },
    Optional,
}

/// Values a field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codes {
    Any,
    List(&'static [&'static str]),
    /// 都道府県: `01`…`47`.
    Prefecture,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    pub max_bytes: u16,
    pub required: Required,
    pub codes: Codes,
    pub date: bool,
}

/// Where a record lives in the document (§2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// 1, 2, 3, 31, 4: before the 調剤 blocks.
    Patient,
    /// 5 … 601: inside a 調剤 block (5 starts one).
    Dispensing,
    /// 701: after the blocks.
    Pharmacist,
    /// 911: last line of a split part.
    Split,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSpec {
    pub no: u16,
    pub name: &'static str,
    pub section: Section,
    pub fields: &'static [FieldSpec],
}

pub const AUTHORS: &[&str] = &["1", "2", "8", "9"];
/// 剤形コード: no 8.
pub const DOSAGE_FORMS: &[&str] = &["1", "2", "3", "4", "5", "6", "7", "9", "10"];

const fn f(name: &'static str, ty: FieldType, max_bytes: u16, required: Required) -> FieldSpec {
    FieldSpec { name, ty, max_bytes, required, codes: Codes::Any, date: false }
}
const fn coded(name: &'static str, max_bytes: u16, required: Required, list: &'static [&'static str]) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Numeric, max_bytes, required, codes: Codes::List(list), date: false }
}
const fn date(name: &'static str, required: Required) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Alphanumeric, max_bytes: 8, required, codes: Codes::Any, date: true }
}
const fn prefecture(required: Required) -> FieldSpec {
    FieldSpec {
        name: "都道府県",
        ty: FieldType::Alphanumeric,
        max_bytes: 2,
        required,
        codes: Codes::Prefecture,
        date: false,
    }
}
const fn author() -> FieldSpec {
    coded("作成者", 1, Always, AUTHORS)
}
const fn rp() -> FieldSpec {
    f("RP番号", Numeric, 3, Always)
}

use FieldType::{Alphanumeric as X, Numeric, Text as N};
use Required::{Always, Direction1 as Dir1, Optional as Opt};

const fn x_list(name: &'static str, max_bytes: u16, required: Required, list: &'static [&'static str]) -> FieldSpec {
    FieldSpec { name, ty: X, max_bytes, required, codes: Codes::List(list), date: false }
}

pub static RECORDS: &[RecordSpec] = &[
    RecordSpec {
        no: 1,
        name: "患者情報",
        section: Section::Patient,
        fields: &[
            f("氏名", N, 40, Always),
            coded("性別", 1, Always, &["1", "2"]),
            date("生年月日", Always),
            f("郵便番号", X, 8, Opt),
            f("住所", N, 800, Opt),
            f("電話番号", X, 13, Opt),
            f("緊急連絡先", N, 800, Opt),
            f("血液型", N, 20, Opt),
            f("体重", X, 7, Opt),
            f("氏名カナ", N, 40, Opt),
        ],
    },
    RecordSpec {
        no: 2,
        name: "患者特記",
        section: Section::Patient,
        fields: &[coded("種別", 1, Always, &["1", "2", "3", "9"]), f("内容", N, 120, Always), author()],
    },
    RecordSpec {
        no: 3,
        name: "要指導医薬品・一般用医薬品服用",
        section: Section::Patient,
        fields: &[
            f("薬品名称", N, 120, Always),
            date("服用開始日", Opt),
            date("服用終了日", Opt),
            author(),
            f("通番", Numeric, 3, Opt),
            f("JANコード", Numeric, 13, Opt),
        ],
    },
    RecordSpec {
        no: 31,
        name: "OTC成分",
        section: Section::Patient,
        fields: &[
            f("通番", Numeric, 3, Always),
            f("成分名", N, 256, Always),
            coded("コード種別", 1, Always, &["1", "2"]),
            f("成分コード", X, 20, Required::UnlessOther { field: 3, value: "1" }),
            author(),
        ],
    },
    RecordSpec {
        no: 4,
        name: "手帳メモ",
        section: Section::Patient,
        fields: &[f("内容", N, 400, Always), date("入力日", Opt), author()],
    },
    RecordSpec {
        no: 5,
        name: "調剤等年月日",
        section: Section::Dispensing,
        fields: &[date("調剤等年月日", Always), author()],
    },
    RecordSpec {
        no: 11,
        name: "調剤－医療機関等",
        section: Section::Dispensing,
        fields: &[
            f("名称", N, 120, Always),
            prefecture(Dir1),
            x_list("点数表", 1, Dir1, &["1", "3", "4"]),
            f("医療機関等コード", X, 7, Dir1),
            f("郵便番号", X, 8, Opt),
            f("住所", N, 800, Opt),
            f("電話番号", X, 13, Opt),
            author(),
        ],
    },
    RecordSpec {
        no: 15,
        name: "調剤－医師・薬剤師",
        section: Section::Dispensing,
        fields: &[f("氏名", N, 40, Always), f("連絡先", N, 800, Opt), author()],
    },
    RecordSpec {
        no: 51,
        name: "処方－医療機関",
        section: Section::Dispensing,
        fields: &[
            f("名称", N, 120, Always),
            prefecture(Dir1),
            x_list("点数表", 1, Dir1, &["1", "3"]),
            f("医療機関コード", X, 7, Dir1),
            author(),
        ],
    },
    RecordSpec {
        no: 55,
        name: "処方－医師",
        section: Section::Dispensing,
        fields: &[f("氏名", N, 40, Always), f("診療科", N, 80, Opt), author()],
    },
    RecordSpec {
        no: 201,
        name: "薬品",
        section: Section::Dispensing,
        fields: &[
            rp(),
            f("薬品名称", N, 120, Always),
            f("用量", X, 12, Dir1),
            f("単位名", N, 12, Dir1),
            coded("薬品コード種別", 1, Dir1, &["1", "2", "3", "4", "6"]),
            f("薬品コード", X, 13, Required::UnlessOther { field: 5, value: "1" }),
            author(),
            f("一般名", N, 120, Opt),
            coded("一般名コード種別", 1, Opt, &["1", "2"]),
            f("一般名コード", X, 12, Opt),
        ],
    },
    RecordSpec {
        no: 281,
        name: "薬品補足",
        section: Section::Dispensing,
        fields: &[rp(), f("内容", N, 100, Always), author()],
    },
    RecordSpec {
        no: 291,
        name: "薬品服用注意",
        section: Section::Dispensing,
        fields: &[rp(), f("内容", N, 400, Always), author()],
    },
    RecordSpec {
        no: 301,
        name: "用法",
        section: Section::Dispensing,
        fields: &[
            rp(),
            f("用法名称", N, 100, Opt),
            f("調剤数量", Numeric, 3, Dir1),
            f("調剤単位", N, 100, Dir1),
            x_list("剤形コード", 2, Dir1, DOSAGE_FORMS),
            coded("用法コード種別", 1, Dir1, &["1", "2"]),
            f("用法コード", X, 16, Required::UnlessOther { field: 6, value: "1" }),
            author(),
        ],
    },
    RecordSpec {
        no: 311,
        name: "用法補足",
        section: Section::Dispensing,
        fields: &[rp(), f("内容", N, 100, Always), author()],
    },
    RecordSpec {
        no: 391,
        name: "処方服用注意",
        section: Section::Dispensing,
        fields: &[rp(), f("内容", N, 400, Always), author()],
    },
    RecordSpec {
        no: 401,
        name: "服用注意",
        section: Section::Dispensing,
        fields: &[f("内容", N, 400, Always), author()],
    },
    RecordSpec {
        no: 411,
        name: "医療機関等提供情報",
        section: Section::Dispensing,
        fields: &[f("内容", N, 400, Always), coded("種別", 2, Always, &["30", "31", "99"]), author()],
    },
    RecordSpec {
        no: 421,
        name: "残薬確認",
        section: Section::Dispensing,
        fields: &[f("内容", N, 400, Always), author()],
    },
    RecordSpec {
        no: 501, name: "備考", section: Section::Dispensing, fields: &[f("内容", N, 400, Always), author()]
    },
    RecordSpec {
        no: 601,
        name: "患者等記入",
        section: Section::Dispensing,
        fields: &[f("内容", N, 400, Always), date("入力日", Opt)],
    },
    RecordSpec {
        no: 701,
        name: "かかりつけ薬剤師",
        section: Section::Pharmacist,
        fields: &[
            f("氏名", N, 40, Always),
            f("勤務先薬局名称", N, 120, Always),
            f("連絡先", N, 800, Always),
            date("担当開始日", Opt),
            date("担当終了日", Opt),
            author(),
        ],
    },
    RecordSpec {
        no: 911,
        name: "分割制御",
        section: Section::Split,
        fields: &[
            f("データ固有ID", Numeric, 14, Always),
            f("分割数", Numeric, 3, Always),
            f("データ連番", Numeric, 3, Always),
        ],
    },
];

/// The spec of record `no`, if this crate knows it.
pub fn record_spec(no: u16) -> Option<&'static RecordSpec> {
    // 23 entries: a match on the number beats a map and keeps the table the only list.
    RECORDS.iter().find(|r| r.no == no)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_type_is_specified_once() {
        let expected =
            [1, 2, 3, 31, 4, 5, 11, 15, 51, 55, 201, 281, 291, 301, 311, 391, 401, 411, 421, 501, 601, 701, 911];
        let got: Vec<u16> = RECORDS.iter().map(|r| r.no).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn conditions_point_at_earlier_fields() {
        for r in RECORDS {
            for (i, field) in r.fields.iter().enumerate() {
                if let Required::UnlessOther { field: other, .. } = field.required {
                    assert!((other as usize) <= i, "record {} field {}", r.no, i + 1);
                }
            }
        }
    }
}
