//! Desktop/CLI key storage: the OS keyring (Secret Service, macOS Keychain, Windows Credential
//! Manager) through the `keyring` crate, falling back to a 0600 key file where no keyring is
//! reachable. Which one holds the key is reported, never silently chosen.

use super::{FileKeyStore, KeyStore};
use crate::error::KeyStoreError;
use keyring_core::{CredentialStore, Entry};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use zeroize::Zeroizing;

const SERVICE: &str = "kenko-techo";

/// Entries in one keyring credential store, namespaced per data directory so that two data
/// directories on one machine never share a key.
pub struct KeyringKeyStore {
    store: Arc<CredentialStore>,
    namespace: String,
}

impl KeyringKeyStore {
    pub fn new(store: Arc<CredentialStore>, data_dir: &Path) -> Self {
        let digest = Sha256::digest(data_dir.to_string_lossy().as_bytes());
        Self { store, namespace: hex::encode(&digest[..8]) }
    }

    /// The platform's keyring, if one answers.
    pub fn platform(data_dir: &Path) -> Result<Self, KeyStoreError> {
        keyring::Entry::store_status().as_ref().map_err(|e| KeyStoreError::Unavailable(describe(e)))?;
        let store = keyring_core::get_default_store()
            .ok_or_else(|| KeyStoreError::Unavailable("no default credential store".into()))?;
        Ok(Self::new(store, data_dir))
    }

    fn entry(&self, name: &str) -> Result<Entry, KeyStoreError> {
        Entry::new_in_store(&self.store, SERVICE, &format!("{name}@{}", self.namespace))
            .map_err(|e| KeyStoreError::Unavailable(describe(&e)))
    }
}

/// keyring errors can embed the stored bytes (`BadEncoding`); report the kind only.
fn describe(e: &keyring_core::Error) -> String {
    use keyring_core::Error as E;
    match e {
        E::PlatformFailure(_) => "platform failure".into(),
        E::NoStorageAccess(_) => "no access to the credential store".into(),
        E::NoEntry => "no entry".into(),
        E::NoDefaultStore => "no credential store on this platform".into(),
        E::NotSupportedByStore(_) => "operation not supported by the credential store".into(),
        _ => "credential store error".into(),
    }
}

impl KeyStore for KeyringKeyStore {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        match self.entry(name)?.get_secret() {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(KeyStoreError::Unavailable(describe(&e))),
        }
    }

    fn save(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        self.entry(name)?.set_secret(secret).map_err(|e| KeyStoreError::Refused(describe(&e)))
    }
}

/// Where a [`DesktopKeyStore`] keeps (or would keep) its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    OsKeyring,
    File(PathBuf),
}

/// OS keyring first, key file second. Loading looks in both (a key saved to the file while the
/// keyring was unreachable must still be found later); saving prefers the keyring and reads the
/// secret back before trusting it.
pub struct DesktopKeyStore {
    keyring: Option<KeyringKeyStore>,
    file: FileKeyStore,
    used_file: AtomicBool,
    keyring_problem: Option<String>,
}

/// Setting `TECHO_KEYSTORE=file` skips the OS keyring (tests, CI, machines without a session bus).
pub const FORCE_FILE_ENV: &str = "TECHO_KEYSTORE";

impl DesktopKeyStore {
    pub fn for_data_dir(data_dir: &Path) -> Self {
        let forced_file = std::env::var(FORCE_FILE_ENV).is_ok_and(|v| v == "file");
        let (keyring, keyring_problem) = if forced_file {
            (None, Some(format!("{FORCE_FILE_ENV}=file is set")))
        } else {
            match KeyringKeyStore::platform(data_dir) {
                Ok(k) => (Some(k), None),
                Err(e) => (None, Some(e.to_string())),
            }
        };
        Self::with_parts(keyring, FileKeyStore::new(data_dir), keyring_problem)
    }

    pub fn with_parts(keyring: Option<KeyringKeyStore>, file: FileKeyStore, keyring_problem: Option<String>) -> Self {
        Self { keyring, file, used_file: AtomicBool::new(false), keyring_problem }
    }

    /// Where the database key was found or put by the last `load`/`save`.
    pub fn location(&self, name: &str) -> KeyLocation {
        if self.keyring.is_none() || self.used_file.load(Ordering::Relaxed) {
            KeyLocation::File(self.file.path_for(name))
        } else {
            KeyLocation::OsKeyring
        }
    }

    /// Why the OS keyring is not in use, if it is not.
    pub fn keyring_problem(&self) -> Option<&str> {
        self.keyring_problem.as_deref()
    }
}

impl KeyStore for DesktopKeyStore {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        if let Some(k) = &self.keyring {
            // An unreachable keyring is not "no key": fall through to the file, and if neither has
            // it the caller reports a missing key instead of creating a new one.
            if let Ok(Some(secret)) = k.load(name) {
                return Ok(Some(secret));
            }
        }
        let found = self.file.load(name)?;
        if found.is_some() {
            self.used_file.store(true, Ordering::Relaxed);
        }
        Ok(found)
    }

    fn save(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        if let Some(k) = &self.keyring
            && k.save(name, secret).is_ok()
            && k.load(name).ok().flatten().is_some_and(|back| back.as_slice() == secret)
        {
            return Ok(());
        }
        self.file.save(name, secret)?;
        self.used_file.store(true, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock_keyring(dir: &Path) -> KeyringKeyStore {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().expect("mock store");
        KeyringKeyStore::new(store, dir)
    }

    #[test]
    fn prefers_the_keyring_and_namespaces_by_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let keyring = mock_keyring(dir.path());
        let other = KeyringKeyStore::new(keyring.store.clone(), &dir.path().join("other"));
        let ks = DesktopKeyStore::with_parts(Some(keyring), FileKeyStore::new(dir.path()), None);
        ks.save("database-key", &[7; 32]).unwrap();
        assert_eq!(ks.location("database-key"), KeyLocation::OsKeyring);
        assert!(!ks.file.path_for("database-key").exists());
        assert_eq!(ks.load("database-key").unwrap().unwrap().as_slice(), &[7; 32]);
        assert!(other.load("database-key").unwrap().is_none());
    }

    #[test]
    fn falls_back_to_a_file_and_still_finds_it_later() {
        let dir = tempfile::tempdir().unwrap();
        let ks = DesktopKeyStore::with_parts(None, FileKeyStore::new(dir.path()), Some("no keyring".into()));
        ks.save("database-key", &[9; 32]).unwrap();
        assert_eq!(ks.location("database-key"), KeyLocation::File(dir.path().join("database-key.key")));
        // Later the keyring is reachable but empty: the file key is still used.
        let ks2 = DesktopKeyStore::with_parts(Some(mock_keyring(dir.path())), FileKeyStore::new(dir.path()), None);
        assert_eq!(ks2.load("database-key").unwrap().unwrap().as_slice(), &[9; 32]);
        assert!(matches!(ks2.location("database-key"), KeyLocation::File(_)));
    }
}
