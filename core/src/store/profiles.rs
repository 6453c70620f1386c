//! Profiles on this device and which one is active.

use super::Store;
use super::rows::{PROFILE_COLUMNS, collect, profile_from_row};
use crate::domain::{HmCode, Profile, Relationship, check_display_name};
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

impl Store {
    /// Adds a profile. The first profile on a device becomes the active one.
    pub fn add_profile(&self, hm_code: &str, display_name: &str, relationship: Relationship) -> Result<Profile> {
        let hm_code = HmCode::parse(hm_code)?;
        let display_name = check_display_name(display_name)?;
        let now = self.clock.now();
        let profile = Profile { id: Uuid::now_v7(), hm_code, display_name, relationship, created_at: now };
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM \"profiles\" WHERE \"hm_code\" = ?1)",
            [profile.hm_code.as_str()],
            |r| r.get(0),
        )?;
        if exists {
            return Err(Error::ProfileExists);
        }
        tx.execute(
            "INSERT INTO \"profiles\" (\"id\", \"hm_code\", \"display_name\", \"relationship\", \"created_at_ms\") VALUES (?1, ?2, ?3, ?4, ?5)",
            params![profile.id.to_string(), profile.hm_code.as_str(), profile.display_name, relationship.as_str(), now.timestamp_millis()],
        )?;
        tx.execute(
            "INSERT INTO \"local_settings\" (\"key\", \"value\") VALUES ('active_profile', ?1) ON CONFLICT(\"key\") DO NOTHING",
            [profile.id.to_string()],
        )?;
        tx.commit()?;
        Ok(profile)
    }

    pub fn profiles(&self) -> Result<Vec<Profile>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {PROFILE_COLUMNS} FROM \"profiles\" ORDER BY \"created_at_ms\", \"id\""
        ))?;
        collect(&mut stmt, [], profile_from_row)
    }

    pub fn profile_by_hm_code(&self, hm_code: &str) -> Result<Profile> {
        let code = HmCode::parse(hm_code)?;
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {PROFILE_COLUMNS} FROM \"profiles\" WHERE \"hm_code\" = ?1"))?;
        collect(&mut stmt, [code.as_str()], profile_from_row)?.pop().ok_or(Error::NoProfileWithHmCode)
    }

    pub fn set_active_profile(&self, profile_id: Uuid) -> Result<()> {
        let conn = self.writer();
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM \"profiles\" WHERE \"id\" = ?1)",
            [profile_id.to_string()],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(Error::NotFound { entity: "profile" });
        }
        conn.execute(
            "INSERT INTO \"local_settings\" (\"key\", \"value\") VALUES ('active_profile', ?1) \
             ON CONFLICT(\"key\") DO UPDATE SET \"value\" = excluded.\"value\"",
            [profile_id.to_string()],
        )?;
        Ok(())
    }

    /// The profile readings go to unless another is named.
    pub fn active_profile(&self) -> Result<Profile> {
        let conn = self.reader();
        let id: Option<String> = conn
            .query_row("SELECT \"value\" FROM \"local_settings\" WHERE \"key\" = 'active_profile'", [], |r| r.get(0))
            .optional()?;
        let id = id.ok_or(Error::NoActiveProfile)?;
        let mut stmt = conn.prepare_cached(&format!("SELECT {PROFILE_COLUMNS} FROM \"profiles\" WHERE \"id\" = ?1"))?;
        collect(&mut stmt, [id], profile_from_row)?.pop().ok_or(Error::NoActiveProfile)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Relationship;
    use crate::error::Error;
    use crate::store::test_support::open_test_store;

    #[test]
    fn several_profiles_first_is_active() {
        let t = open_test_store();
        assert!(matches!(t.store.active_profile(), Err(Error::NoActiveProfile)));
        let me = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
        let mother = t.store.add_profile("３４００５６７８", "山田 トメ", Relationship::Family).unwrap();
        assert_eq!(t.store.active_profile().unwrap().id, me.id);
        assert!(matches!(t.store.add_profile("34001234", "dup", Relationship::Family), Err(Error::ProfileExists)));
        t.store.set_active_profile(mother.id).unwrap();
        assert_eq!(t.store.active_profile().unwrap().hm_code.as_str(), "34005678");
        assert_eq!(t.store.profiles().unwrap().len(), 2);
        assert_eq!(t.store.profile_by_hm_code("34005678").unwrap().display_name, "山田 トメ");
        assert!(matches!(t.store.profile_by_hm_code("99999999"), Err(Error::NoProfileWithHmCode)));
        assert!(matches!(t.store.add_profile("3400", "  ", Relationship::Family), Err(Error::Validation { .. })));
    }
}
