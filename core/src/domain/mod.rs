//! Domain types and rules, free of storage and I/O. The rules the server shares live in
//! `techo-domain` and are re-exported here; what only a device needs (form parsing, the home-BP
//! summary, chart series, what a medication entry shows) lives beside them.

mod bp_summary;
pub mod chart;
mod entry;
pub mod medication_view;
mod series;
pub mod sheet_prefill;
pub mod sheet_print;
pub mod shown;

pub use bp_summary::{
    BpObservation, HomeBpClass, HomeBpSummary, MIN_DAYS, OccasionSummary, WINDOW_DAYS, home_bp_summary,
};
pub use entry::{VitalForm, VitalFormEntry};
pub use series::{Accumulator, Bucket, DayAggregate, SeriesPoint, Stats, fold_days};
pub use techo_domain::checkup;
pub use techo_domain::emergency_sheet;
pub use techo_domain::validation::parse_iso_date;
pub use techo_domain::{
    BpContext, DISPLAY_NAME_MAX_CHARS, DecimalError, Field, GlucoseTiming, GlucoseUnit, HmCode, Milli, NOTE_MAX_CHARS,
    NewVital, Profile, Relationship, Source, ValidationContext, Vital, VitalKind, VitalValue, WEIGHT_CHANGE_WINDOW,
    Warning, WarningCode, check_display_name, validate, validate_content,
};
