//! The people whose records this device keeps (the resident and family members they look
//! after), and which of them the app acts for.

use crate::error::ApiError;
use crate::facade::TechoCore;
use crate::ids::parse_id;
use crate::observer::SyncObserver;
use crate::runtime::on_runtime;
use crate::time::to_system_time;
use std::sync::Arc;
use std::time::SystemTime;
use techo_core::domain as core;

pub use techo_core::domain::Relationship;

#[uniffi::remote(Enum)]
pub enum Relationship {
    Myself,
    Family,
}

#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Profile {
    pub id: String,
    /// The HM card number; show it only where the person needs it (not in notifications).
    pub hm_code: String,
    pub display_name: String,
    pub relationship: Relationship,
    pub created_at: SystemTime,
}

impl From<core::Profile> for Profile {
    fn from(p: core::Profile) -> Self {
        Self {
            id: p.id.to_string(),
            hm_code: p.hm_code.to_string(),
            display_name: p.display_name,
            relationship: p.relationship,
            created_at: to_system_time(p.created_at),
        }
    }
}

impl TechoCore {
    /// The person `profile_id` names, for the family files' exports.
    pub(crate) fn profile_of(&self, profile_id: &str) -> Result<core::Profile, ApiError> {
        let id = parse_id("profile", profile_id)?;
        self.store
            .profiles()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ApiError::NotFound { entity: "profile".into() })
    }
}

#[uniffi::export]
impl TechoCore {
    /// Adds a person to this device. The HM code is checked and normalised by the core
    /// (full-width digits from a Japanese keyboard are fine). The first profile becomes active.
    pub fn add_profile(
        &self,
        hm_code: String,
        display_name: String,
        relationship: Relationship,
    ) -> Result<Profile, ApiError> {
        Ok(self.store.add_profile(&hm_code, &display_name, relationship)?.into())
    }

    pub fn profiles(&self) -> Result<Vec<Profile>, ApiError> {
        Ok(self.store.profiles()?.into_iter().map(Into::into).collect())
    }

    /// The profile the app acts for; `None` before the first run is finished.
    pub fn active_profile(&self) -> Result<Option<Profile>, ApiError> {
        match self.store.active_profile() {
            Ok(p) => Ok(Some(p.into())),
            Err(techo_core::Error::NoActiveProfile) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Switching whose data is shown is an explicit action (U8).
    pub fn set_active_profile(&self, profile_id: String) -> Result<(), ApiError> {
        Ok(self.store.set_active_profile(parse_id("profile", &profile_id)?)?)
    }

    /// A new name for a person on this device.
    pub fn rename_profile(&self, profile_id: String, display_name: String) -> Result<Profile, ApiError> {
        Ok(self.store.rename_profile(parse_id("profile", &profile_id)?, &display_name)?.into())
    }

    /// What removing a person would lose: their changes not yet accepted by the server. The
    /// confirmation says this number when it is not zero.
    pub fn unsent_changes(&self, profile_id: String) -> Result<u64, ApiError> {
        Ok(self.store.unsent_changes(parse_id("profile", &profile_id)?)?)
    }

    /// Whether a sync can send this person's changes: the device is signed in and the account
    /// may sync them. The removal question offers to send first only then.
    pub fn can_send_changes(&self, profile_id: String) -> Result<bool, ApiError> {
        let id = parse_id("profile", &profile_id)?;
        Ok(self.store.linked_profiles()?.iter().any(|p| p.id == id))
    }

    /// Removes a person and what this device holds of them (the server keeps its copy). With
    /// unsent changes it fails (`Conflict { UnsentChanges }`) unless `discard_unsent` carries the
    /// person's confirmation. Returns the records removed from this device.
    pub fn remove_profile(&self, profile_id: String, discard_unsent: bool) -> Result<u64, ApiError> {
        let removed = self.store.remove_profile(parse_id("profile", &profile_id)?, discard_unsent)?;
        // Decrypted copies of the person's photos go with them.
        self.clear_photo_cache()?;
        self.changed_locally();
        Ok(removed)
    }

    /// Removes a person without losing anything: sends what this device holds first, then removes
    /// them if none of their changes is left unsent. When something of theirs could not be sent
    /// (no connection, not signed in, a change the server refused) nothing is removed and the
    /// call fails with `Conflict { UnsentChanges }`; a run that fails outright (the key store
    /// locked, the sign-in refused) fails with its own error. Returns the records removed from
    /// this device. The run is reported to `observer` as `sync_now`'s is.
    pub async fn send_then_remove_profile(
        &self,
        profile_id: String,
        observer: Option<Arc<dyn SyncObserver>>,
    ) -> Result<u64, ApiError> {
        parse_id("profile", &profile_id)?;
        on_runtime(self.sync_run(observer)).await?;
        self.remove_profile(profile_id, false)
    }
}
