//! [`BlobFiles`] as files under the server's data directory: `uploads/<upload id>.part` while an
//! upload is in progress, `blobs/<first two hex digits>/<sha256>` once stored. Files are the
//! owner's only (0600 in 0700 directories), like the database.

use super::blobs::{BlobFiles, is_upload_id};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use techo_protocol::uploads::is_sha256_hex;

pub struct FsBlobFiles {
    uploads: PathBuf,
    blobs: PathBuf,
}

fn bad_name() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a blob or upload name")
}

/// A new or renamed directory entry survives power loss only once its directory is synced.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates `dir` (owner only) if missing, and makes its entry in `parent` durable.
fn durable_dir(dir: &Path, parent: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    crate::auth::secret::private_dir(dir)?;
    sync_dir(parent)
}

fn open_private(path: &Path, create: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(create).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

impl FsBlobFiles {
    /// Files under `data_dir` (the directory of `server.db`); directories are made when first needed.
    pub fn new(data_dir: &Path) -> Self {
        Self { uploads: data_dir.join("uploads"), blobs: data_dir.join("blobs") }
    }

    fn part_path(&self, upload_id: &str) -> io::Result<PathBuf> {
        if !is_upload_id(upload_id) {
            return Err(bad_name());
        }
        Ok(self.uploads.join(format!("{upload_id}.part")))
    }

    fn blob_dir(&self, sha256: &str) -> io::Result<PathBuf> {
        if !is_sha256_hex(sha256) {
            return Err(bad_name());
        }
        Ok(self.blobs.join(&sha256[..2]))
    }

    fn blob_path(&self, sha256: &str) -> io::Result<PathBuf> {
        Ok(self.blob_dir(sha256)?.join(sha256))
    }

    fn data_dir(&self) -> &Path {
        self.uploads.parent().unwrap_or(Path::new("."))
    }
}

/// The names in `dir` that are valid UTF-8; none if it was never made.
fn names_in(dir: &Path) -> io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        if let Ok(name) = entry?.file_name().into_string() {
            names.push(name);
        }
    }
    Ok(names)
}

fn len_or_zero(path: &Path) -> io::Result<u64> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

impl BlobFiles for FsBlobFiles {
    fn part_len(&self, upload_id: &str) -> io::Result<u64> {
        len_or_zero(&self.part_path(upload_id)?)
    }

    fn truncate_part(&self, upload_id: &str, len: u64) -> io::Result<()> {
        let path = self.part_path(upload_id)?;
        if len_or_zero(&path)? <= len {
            return Ok(());
        }
        let f = open_private(&path, false)?;
        f.set_len(len)?;
        f.sync_all()
    }

    fn write_part(&self, upload_id: &str, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let path = self.part_path(upload_id)?;
        durable_dir(&self.uploads, self.data_dir())?;
        let created = !path.exists();
        let mut f = open_private(&path, true)?;
        let len = f.metadata()?.len();
        if len < offset {
            // A gap would be zeros the client never sent.
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "partial upload shorter than the offset"));
        }
        if len > offset {
            f.set_len(offset)?;
        }
        f.seek(SeekFrom::Start(offset))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        if created {
            sync_dir(&self.uploads)?;
        }
        Ok(())
    }

    fn part_sha256(&self, upload_id: &str) -> io::Result<String> {
        let mut f = File::open(self.part_path(upload_id)?)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    fn promote(&self, upload_id: &str, sha256: &str) -> io::Result<()> {
        let part = self.part_path(upload_id)?;
        let dir = self.blob_dir(sha256)?;
        durable_dir(&self.blobs, self.data_dir())?;
        durable_dir(&dir, &self.blobs)?;
        // Another patient's identical blob may be there already: replacing it with the same
        // bytes is atomic and harmless.
        std::fs::rename(&part, dir.join(sha256))?;
        sync_dir(&dir)?;
        sync_dir(&self.uploads)
    }

    fn remove_part(&self, upload_id: &str) -> io::Result<()> {
        match std::fs::remove_file(self.part_path(upload_id)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    fn blob_len(&self, sha256: &str) -> io::Result<Option<u64>> {
        match std::fs::metadata(self.blob_path(sha256)?) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn read_blob(&self, sha256: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.blob_path(sha256)?)
    }

    fn part_ids(&self) -> io::Result<Vec<String>> {
        let mut ids = Vec::new();
        for name in names_in(&self.uploads)? {
            if let Some(id) = name.strip_suffix(".part").filter(|id| is_upload_id(id)) {
                ids.push(id.to_owned());
            }
        }
        Ok(ids)
    }

    fn stored_blobs(&self) -> io::Result<Vec<(String, SystemTime)>> {
        let mut found = Vec::new();
        for dir in names_in(&self.blobs)? {
            // Anything not laid out as `blobs/<first two hex digits>/<sha256>` is not ours to judge.
            if dir.len() != 2 {
                continue;
            }
            for name in names_in(&self.blobs.join(&dir))? {
                if !is_sha256_hex(&name) || !name.starts_with(&dir) {
                    continue;
                }
                match std::fs::metadata(self.blob_path(&name)?) {
                    Ok(m) => found.push((name, m.modified()?)),
                    // Removed since the listing.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(found)
    }

    fn remove_blob(&self, sha256: &str) -> io::Result<()> {
        match std::fs::remove_file(self.blob_path(sha256)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}
