//! Where the database key lives.
//!
//! The core never invents a place to keep secrets: the shells implement [`KeyStore`] over the
//! iOS Keychain / Android Keystore, the CLI uses the OS keyring (`desktop-keys` feature), and
//! tests use [`MemoryKeyStore`].

mod database_key;
#[cfg(feature = "desktop-keys")]
pub mod desktop;
mod file;

pub(crate) use database_key::DatabaseKey;
pub use file::FileKeyStore;

use crate::error::KeyStoreError;
use std::collections::HashMap;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Name under which the database key is kept.
pub const DATABASE_KEY: &str = "database-key";

/// A platform secret store. Implementations must be durable: a key reported as saved must come
/// back from `load` after a restart, or the encrypted database becomes unreadable.
pub trait KeyStore: Send + Sync {
    /// `Ok(None)` when nothing is stored under `name`.
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError>;
    fn save(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError>;
}

/// Keeps keys in process memory; for tests and throwaway stores.
#[derive(Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
}

impl MemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn remove(&self, name: &str) {
        self.lock().remove(name);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Zeroizing<Vec<u8>>>> {
        // A panic while holding this lock cannot leave the map half-updated.
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        Ok(self.lock().get(name).cloned())
    }

    fn save(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        self.lock().insert(name.to_owned(), Zeroizing::new(secret.to_vec()));
        Ok(())
    }
}

impl<T: KeyStore + ?Sized> KeyStore for std::sync::Arc<T> {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        (**self).load(name)
    }
    fn save(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        (**self).save(name, secret)
    }
}
