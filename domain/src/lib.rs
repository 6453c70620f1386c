//! Kenko Techo domain rules that the device core and the server share: the record families
//! and their wire mapping, validation, quantities, HM codes.
//!
//! No SQLite, HTTP or async runtime: the phone library, the server and (soon) the JAHIS parser
//! used on both sides link this crate (the JAHIS TC parser, `techo-jahis`, sits beside it). Each family has its types, rules and wire mapping here
//! and registers its [`FamilySpec`] once in [`FamilySpecs::builtin`].

pub mod checkup;
pub mod emergency_sheet;
mod error;
pub mod family;
pub mod medication;
pub mod photo_pages;
mod profile;
mod quantity;
pub mod validation;
mod vitals;
pub mod vitals_wire;

pub use error::{DomainError, Result, ValidationReason};
pub use family::{FamilySpec, FamilySpecs, Refusal};
pub use profile::{DISPLAY_NAME_MAX_CHARS, HmCode, Profile, Relationship, check_display_name};
pub use quantity::{DecimalError, Milli};
pub use validation::{
    Field, NOTE_MAX_CHARS, ValidationContext, WEIGHT_CHANGE_WINDOW, Warning, WarningCode, validate, validate_content,
};
pub use vitals::{BpContext, GlucoseTiming, GlucoseUnit, NewVital, Source, Vital, VitalKind, VitalValue};
