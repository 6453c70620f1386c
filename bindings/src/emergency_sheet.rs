//! 命の宝箱 for the apps: the field catalogue (groups, kinds, labels in both languages, so both
//! apps list and name the same fields), the person's sheet, saves (fields, a photo page from a
//! file path, removing a page, settling a conflict), the version history, and a page's image as
//! a file for the screen to show (downloaded on demand).

use crate::error::ApiError;
use crate::facade::TechoCore;
use crate::runtime::on_runtime;
use crate::time::{CalendarDay, to_system_time};
use std::path::PathBuf;
use std::time::SystemTime;
use techo_core::domain::emergency_sheet::{CATALOGUE, FieldGroup, FieldKind, catalogue_field};
use techo_core::photo::PhotoSettings;
use techo_core::store::{EmergencySheet, PhotoPage, SheetVersion};

/// How a field is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SheetFieldKind {
    /// One line.
    Line,
    /// Several lines.
    Text,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A phone number (the phone keypad).
    Phone,
    /// One of `choices`.
    Choice,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SheetFieldInfo {
    /// What a save names it by, e.g. `medical.blood_type`.
    pub key: String,
    pub kind: SheetFieldKind,
    /// For `Choice`: the values a save takes (`A`, `B`, `O`, `AB`, `unknown`; `female`, …).
    pub choices: Vec<String>,
    pub max_chars: u32,
    pub label_ja: String,
    pub label_en: String,
}

/// One group of fields as the sheet shows and prints them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SheetFieldGroup {
    pub key: String,
    pub label_ja: String,
    pub label_en: String,
    pub fields: Vec<SheetFieldInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SheetFieldValue {
    pub key: String,
    /// Empty clears the field.
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SheetPage {
    /// 1-based, in the order the sheet shows them.
    pub number: u32,
    /// What `emergency_page_file` and `remove_emergency_page` take.
    pub image_sha256: String,
    pub thumbnail_sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub added_at: Option<SystemTime>,
}

/// A field saved differently on two devices: the sheet shows `theirs`; the person chooses.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SheetConflict {
    pub key: String,
    pub label_ja: String,
    pub label_en: String,
    /// This device's value (empty: cleared here).
    pub ours: String,
    pub theirs: String,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EmergencySheetView {
    /// Fields with a value, in catalogue order (fields of a newer app last).
    pub fields: Vec<SheetFieldValue>,
    pub pages: Vec<SheetPage>,
    /// Photos added here that did not fit beside another phone's (12 at most): the next page
    /// removed makes room for the first; `remove_emergency_page` discards one.
    pub waiting_pages: Vec<SheetPage>,
    /// "Last updated".
    pub saved_at: SystemTime,
    /// HM code of the account that saved it (the person, or a family member).
    pub saved_by_account: Option<String>,
    pub saved_on_this_device: bool,
    pub conflicts: Vec<SheetConflict>,
    /// Saves not on the server yet.
    pub unsent: bool,
    /// Not updated for a year: a gentle reminder to look it over.
    pub review_due: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SheetVersionView {
    pub number: i64,
    pub saved_at: SystemTime,
    pub saved_by_account: Option<String>,
    pub saved_here: bool,
    /// Keys of the fields this version added, changed or cleared.
    pub changed_fields: Vec<String>,
    pub pages: u32,
}

fn kind(k: FieldKind) -> (SheetFieldKind, Vec<String>) {
    match k {
        FieldKind::Line => (SheetFieldKind::Line, vec![]),
        FieldKind::Text => (SheetFieldKind::Text, vec![]),
        FieldKind::Date => (SheetFieldKind::Date, vec![]),
        FieldKind::Phone => (SheetFieldKind::Phone, vec![]),
        FieldKind::Choice(c) => (SheetFieldKind::Choice, c.iter().map(|s| (*s).to_owned()).collect()),
    }
}

fn sheet_pages(pages: &[PhotoPage]) -> Vec<SheetPage> {
    pages
        .iter()
        .enumerate()
        .map(|(i, p)| SheetPage {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            image_sha256: p.image.sha256.clone(),
            thumbnail_sha256: p.thumbnail.sha256.clone(),
            width: p.width,
            height: p.height,
            bytes: p.image.size,
            added_at: crate::photos::page_added_at(p),
        })
        .collect()
}

fn view(core: &TechoCore, s: EmergencySheet) -> EmergencySheetView {
    EmergencySheetView {
        fields: s.fields.into_iter().map(|(key, value)| SheetFieldValue { key, value }).collect(),
        pages: sheet_pages(&s.pages),
        waiting_pages: sheet_pages(&s.waiting_pages),
        saved_at: to_system_time(s.saved_at),
        saved_on_this_device: s.saved_by.device == core.store.device_id(),
        saved_by_account: s.saved_by.account,
        conflicts: s
            .conflicts
            .into_iter()
            .map(|c| {
                let (label_ja, label_en) = catalogue_field(&c.key)
                    .map_or((c.key.clone(), c.key.clone()), |f| (f.label_ja.to_owned(), f.label_en.to_owned()));
                SheetConflict { key: c.key, label_ja, label_en, ours: c.ours, theirs: c.theirs }
            })
            .collect(),
        unsent: s.unsent,
        review_due: s.review_due,
    }
}

fn version(v: SheetVersion) -> SheetVersionView {
    SheetVersionView {
        number: v.number,
        saved_at: to_system_time(v.saved_at),
        saved_by_account: v.saved_by.account,
        saved_here: v.saved_here,
        changed_fields: v.changed_fields,
        pages: u32::try_from(v.pages).unwrap_or(u32::MAX),
    }
}

/// The sheet's fields by group, in the order the sheet shows and prints them.
#[uniffi::export]
pub fn emergency_sheet_fields() -> Vec<SheetFieldGroup> {
    FieldGroup::ALL
        .iter()
        .map(|g| SheetFieldGroup {
            key: g.key().to_owned(),
            label_ja: g.label_ja().to_owned(),
            label_en: g.label_en().to_owned(),
            fields: CATALOGUE
                .iter()
                .filter(|f| f.group == *g)
                .map(|f| {
                    let (kind, choices) = kind(f.kind);
                    SheetFieldInfo {
                        key: f.key.to_owned(),
                        kind,
                        choices,
                        max_chars: u32::try_from(f.max_chars).unwrap_or(u32::MAX),
                        label_ja: f.label_ja.to_owned(),
                        label_en: f.label_en.to_owned(),
                    }
                })
                .collect(),
        })
        .collect()
}

impl TechoCore {
    fn saved(&self, sheet: EmergencySheet) -> EmergencySheetView {
        self.changed_locally();
        view(self, sheet)
    }
}

#[uniffi::export]
impl TechoCore {
    /// The person's 命の宝箱, or nothing before the first save.
    pub fn emergency_sheet(&self, profile_id: String) -> Result<Option<EmergencySheetView>, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        Ok(self.store.emergency_sheet(&profile)?.map(|s| view(self, s)))
    }

    /// Saves typed-in fields as a new version (an empty value clears a field). Every value is
    /// checked first (`DocumentField` names the one refused); nothing is saved if one is.
    pub fn save_emergency_fields(
        &self,
        profile_id: String,
        fields: Vec<SheetFieldValue>,
    ) -> Result<EmergencySheetView, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let edits: Vec<(String, String)> = fields.into_iter().map(|f| (f.key, f.value)).collect();
        Ok(self.saved(self.store.save_emergency_fields(&profile, &edits)?))
    }

    /// Adds a photo (JPEG or PNG at `path`; iOS converts HEIC first) of the paper sheet as a
    /// page: made upright, stripped of metadata, resized, kept encrypted, sent at the next sync.
    /// The file at `path` is not needed afterwards. `Photo` errors say why one was refused.
    pub fn add_emergency_page(&self, profile_id: String, path: String) -> Result<EmergencySheetView, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let sheet = self.store.add_emergency_page(&profile, &PathBuf::from(path), &PhotoSettings::default())?;
        Ok(self.saved(sheet))
    }

    /// Removes a page (older versions keep it; a waiting page takes its place), or discards a
    /// waiting page.
    pub fn remove_emergency_page(
        &self,
        profile_id: String,
        image_sha256: String,
    ) -> Result<EmergencySheetView, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        Ok(self.saved(self.store.remove_emergency_page(&profile, &image_sha256)?))
    }

    /// Settles a field saved differently on two devices: this device's value (`keep_ours`,
    /// saved as a new version) or the one the sheet shows.
    pub fn resolve_emergency_conflict(
        &self,
        profile_id: String,
        key: String,
        keep_ours: bool,
    ) -> Result<EmergencySheetView, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        Ok(self.saved(self.store.resolve_emergency_conflict(&profile, &key, keep_ours)?))
    }

    /// What the medication notebook already knows for fields the sheet leaves empty (patient
    /// details, allergies and side effects, past illnesses, what is taken on `today`), for the
    /// screen to offer; nothing is saved until the person confirms with `save_emergency_fields`.
    pub fn emergency_sheet_suggestions(
        &self,
        profile_id: String,
        today: CalendarDay,
    ) -> Result<Vec<SheetFieldValue>, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let today = chrono::NaiveDate::try_from(today)?;
        Ok(self
            .store
            .emergency_sheet_suggestions(&profile, today)?
            .into_iter()
            .map(|(key, value)| SheetFieldValue { key, value })
            .collect())
    }

    /// The sheet as one HTML document for an A4 page, to print and keep in the fridge door
    /// pocket where an ambulance crew looks (every field in its group, the empty ones left to
    /// fill in by hand; a blank form when nothing is written yet). Days as they are at
    /// `utc_offset_minutes`. Both platforms print HTML as it is.
    pub fn emergency_sheet_print(&self, profile_id: String, utc_offset_minutes: i32) -> Result<String, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        Ok(self.store.emergency_sheet_print(&profile, crate::time::fixed_offset(utc_offset_minutes)?)?)
    }

    /// Every version this device saved or received, newest first.
    pub fn emergency_sheet_history(&self, profile_id: String) -> Result<Vec<SheetVersionView>, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        Ok(self.store.emergency_sheet_history(&profile)?.into_iter().map(version).collect())
    }

    /// Adds the versions the server kept from devices this one never heard from to the history
    /// (`emergency_sheet_history` afterwards). `ApiError::Network` when the server cannot be
    /// reached: the history then has this device's versions only, and the screen says so. Not
    /// signed in, there is nothing to fetch.
    pub async fn refresh_emergency_sheet_history(&self, profile_id: String) -> Result<(), ApiError> {
        let profile = self.profile_of(&profile_id)?;
        if self.store.account()?.is_none() {
            return Ok(());
        }
        let client = self.client.clone();
        let who = profile.clone();
        let id = techo_core::domain::emergency_sheet::sheet_id(&profile.hm_code).to_string();
        let fetched = on_runtime(async move {
            Ok(client.fetch_versions(&who, &techo_core::store::Entity::EmergencySheet, &id).await?)
        })
        .await;
        match fetched {
            Ok(versions) => {
                self.store.keep_sheet_versions(&profile, &versions)?;
                Ok(())
            }
            // Never written on the server: nothing to add.
            Err(ApiError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A page (or its preview) as a JPEG file the screen can show, in the app's private cache
    /// (`photo-cache` beside the database; `clear_photo_cache` empties it). A page added on
    /// another device is downloaded first, checked against the sheet, and kept encrypted.
    pub async fn emergency_page_file(
        &self,
        profile_id: String,
        image_sha256: String,
        thumbnail: bool,
    ) -> Result<String, ApiError> {
        let profile = self.profile_of(&profile_id)?;
        let sheet = self.store.emergency_sheet(&profile)?.ok_or(ApiError::NotFound { entity: "page".into() })?;
        let page = sheet
            .pages
            .into_iter()
            .chain(sheet.waiting_pages)
            .find(|p| p.image.sha256 == image_sha256)
            .ok_or(ApiError::NotFound { entity: "page".into() })?;
        on_runtime(self.page_file_work(profile, page, thumbnail)).await
    }
}
