//! JAHIS dates: Gregorian `YYYYMMDD` or era `GYYMMDD` (G ∈ M, T, S, H, R).
//!
//! The model keeps the raw string; this turns it into a calendar day for display and sorting.
//! Era letters are accepted whatever the header version: 令和 postdates several spec versions
//! that real data still declares.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl CalendarDate {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        (year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(Self {
            year,
            month,
            day,
        })
    }

    /// Parses a JAHIS date field; `None` when it names no real day.
    pub fn parse_jahis(raw: &str) -> Option<Self> {
        let b = raw.as_bytes();
        match b.len() {
            8 => Self::new(digits(&b[0..4])?, digits(&b[4..6])? as u8, digits(&b[6..8])? as u8),
            7 => {
                let offset = era_offset(b[0])?;
                let era_year = digits(&b[1..3])?;
                if era_year == 0 {
                    return None;
                }
                Self::new(offset + era_year, digits(&b[3..5])? as u8, digits(&b[5..7])? as u8)
            }
            _ => None,
        }
    }

    /// `YYYYMMDD`, the form the writer uses for dates it creates.
    pub fn to_jahis(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Gregorian year of era year 0.
fn era_offset(letter: u8) -> Option<u16> {
    Some(match letter {
        b'M' => 1867,
        b'T' => 1911,
        b'S' => 1925,
        b'H' => 1988,
        b'R' => 2018,
        _ => return None,
    })
}

fn digits(b: &[u8]) -> Option<u16> {
    b.iter().try_fold(0u16, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u16::from(d - b'0')))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gregorian_and_era() {
        assert_eq!(CalendarDate::parse_jahis("20250414"), CalendarDate::new(2025, 4, 14));
        assert_eq!(CalendarDate::parse_jahis("R070414"), CalendarDate::new(2025, 4, 14));
        assert_eq!(CalendarDate::parse_jahis("S200720"), CalendarDate::new(1945, 7, 20));
        assert_eq!(CalendarDate::parse_jahis("H310430"), CalendarDate::new(2019, 4, 30));
        assert_eq!(CalendarDate::parse_jahis("M010101"), CalendarDate::new(1868, 1, 1));
        assert_eq!(CalendarDate::parse_jahis("T150101"), CalendarDate::new(1926, 1, 1));
    }

    #[test]
    fn rejects_impossible_days() {
        for raw in
            ["20250230", "20240230", "2025041", "X070414", "R000414", "2025-4-1", "", "20251301", "１２３４５６７８"]
        {
            assert_eq!(CalendarDate::parse_jahis(raw), None, "{raw}");
        }
        assert!(CalendarDate::parse_jahis("20240229").is_some());
        assert!(CalendarDate::parse_jahis("19000229").is_none());
    }
}
