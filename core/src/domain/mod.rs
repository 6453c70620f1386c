//! Domain types and rules, free of storage and I/O.

mod bp_summary;
mod entry;
mod profile;
mod quantity;
mod series;
pub(crate) mod validation;
mod vitals;

pub use bp_summary::{
    BpObservation, HomeBpClass, HomeBpSummary, MIN_DAYS, OccasionSummary, WINDOW_DAYS, home_bp_summary,
};
pub use entry::{VitalForm, VitalFormEntry};
pub(crate) use profile::check_display_name;
pub use profile::{DISPLAY_NAME_MAX_CHARS, HmCode, Profile, Relationship};
pub use quantity::{DecimalError, Milli};
pub use series::{Accumulator, Bucket, DayAggregate, SeriesPoint, Stats, fold_days};
pub use validation::{
    Field, NOTE_MAX_CHARS, ValidationContext, WEIGHT_CHANGE_WINDOW, Warning, WarningCode, validate, validate_content,
};
pub use vitals::{BpContext, GlucoseTiming, GlucoseUnit, NewVital, Source, Vital, VitalKind, VitalValue};
