//! The home screen's view model: whose data it is, today's records, the latest of each kind,
//! the summaries and the sync line, in one call, because every FFI call costs microseconds
//! through JNA. A new record family adds its part of the screen here.

use crate::checkups::CheckupEntry;
use crate::error::ApiError;
use crate::facade::TechoCore;
use crate::ids::parse_id;
use crate::profiles::Profile;
use crate::sync::SyncStatus;
use crate::time::local_time;
use crate::vitals::{HomeBpSummary, Vital};
use chrono::{Duration as Days, TimeZone};
use std::time::SystemTime;
use techo_core::store::VitalQuery;

/// Everything the home screen shows, in one call.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct HomeScreen {
    pub profile: Profile,
    /// Readings taken today (local day at the given offset), newest first.
    pub today: Vec<Vital>,
    /// The newest reading of each type.
    pub latest: Vec<Vital>,
    pub bp_summary: HomeBpSummary,
    /// The newest checkup (its date and most serious judgement), if any.
    pub latest_checkup: Option<CheckupEntry>,
    pub sync: SyncStatus,
}

#[uniffi::export]
impl TechoCore {
    /// Everything the home screen shows, in one call.
    pub fn home_screen(
        &self,
        profile_id: String,
        now: SystemTime,
        utc_offset_minutes: i32,
    ) -> Result<HomeScreen, ApiError> {
        let id = parse_id("profile", &profile_id)?;
        let profile = self
            .store
            .profiles()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(ApiError::NotFound { entity: "profile".into() })?;
        let local = local_time(now, utc_offset_minutes)?;
        let midnight = local
            .timezone()
            .from_local_datetime(&local.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .ok_or_else(|| ApiError::Internal { reason: "no local midnight".into() })?;
        let next_midnight = midnight
            .checked_add_signed(Days::days(1))
            .ok_or_else(|| ApiError::Internal { reason: "time out of range".into() })?;
        let today = VitalQuery {
            from: Some(midnight.to_utc()),
            to: Some(next_midnight.to_utc()),
            limit: 500,
            ..VitalQuery::default()
        };
        let latest_checkup = self.latest_checkup(&profile)?;
        Ok(HomeScreen {
            profile: profile.into(),
            today: self.store.list_vitals(id, &today)?.items.into_iter().map(Into::into).collect(),
            latest: self.store.latest_vitals(id)?.into_iter().map(Into::into).collect(),
            bp_summary: self.store.home_bp_summary(id, local)?.into(),
            latest_checkup,
            sync: self.sync_status()?,
        })
    }
}
