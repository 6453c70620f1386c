//! Photographed pages as files the screens can show, for every family that keeps them (命の宝箱,
//! 健診結果): a page's blob is fetched (from the store, or downloaded and checked against the
//! record that names it), decrypted into the app's private cache, and named by its hash.

use crate::error::ApiError;
use crate::facade::TechoCore;
use std::future::Future;
use std::path::{Path, PathBuf};
use techo_core::domain::Profile;
use techo_core::store::PhotoPage;

impl TechoCore {
    /// The work behind a family's `…_page_file` export, for it to hand to `on_runtime`: `page`
    /// (or its preview) as a JPEG file in the photo cache, its path returned. Owned inputs, so
    /// the work does not borrow the core and a cancelled caller cannot leave it halfway.
    pub(crate) fn page_file_work(
        &self,
        profile: Profile,
        page: PhotoPage,
        thumbnail: bool,
    ) -> impl Future<Output = Result<String, ApiError>> + Send + 'static {
        let client = self.client.clone();
        let dir = self.photo_cache();
        async move {
            let blob = if thumbnail { &page.thumbnail } else { &page.image };
            let bytes = client.fetch_blob(&profile, blob).await?;
            std::fs::create_dir_all(&dir).map_err(techo_core::Error::from)?;
            // Named by the image's hash, whichever family shows it: the same photo is the same file.
            let sha = &page.image.sha256;
            let name = if thumbnail { format!("{sha}-thumb.jpg") } else { format!("{sha}.jpg") };
            let path = dir.join(name);
            write_private(&path, &bytes)?;
            Ok(path.to_string_lossy().into_owned())
        }
    }

    /// Whether `page`'s preview is on this device, so a screen offline can tell a page it can
    /// show from one that waits for a download.
    pub(crate) fn preview_on_device(&self, profile: &Profile, page: &PhotoPage) -> Result<bool, ApiError> {
        Ok(self.store.blob_bytes(profile, &page.thumbnail.sha256)?.is_some())
    }

    fn photo_cache(&self) -> PathBuf {
        self.store.path().parent().map_or_else(|| PathBuf::from("photo-cache"), |d| d.join("photo-cache"))
    }
}

#[uniffi::export]
impl TechoCore {
    /// Deletes the decrypted copies the `…_page_file` calls wrote (the app calls it when it goes
    /// to the background; the core does at start, on sign-out and when a person is removed; the
    /// pages stay encrypted in the store).
    pub fn clear_photo_cache(&self) -> Result<(), ApiError> {
        match std::fs::remove_dir_all(self.photo_cache()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(techo_core::Error::from(e).into()),
            _ => Ok(()),
        }
    }
}

/// Written whole under a temporary name and renamed, readable by the app alone.
/// When a page was added, as the screens take a time (`None` if the record's text is not one).
pub(crate) fn page_added_at(page: &PhotoPage) -> Option<std::time::SystemTime> {
    chrono::DateTime::parse_from_rfc3339(&page.added_at)
        .ok()
        .map(|t| crate::time::to_system_time(t.with_timezone(&chrono::Utc)))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    use std::io::Write;
    let tmp = path.with_extension("part");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(techo_core::Error::from)?;
    file.write_all(bytes).map_err(techo_core::Error::from)?;
    std::fs::rename(&tmp, path).map_err(techo_core::Error::from)?;
    Ok(())
}
