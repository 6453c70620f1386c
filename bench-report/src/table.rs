//! The table a newcomer reads first: one row per figure, aligned columns, plain text.

use serde_json::Value;

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A figure a bench recorded (the JSON `Figure::to_json` wrote).
    Figure(Value),
    /// A bench that ran but recorded nothing, or failed: shown so it is not silently missing.
    Bench { bench: String, outcome: String },
}

const HEADER: [&str; 8] = ["bench", "figure", "ours", "baseline (same run)", "ratio", "target", "met", "note"];

/// Value with its unit, in as few digits as say it: 5,996,584 bytes, 0.40, 152 ms.
fn quantity(v: f64, unit: &str) -> String {
    let digits = if v.abs() >= 100.0 || v.fract() == 0.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{v:.digits$}");
    let grouped = group_thousands(&text);
    if unit.is_empty() { grouped } else { format!("{grouped} {unit}") }
}

fn group_thousands(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

fn cells(row: &Row) -> [String; 8] {
    match row {
        Row::Figure(f) => {
            let text = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let unit = text("unit");
            let ours = f.get("ours").and_then(Value::as_f64).map_or(String::new(), |v| quantity(v, &unit));
            let baseline =
                match (f.get("baseline").and_then(Value::as_str), f.get("baseline_value").and_then(Value::as_f64)) {
                    (Some(name), Some(v)) => format!("{name} {}", quantity(v, &unit)),
                    _ => "—".into(),
                };
            let ratio = f.get("ratio").and_then(Value::as_f64).map_or("—".into(), |r| format!("{r:.2}×"));
            let met = match f.get("met").and_then(Value::as_bool) {
                Some(true) => "met",
                Some(false) => "MISSED",
                None => "—",
            };
            let target = text("target");
            [
                text("bench"),
                text("figure"),
                ours,
                baseline,
                ratio,
                if target.is_empty() { "—".into() } else { target },
                met.into(),
                text("note"),
            ]
        }
        Row::Bench { bench, outcome } => [
            bench.clone(),
            outcome.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "—".into(),
            String::new(),
        ],
    }
}

/// The whole table, header first.
pub fn render(rows: &[Row]) -> String {
    let mut lines: Vec<[String; 8]> = vec![HEADER.map(String::from)];
    lines.extend(rows.iter().map(cells));
    let widths: Vec<usize> = (0..8).map(|c| lines.iter().map(|l| l[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let padded: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Figure;

    #[test]
    fn a_figure_shows_value_baseline_ratio_target_and_verdict() {
        let f = Figure::new("photo", "time", 152.0, "ms").against("Pillow", 379.0).ratio_at_most(0.5);
        let table = render(&[Row::Figure(f.to_json())]);
        let row = table.lines().nth(2).expect("header, rule, row");
        for part in ["photo", "time", "152 ms", "Pillow 379 ms", "0.40×", "≤ 0.5×", "met"] {
            assert!(row.contains(part), "{part:?} missing from {row:?}");
        }
    }

    #[test]
    fn large_numbers_are_grouped_and_small_ones_keep_their_digits() {
        assert_eq!(quantity(5_996_584.0, "bytes"), "5,996,584 bytes");
        assert_eq!(quantity(0.402, ""), "0.40");
        assert_eq!(quantity(12.34, "ms"), "12.3 ms");
        assert_eq!(quantity(-1234.0, "B"), "-1,234 B");
    }

    #[test]
    fn a_failed_bench_has_its_own_row_and_columns_line_up() {
        let missed = Figure::new("sync", "p99 push", 80.0, "ms").at_most(50.0);
        let table =
            render(&[Row::Figure(missed.to_json()), Row::Bench { bench: "store".into(), outcome: "failed".into() }]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[2].contains("MISSED"));
        assert!(lines[3].starts_with("store") && lines[3].contains("failed"));
        let column = |line: &str, word: &str| line[..line.find(word).expect("present")].chars().count();
        assert_eq!(column(lines[0], " met") + 1, column(lines[2], "MISSED"), "columns line up across µ, ≤ and ×");
    }
}
