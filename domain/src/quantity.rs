//! Exact decimal quantities.
//!
//! Readings are stored as integers in thousandths so that 36.6 °C or 48.5 kg round-trip exactly
//! and unit conversion (mmol/L → mg/dL) is integer arithmetic, not float rounding.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A non-negative decimal with three fractional digits, stored as an integer count of thousandths.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Milli(i64);

/// Why text could not be read as a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalError {
    NotANumber,
    TooManyDecimals,
}

impl Milli {
    pub const SCALE: i64 = 1000;

    pub const fn from_thousandths(v: i64) -> Self {
        Self(v)
    }

    /// Whole units; a `u32` times the scale always fits, so this cannot overflow.
    pub const fn from_units(v: u32) -> Self {
        Self(v as i64 * Self::SCALE)
    }

    pub const fn thousandths(self) -> i64 {
        self.0
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// Whole units if the value has no fractional part.
    pub fn whole(self) -> Option<i64> {
        (self.0 % Self::SCALE == 0).then_some(self.0 / Self::SCALE)
    }

    /// Parses what a person types: `61.2`, `104`, `６１．２` (full-width digits from a Japanese IME),
    /// surrounding spaces allowed. At most three decimals, no sign, no exponent.
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        let normalized: String = text.trim().chars().map(fold_full_width).collect();
        let (int_part, frac_part) = match normalized.split_once('.') {
            Some((i, f)) => (i, f),
            None => (normalized.as_str(), ""),
        };
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !digits_only(int_part)
            || !digits_only(frac_part)
            || (normalized.contains('.') && frac_part.is_empty() && int_part.is_empty())
        {
            return Err(DecimalError::NotANumber);
        }
        if frac_part.len() > 3 {
            return Err(DecimalError::TooManyDecimals);
        }
        // 15 integer digits keep the product inside i64; anything longer is not a vital anyway.
        if int_part.len() > 15 {
            return Err(DecimalError::NotANumber);
        }
        let whole: i64 =
            if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| DecimalError::NotANumber)? };
        let mut frac: i64 = 0;
        for (i, b) in frac_part.bytes().enumerate() {
            frac += i64::from(b - b'0') * 10_i64.pow(2 - i as u32);
        }
        Ok(Self(whole * Self::SCALE + frac))
    }

    /// From a device-reported float, rounded half away from zero to thousandths.
    pub fn from_f64(v: f64) -> Option<Self> {
        if !v.is_finite() || !(0.0..=1e12).contains(&v) {
            return None;
        }
        Some(Self((v * Self::SCALE as f64).round() as i64))
    }

    /// `self × factor`, exact; `None` when the product does not fit (a unit conversion of an
    /// absurd value must be refused, not wrap or panic).
    pub const fn checked_times(self, factor: i64) -> Option<Self> {
        match self.0.checked_mul(factor) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The largest value [`Milli::parse`] accepts (15 integer digits, 3 decimals).
    pub const MAX_PARSED: Self = Self(999_999_999_999_999_999);
}

fn fold_full_width(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        _ => c,
    }
}

impl fmt::Display for Milli {
    /// Shortest exact form: `61.2`, `104`, `36.65`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / 1000;
        let frac = abs % 1000;
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        let mut s = format!("{frac:03}");
        while s.ends_with('0') {
            s.pop();
        }
        write!(f, "{sign}{whole}.{s}")
    }
}

impl fmt::Debug for Milli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Milli({self})")
    }
}

impl Serialize for Milli {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Milli {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Milli::parse(&s).map_err(|_| serde::de::Error::custom("expected a decimal with at most 3 places"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Milli::parse("61.2"), Ok(Milli(61_200)));
        assert_eq!(Milli::parse(" 104 "), Ok(Milli(104_000)));
        assert_eq!(Milli::parse("６１．２"), Ok(Milli(61_200)));
        assert_eq!(Milli::parse("0.5"), Ok(Milli(500)));
        assert_eq!(Milli::parse(".5"), Ok(Milli(500)));
        assert_eq!(Milli::parse("36.655"), Ok(Milli(36_655)));
        assert_eq!(Milli::parse("36.6555"), Err(DecimalError::TooManyDecimals));
        for bad in ["", ".", "abc", "1.2.3", "-3", "1e3", "12,5", "+1", "1 2"] {
            assert_eq!(Milli::parse(bad), Err(DecimalError::NotANumber), "{bad:?}");
        }
    }

    #[test]
    fn displays_shortest_exact_form() {
        assert_eq!(Milli(61_200).to_string(), "61.2");
        assert_eq!(Milli(104_000).to_string(), "104");
        assert_eq!(Milli(36_650).to_string(), "36.65");
        assert_eq!(Milli(5).to_string(), "0.005");
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(v in 0i64..1_000_000_000_000) {
            let m = Milli(v);
            prop_assert_eq!(Milli::parse(&m.to_string()), Ok(m));
        }

        #[test]
        fn checked_times_is_exact_or_refused(v in 0i64..=Milli::MAX_PARSED.0, factor in 0i64..=1000) {
            let want = i128::from(v) * i128::from(factor);
            match Milli(v).checked_times(factor) {
                Some(m) => prop_assert_eq!(i128::from(m.0), want),
                None => prop_assert!(want > i128::from(i64::MAX)),
            }
        }

        #[test]
        fn from_f64_never_panics_or_wraps(v in proptest::num::f64::ANY) {
            if let Some(m) = Milli::from_f64(v) {
                prop_assert!(m.0 >= 0 && m.0 <= 1_000_000_000_000_000);
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = Milli::parse(&s);
        }
    }
}
