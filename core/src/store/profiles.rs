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

    /// After signing in: a person for each patient the account may sync who is not on this
    /// device yet (the account holder as `Myself`, named `own_name` if given; the others as
    /// family, named by their HM code until renamed). Returns the people added.
    pub fn add_account_patients(&self, account: &super::Account, own_name: Option<&str>) -> Result<Vec<Profile>> {
        let mut added = Vec::new();
        for code in &account.patients {
            match self.profile_by_hm_code(code) {
                Ok(_) => continue,
                Err(Error::NoProfileWithHmCode) => {}
                Err(e) => return Err(e),
            }
            let own = code == &account.hm_code;
            let name = match own_name {
                Some(n) if own => n.to_owned(),
                _ => format!("HM {code}"),
            };
            let relationship = if own { Relationship::Myself } else { Relationship::Family };
            match self.add_profile(code, &name, relationship) {
                Ok(p) => added.push(p),
                // Added meanwhile by another call: nothing to do.
                Err(Error::ProfileExists) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(added)
    }

    /// A new name for a person on this device (names stay on the device; the server knows HM
    /// codes only).
    pub fn rename_profile(&self, profile_id: Uuid, display_name: &str) -> Result<Profile> {
        let display_name = check_display_name(display_name)?;
        let conn = self.writer();
        let changed = conn.execute(
            "UPDATE \"profiles\" SET \"display_name\" = ?2 WHERE \"id\" = ?1",
            params![profile_id.to_string(), display_name],
        )?;
        if changed == 0 {
            return Err(Error::NotFound { entity: "profile" });
        }
        drop(conn);
        self.profile(profile_id)
    }

    /// Changes of this person not yet accepted by the server (waiting and refused), what
    /// removing the person would lose.
    pub fn unsent_changes(&self, profile_id: Uuid) -> Result<u64> {
        let profile = self.profile(profile_id)?;
        unsent_for(&self.reader(), &profile)
    }

    /// Removes a person and everything this device holds of them, in one transaction (the
    /// server keeps its copy; signing in with their card brings it back). Their unsent changes
    /// would be lost, so they block removal unless `discard_unsent` says the person confirmed
    /// it. The active person moves to the first one left. Returns the records removed.
    pub fn remove_profile(&self, profile_id: Uuid, discard_unsent: bool) -> Result<u64> {
        let profile = self.profile(profile_id)?;
        let id = profile.id.to_string();
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let unsent = unsent_for(&tx, &profile)?;
        if unsent > 0 && !discard_unsent {
            return Err(Error::UnsentChanges { count: unsent });
        }
        let mut removed = 0;
        for family in self.families.iter() {
            removed += family.forget(&tx, &profile)?;
        }
        tx.execute("DELETE FROM \"outbox\" WHERE \"patient\" = ?1", [profile.hm_code.as_str()])?;
        tx.execute("DELETE FROM \"record_versions\" WHERE \"patient\" = ?1", [profile.hm_code.as_str()])?;
        tx.execute("DELETE FROM \"parked_changes\" WHERE \"profile_id\" = ?1", [&id])?;
        tx.execute("DELETE FROM \"blobs\" WHERE \"profile_id\" = ?1", [&id])?;
        tx.execute("DELETE FROM \"sync_state\" WHERE \"profile_id\" = ?1", [&id])?;
        tx.execute("DELETE FROM \"profiles\" WHERE \"id\" = ?1", [&id])?;
        // Added again, the person downloads everything, what this copy wrote included.
        super::sync_state::forget_replica(&tx)?;
        let was_active =
            tx.execute("DELETE FROM \"local_settings\" WHERE \"key\" = 'active_profile' AND \"value\" = ?1", [&id])?;
        if was_active > 0 {
            tx.execute(
                "INSERT INTO \"local_settings\" (\"key\", \"value\") \
                 SELECT 'active_profile', \"id\" FROM \"profiles\" ORDER BY \"created_at_ms\", \"id\" LIMIT 1",
                [],
            )?;
        }
        tx.commit()?;
        Ok(removed)
    }

    fn profile(&self, profile_id: Uuid) -> Result<Profile> {
        super::sync_state::load_profile(&self.reader(), &profile_id.to_string())
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

/// Changes of `profile` in the outbox, waiting or refused: what removing the person would lose.
fn unsent_for(conn: &rusqlite::Connection, profile: &Profile) -> Result<u64> {
    let n: i64 =
        conn.query_row("SELECT count(*) FROM \"outbox\" WHERE \"patient\" = ?1", [profile.hm_code.as_str()], |r| {
            r.get(0)
        })?;
    Ok(n.unsigned_abs())
}

/// The profile with `hm_code`, read inside a transaction (conflict resolution runs in one).
pub(crate) fn profile_in(conn: &rusqlite::Connection, hm_code: &HmCode) -> Result<Option<Profile>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {PROFILE_COLUMNS} FROM \"profiles\" WHERE \"hm_code\" = ?1"))?;
    Ok(collect(&mut stmt, [hm_code.as_str()], profile_from_row)?.pop())
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

    #[test]
    fn a_person_can_be_renamed_but_not_to_nothing() {
        let t = open_test_store();
        let me = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
        assert_eq!(t.store.rename_profile(me.id, " 山田 はな ").unwrap().display_name, "山田 はな");
        assert!(matches!(t.store.rename_profile(me.id, "  "), Err(Error::Validation { .. })));
        assert!(matches!(t.store.rename_profile(uuid::Uuid::now_v7(), "x"), Err(Error::NotFound { .. })));
    }

    #[test]
    fn removing_the_last_person_leaves_no_active_one() {
        let t = open_test_store();
        let me = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
        assert_eq!(t.store.unsent_changes(me.id).unwrap(), 0);
        assert_eq!(t.store.remove_profile(me.id, false).unwrap(), 0);
        assert!(matches!(t.store.active_profile(), Err(Error::NoActiveProfile)));
        assert!(t.store.profiles().unwrap().is_empty());
    }

    #[test]
    fn signing_in_adds_the_accounts_patients_once() {
        let t = open_test_store();
        t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
        let account = crate::store::Account {
            server_url: "http://127.0.0.1:1".into(),
            hm_code: "34001234".into(),
            patients: vec!["34001234".into(), "34005678".into()],
        };
        let added = t.store.add_account_patients(&account, Some("ignored: already here")).unwrap();
        assert_eq!(added.len(), 1);
        assert_eq!((added[0].hm_code.as_str(), added[0].relationship), ("34005678", Relationship::Family));
        assert_eq!(added[0].display_name, "HM 34005678");
        assert!(t.store.add_account_patients(&account, None).unwrap().is_empty());
        assert_eq!(t.store.profile_by_hm_code("34001234").unwrap().display_name, "山田 花子");
    }
}
