//! The QR codes in a photo of a pharmacy receipt, as the raw symbols a camera scanner would give:
//! `rqrr` finds and samples each code's module grid, `techo-jahis` turns the grid into data
//! codewords (with error correction and the Structured Append header a plain decoder would throw
//! away) and then into bytes. Nothing here decodes text: that happens once, after assembly.
//!
//! Photos are opened under the one policy for untrusted images in `techo-photo` (format from
//! the first bytes, dimensions before decoding, capped decoder memory).

use crate::error::{Error, PhotoProblem, Result};
use crate::photo::{fit, open_untrusted};
use std::path::Path;
use techo_jahis::{ModuleGrid, QrPayload, decode_grid_payload};

/// QR detection runs on at most this many pixels on the long side; a receipt's codes stay
/// several pixels per module at this size, and detection time grows with the area.
const DETECT_SIDE: u32 = 2400;

/// What a photo held.
#[derive(Debug, Clone, Default)]
pub struct PhotoSymbols {
    pub symbols: Vec<QrPayload>,
    /// Codes found but not readable (blurred, cut off by the frame).
    pub unreadable: u32,
}

struct Sampled<'a, G: rqrr::BitGrid>(&'a G);

impl<G: rqrr::BitGrid> ModuleGrid for Sampled<'_, G> {
    fn size(&self) -> usize {
        self.0.size()
    }
    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.0.bit(y, x)
    }
}

/// Rec. 709 luma in 8-bit fixed point (weights sum to 256), as a camera scanner sees contrast.
fn luma(rgb: &[u8]) -> u8 {
    ((54 * u32::from(rgb[0]) + 183 * u32::from(rgb[1]) + 19 * u32::from(rgb[2]) + 128) >> 8) as u8
}

/// Every QR code in the JPEG or PNG at `path`.
pub fn qr_symbols_in_photo(path: &Path) -> Result<PhotoSymbols> {
    let bytes = std::fs::read(path)?;
    let photo = open_untrusted(&bytes)?;
    let (page, _) = photo.decode()?;
    // Codes are found in any orientation, so the photo is not turned upright.
    let page = fit(page, DETECT_SIDE)?;
    let (gw, gh) = (page.width() as usize, page.height() as usize);
    let rgb = page.as_raw();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(gw, gh, |x, y| luma(&rgb[(y * gw + x) * 3..][..3]));
    let mut out = PhotoSymbols::default();
    for grid in prepared.detect_grids() {
        match decode_grid_payload(&Sampled(&grid.grid)) {
            Ok((_, payload)) => out.symbols.push(payload),
            Err(_) => out.unreadable += 1,
        }
    }
    if out.symbols.is_empty() {
        return Err(Error::Photo { problem: PhotoProblem::NoCodeFound });
    }
    Ok(out)
}
