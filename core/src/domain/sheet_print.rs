//! 命の宝箱 as an A4 sheet to print and keep in the fridge door pocket, where an ambulance crew
//! looks first (domain.md §3): every field of the catalogue in its group, the empty ones left as
//! lines to fill in by hand, the day it was last updated and the day it was printed.
//!
//! HTML, because both phones print HTML as it is (iOS's markup print formatter, Android's
//! WebView print adapter) and the CLI can write it to a file any browser prints.

use chrono::{Datelike, NaiveDate};
use techo_domain::emergency_sheet::{CATALOGUE, FieldGroup, FieldKind, catalogue_field};

/// What goes on the sheet.
pub struct SheetPrint<'a> {
    /// Fields with a value, as the store lists them.
    pub fields: &'a [(String, String)],
    /// Photographed pages of the paper form (kept in the app, not printed).
    pub pages: usize,
    /// `None` for a blank form, nothing written yet.
    pub updated: Option<NaiveDate>,
    pub printed: NaiveDate,
}

/// The sheet as one HTML document sized for A4.
pub fn sheet_html(sheet: &SheetPrint<'_>) -> String {
    let value = |key: &str| sheet.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let mut out = String::with_capacity(8 * 1024);
    out.push_str(HEAD);
    let name = value("identity.name").unwrap_or("");
    out.push_str("<h1>命の宝箱（救急医療情報）</h1>\n<p class=\"who\">");
    push_escaped(&mut out, name);
    out.push_str(" さん</p>\n<p class=\"dates\">更新日 ");
    out.push_str(&sheet.updated.map_or_else(|| "　　　　年　　月　　日".to_owned(), long_date));
    out.push_str("　印刷日 ");
    out.push_str(&long_date(sheet.printed));
    out.push_str("</p>\n");
    for group in FieldGroup::ALL {
        out.push_str("<h2>");
        out.push_str(group.label_ja());
        out.push_str("</h2>\n<table>\n");
        for f in CATALOGUE.iter().filter(|f| f.group == group) {
            row(&mut out, f.label_ja, &value(f.key).map(|v| shown(f.kind, v)).unwrap_or_default());
        }
        if group == FieldGroup::Notes {
            // Fields a newer app added: printed under their key rather than left off.
            for (key, v) in sheet.fields.iter().filter(|(k, _)| catalogue_field(k).is_none()) {
                row(&mut out, key, v);
            }
        }
        out.push_str("</table>\n");
    }
    if sheet.pages > 0 {
        out.push_str("<p class=\"note\">紙の用紙の写真が");
        out.push_str(&sheet.pages.to_string());
        out.push_str("枚、アプリの命の宝箱にあります。</p>\n");
    }
    out.push_str(
        "<p class=\"note\">この用紙は冷蔵庫の扉のポケットなど、救急隊が見つけやすい所に置いてください。\
         内容が変わったら、書き直すか印刷し直してください。</p>\n</body>\n</html>\n",
    );
    out
}

const HEAD: &str = "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>命の宝箱</title>\n<style>\n\
@page { size: A4; margin: 12mm; }\n\
body { font-family: sans-serif; font-size: 11pt; color: #000; }\n\
h1 { font-size: 18pt; margin: 0 0 2mm; }\n\
h2 { font-size: 12pt; margin: 4mm 0 1mm; border-bottom: 0.4mm solid #000; }\n\
.who { font-size: 16pt; font-weight: bold; margin: 0; }\n\
.dates { margin: 1mm 0 2mm; }\n\
table { width: 100%; border-collapse: collapse; }\n\
th, td { border: 0.2mm solid #555; padding: 1mm 2mm; vertical-align: top; text-align: left; }\n\
th { width: 32%; font-weight: normal; background: #eee; }\n\
td { white-space: pre-wrap; height: 6mm; }\n\
tr { page-break-inside: avoid; }\n\
.note { font-size: 10pt; margin: 3mm 0 0; }\n\
</style>\n</head>\n<body>\n";

fn row(out: &mut String, label: &str, value: &str) {
    out.push_str("<tr><th>");
    push_escaped(out, label);
    out.push_str("</th><td>");
    push_escaped(out, value);
    out.push_str("</td></tr>\n");
}

/// A stored value as a person reads it: choices in words, dates in full.
fn shown(kind: FieldKind, value: &str) -> String {
    match kind {
        FieldKind::Choice(_) => match value {
            "female" => "女性".to_owned(),
            "male" => "男性".to_owned(),
            "other" => "その他".to_owned(),
            "unknown" => "わからない".to_owned(),
            "+" => "＋（プラス）".to_owned(),
            "-" => "−（マイナス）".to_owned(),
            "A" | "B" | "O" | "AB" => format!("{value}型"),
            _ => value.to_owned(),
        },
        FieldKind::Date => {
            techo_domain::validation::parse_iso_date(value).map_or_else(|| value.to_owned(), long_date_with_era)
        }
        _ => value.to_owned(),
    }
}

/// 2026年12月4日.
fn long_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// 1941年（昭和16年）3月9日: birth dates as older people write them too.
fn long_date_with_era(d: NaiveDate) -> String {
    const ERAS: [(i32, u32, u32, &str); 5] = [
        (2019, 5, 1, "令和"),
        (1989, 1, 8, "平成"),
        (1926, 12, 25, "昭和"),
        (1912, 7, 30, "大正"),
        (1868, 1, 25, "明治"),
    ];
    let era = ERAS.iter().find(|(y, m, day, _)| (d.year(), d.month(), d.day()) >= (*y, *m, *day));
    match era {
        Some((start, _, _, name)) => {
            let n = d.year() - start + 1;
            let n = if n == 1 { "元".to_owned() } else { n.to_string() };
            format!("{}年（{name}{n}年）{}月{}日", d.year(), d.month(), d.day())
        }
        None => long_date(d),
    }
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn print(fields: &[(&str, &str)], pages: usize) -> String {
        let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        sheet_html(&SheetPrint { fields: &fields, pages, updated: Some(day(2026, 11, 20)), printed: day(2026, 12, 4) })
    }

    #[test]
    fn every_field_is_on_the_sheet_in_words_with_the_empty_ones_left_to_fill_in() {
        let html = print(
            &[
                ("identity.name", "山田 花子"),
                ("identity.birth_date", "1941-03-09"),
                ("identity.sex", "female"),
                ("medical.blood_type", "AB"),
                ("medical.blood_rh", "+"),
                ("medical.allergy_drug", "ペニシリン\n造影剤"),
            ],
            2,
        );
        assert!(html.contains("<p class=\"who\">山田 花子 さん</p>"));
        assert!(html.contains("更新日 2026年11月20日　印刷日 2026年12月4日"));
        assert!(html.contains("<th>生年月日</th><td>1941年（昭和16年）3月9日</td>"));
        assert!(html.contains("<th>性別</th><td>女性</td>"));
        assert!(html.contains("<th>血液型</th><td>AB型</td>"));
        assert!(html.contains("<th>Rh</th><td>＋（プラス）</td>"));
        assert!(html.contains("<td>ペニシリン\n造影剤</td>"), "lines kept (pre-wrap)");
        assert!(html.contains("<th>主治医</th><td></td>"), "an empty field is a line to write on");
        assert_eq!(html.matches("<tr>").count(), CATALOGUE.len());
        assert_eq!(html.matches("<h2>").count(), FieldGroup::ALL.len());
        assert!(html.contains("写真が2枚"));
        assert!(html.contains("size: A4"));
    }

    #[test]
    fn what_was_typed_cannot_become_markup() {
        let html = print(&[("notes.other", "<script>alert('x')</script> & \"q\""), ("future.field", "<b>")], 0);
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
        assert!(html.contains("<th>future.field</th><td>&lt;b&gt;</td>"), "a newer app's field is printed too");
        assert!(!html.contains("<script>") && !html.contains("写真が"));
    }

    #[test]
    fn with_nothing_written_it_is_a_blank_form_to_fill_in_by_hand() {
        let html = sheet_html(&SheetPrint { fields: &[], pages: 0, updated: None, printed: day(2026, 12, 4) });
        assert!(html.contains("<p class=\"who\"> さん</p>"));
        assert!(html.contains("更新日 　　　　年　　月　　日　印刷日 2026年12月4日"));
        assert_eq!(html.matches("<td></td>").count(), CATALOGUE.len());
    }

    #[test]
    fn eras_start_on_their_first_day() {
        assert_eq!(long_date_with_era(day(2019, 5, 1)), "2019年（令和元年）5月1日");
        assert_eq!(long_date_with_era(day(2019, 4, 30)), "2019年（平成31年）4月30日");
        assert_eq!(long_date_with_era(day(1926, 12, 25)), "1926年（昭和元年）12月25日");
        assert_eq!(long_date_with_era(day(1926, 12, 24)), "1926年（大正15年）12月24日");
        assert_eq!(long_date_with_era(day(1860, 1, 1)), "1860年1月1日");
    }
}
