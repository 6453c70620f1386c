//! Problems found in a readable document, as data: the parser reports, the caller decides.
//!
//! An issue names where (line, record number, field position) and what kind, never the field's
//! value, so a list of issues can be logged or shown to support as is.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueCode {
    /// A field required in this output direction is empty or missing.
    RequiredFieldMissing,
    /// Required because of another field (201 code when its code type ≠ 1, and alike).
    ConditionalFieldMissing,
    /// Longer than the spec's maximum in Shift_JIS bytes; kept whole.
    FieldTooLong,
    /// Type 9 field with something other than digits.
    NotNumeric,
    /// Type X field with something other than ASCII letters, digits, `.` and `-`.
    NotAlphanumeric,
    /// Neither `YYYYMMDD` nor an era date `GYYMMDD` that names a real day.
    InvalidDate,
    /// Not in the field's code list.
    UnknownCode,
    /// More fields than the spec defines; kept.
    ExtraFields,
    /// Bytes that are not CP932; decoded as U+FFFD.
    InvalidEncoding,
    /// A record number this crate does not know; kept in `unknown_records`.
    UnknownRecord,
    /// A record that may occur once where it occurs again; kept in `unplaced`.
    DuplicateRecord,
    /// A 調剤 record (11…601) before any 5 調剤等年月日: it cannot be attributed to a block.
    RecordBeforeDispensingDate,
    /// A patient-level record (1, 2, 3, 31, 4) after the 調剤 blocks began; still placed.
    RecordOutOfOrder,
    /// A 281/291 not directly after a 201 (or its other 281/291).
    SupplementWithoutDrug,
    /// The 281/291 names another RP than the 201 it follows; attached to that 201 anyway.
    RpNumberMismatch,
    /// A 311/391 for an RP that has no 301.
    UsageSupplementWithoutUsage,
    /// A 301 for an RP with no 201.
    UsageWithoutDrug,
    /// An RP with drugs and no 301.
    RpWithoutUsage,
    /// A 調剤 block without its 11 調剤－医療機関等.
    MissingInstitution,
    /// A 31 whose 通番 matches no record 3.
    OtcIngredientWithoutOtc,
    /// A 911 left in a document (an unmerged split part) or one that is malformed.
    SplitControl,
    /// While writing: a character CP932 cannot hold, written as `？`.
    UnencodableCharacter,
}

impl IssueCode {
    /// A stable snake_case name, for machine-readable reports (a pharmacy system's 400 answer).
    pub fn as_str(self) -> &'static str {
        use IssueCode::*;
        match self {
            RequiredFieldMissing => "required_field_missing",
            ConditionalFieldMissing => "conditional_field_missing",
            FieldTooLong => "field_too_long",
            NotNumeric => "not_numeric",
            NotAlphanumeric => "not_alphanumeric",
            InvalidDate => "invalid_date",
            UnknownCode => "unknown_code",
            ExtraFields => "extra_fields",
            InvalidEncoding => "invalid_encoding",
            UnknownRecord => "unknown_record",
            DuplicateRecord => "duplicate_record",
            RecordBeforeDispensingDate => "record_before_dispensing_date",
            RecordOutOfOrder => "record_out_of_order",
            SupplementWithoutDrug => "supplement_without_drug",
            RpNumberMismatch => "rp_number_mismatch",
            UsageSupplementWithoutUsage => "usage_supplement_without_usage",
            UsageWithoutDrug => "usage_without_drug",
            RpWithoutUsage => "rp_without_usage",
            MissingInstitution => "missing_institution",
            OtcIngredientWithoutOtc => "otc_ingredient_without_otc",
            SplitControl => "split_control",
            UnencodableCharacter => "unencodable_character",
        }
    }

    /// Errors make the block (or the document, outside blocks) unfit to import; warnings do not.
    pub fn level(self) -> Level {
        use IssueCode::*;
        match self {
            FieldTooLong | NotAlphanumeric | UnknownCode | ExtraFields | UnknownRecord | DuplicateRecord
            | RecordOutOfOrder | RpNumberMismatch | UnencodableCharacter => Level::Warning,
            RequiredFieldMissing
            | ConditionalFieldMissing
            | NotNumeric
            | InvalidDate
            | InvalidEncoding
            | RecordBeforeDispensingDate
            | SupplementWithoutDrug
            | UsageSupplementWithoutUsage
            | UsageWithoutDrug
            | RpWithoutUsage
            | MissingInstitution
            | OtcIngredientWithoutOtc
            | SplitControl => Level::Error,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub level: Level,
    pub code: IssueCode,
    /// 1-based line in the decoded text (the header is line 1).
    pub line: u32,
    /// `None` for the header or a line whose record number is not a number.
    pub record_no: Option<u16>,
    /// Field position as the spec counts it (1 = first field after the record number).
    pub field: Option<u16>,
    /// The 調剤 block (0-based, in document order) the record belongs to.
    pub block: Option<u32>,
}

impl Issue {
    /// Issues in line order, those of one line in the order they were found. One function for
    /// every caller, so the phone library carries one copy of the sort.
    pub(crate) fn sort_by_line(issues: &mut [Issue]) {
        issues.sort_by_key(|i| i.line);
    }

    pub(crate) fn new(code: IssueCode, line: u32, record_no: Option<u16>, field: Option<u16>) -> Self {
        Self { level: code.level(), code, line, record_no, field, block: None }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{level} {} at line {}", self.code.as_str(), self.line)?;
        if let Some(no) = self.record_no {
            write!(f, ", record {no}")?;
        }
        if let Some(field) = self.field {
            write!(f, ", field {field}")?;
        }
        Ok(())
    }
}
