//! The platform key store, implemented by the shells (iOS Keychain, Android Keystore). The core
//! keeps the database key and the sync refresh token here and nowhere else.

use crate::error::ApiError;
use std::sync::Arc;
use techo_core::KeyStoreError;
use techo_core::keys::KeyStore;
use zeroize::Zeroizing;

/// Named `DeviceKeyStore` because `KeyStore` is `java.security.KeyStore`, which the Android
/// implementation itself uses.
#[uniffi::export(foreign)]
pub trait DeviceKeyStore: Send + Sync {
    /// `null`/`nil` when nothing is stored under `name`. Throw `ApiError.KeyStore` when the
    /// store cannot be reached (device locked): the core then refuses to open rather than
    /// creating a new key.
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, ApiError>;
    /// Must be durable when it returns: a lost key makes the local data unreadable.
    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), ApiError>;
}

/// The shell's store seen through the core's trait.
pub(crate) struct ForeignKeys(pub Arc<dyn DeviceKeyStore>);

impl KeyStore for ForeignKeys {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        Ok(self.0.load(name.to_owned())?.map(Zeroizing::new))
    }

    fn save(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        Ok(self.0.save(name.to_owned(), secret.to_vec())?)
    }
}
