//! Photos of paper as the core takes them: a file the shell names (never the bytes across the
//! FFI), read here and handed to `techo-photo`, which holds the pipeline and the one policy for
//! opening untrusted images (pure and fuzzed on its own). Its refusals become the core's
//! [`crate::Error::Photo`] in `error.rs`.

use crate::error::Result;
use std::path::Path;

pub use techo_photo::{MAX_PIXELS, MAX_SIDE, PhotoSettings, PreparedPhoto};
pub(crate) use techo_photo::{fit, open_untrusted};

/// The JPEG or PNG at `path` as a stored page and its thumbnail.
pub fn prepare_photo(path: &Path, settings: &PhotoSettings) -> Result<PreparedPhoto> {
    let bytes = std::fs::read(path)?;
    Ok(techo_photo::prepare(&bytes, settings)?)
}
