//! Keys in 0600 files: the CLI's fallback where no OS keyring is reachable (headless Linux, CI).

use super::KeyStore;
use crate::error::KeyStoreError;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub struct FileKeyStore {
    dir: PathBuf,
}

impl FileKeyStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path_for(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.key"))
    }
}

fn io_err(what: &str, e: std::io::Error) -> KeyStoreError {
    KeyStoreError::Unavailable(format!("{what}: {}", e.kind()))
}

impl KeyStore for FileKeyStore {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        match fs::read(self.path_for(name)) {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                let text =
                    std::str::from_utf8(&bytes).map_err(|_| KeyStoreError::Refused("key file is not text".into()))?;
                let key = hex::decode(text.trim()).map_err(|_| KeyStoreError::Refused("key file is not hex".into()))?;
                Ok(Some(Zeroizing::new(key)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("reading the key file", e)),
        }
    }

    fn save(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        fs::create_dir_all(&self.dir).map_err(|e| io_err("creating the key directory", e))?;
        let path = self.path_for(name);
        let tmp = path.with_extension("key.tmp");
        let text = Zeroizing::new(hex::encode(secret));
        write_private(&tmp, text.as_bytes()).map_err(|e| io_err("writing the key file", e))?;
        fs::rename(&tmp, &path).map_err(|e| io_err("installing the key file", e))?;
        // The rename must reach the disk before the database that depends on the key does.
        sync_dir(&self.dir).map_err(|e| io_err("syncing the key directory", e))?;
        Ok(())
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path());
        assert!(store.load("k").unwrap().is_none());
        store.save("k", &[1, 2, 3]).unwrap();
        assert_eq!(store.load("k").unwrap().unwrap().as_slice(), &[1, 2, 3]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path_for("k")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
