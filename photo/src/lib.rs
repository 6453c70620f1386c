//! Photos of paper (命の宝箱 pages, checkup results) made ready to keep and send: upright, no
//! metadata, small enough to upload over a weak connection, large enough to read small print.
//!
//! Photos are untrusted input and one policy holds for every photo the core opens
//! ([`open_untrusted`], also used by receipt scanning): the format is told from the first
//! bytes, the dimensions are checked before anything is decoded, and the decoder's memory is
//! capped, so a crafted file is a typed error, never an allocation of gigabytes.
//!
//! The pipeline: decode (zune-jpeg through `image`, or PNG) → shrink with a Catmull-Rom
//! convolution in fixed point (`resample`) so the long side fits the target → turn upright by
//! the EXIF orientation (on the smaller image) → baseline JPEG 4:2:0 (`jpeg-encoder`), which
//! writes no metadata, so GPS and the camera's EXIF are gone → a thumbnail from the resized
//! page → sha256 of the JPEG.

use image::metadata::Orientation;
use image::{ImageDecoder, ImageFormat, ImageReader, RgbImage};
use sha2::{Digest, Sha256};
use std::io::Cursor;

mod jpeg;
mod pixels;
mod resample;
mod upright;

/// Why a photo was refused; nothing was made of it. No detail of the picture is carried: what
/// the person photographed is patient data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Neither JPEG nor PNG (the apps convert HEIC before handing a photo over).
    #[error("not a JPEG or PNG image")]
    UnsupportedFormat,
    /// Over the size accepted, or a decoder would need more memory than allowed.
    #[error("the image is too large")]
    TooLarge,
    /// Truncated or corrupt.
    #[error("the image file is damaged")]
    Damaged,
    /// The caller's [`PhotoSettings`] are out of range.
    #[error("photo settings out of range")]
    InvalidSettings,
}

pub type Result<T> = std::result::Result<T, PhotoError>;

/// Larger photos are refused before decoding (a phone camera gives at most about 50 MP).
pub const MAX_SIDE: u32 = 8192;
pub const MAX_PIXELS: u64 = 50_000_000;
/// What the decoder may allocate for one photo: a 50 MP RGB image and room to spare, far
/// below `image`'s default of 512 MiB, which is too much to ask of a phone.
const DECODER_MEMORY: u64 = 200 * 1024 * 1024;

/// How a page is stored and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoSettings {
    /// The long side of the stored page, in pixels; smaller photos are never enlarged.
    pub long_side: u32,
    /// JPEG quality (1–100).
    pub quality: u8,
    /// The long side of the thumbnail.
    pub thumbnail_side: u32,
}

impl Default for PhotoSettings {
    /// 2,400 px on the long side keeps an A4 sheet at about 200 dpi, where the 8-point print of
    /// a checkup table stays legible; quality 85 keeps the edges of small characters clean.
    fn default() -> Self {
        Self { long_side: 2400, quality: 85, thumbnail_side: 320 }
    }
}

/// A page ready to store: both images are baseline JPEG without metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
    /// Content address of `jpeg`.
    pub sha256: [u8; 32],
}

impl std::fmt::Debug for PreparedPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A photo of a medical sheet is patient data: sizes only.
        f.debug_struct("PreparedPhoto")
            .field("bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("thumbnail_bytes", &self.thumbnail.len())
            .finish_non_exhaustive()
    }
}

/// A photo that passed the checks, not yet decoded.
pub struct Untrusted<'a> {
    bytes: &'a [u8],
    format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Checks what `bytes` are and how large they claim to be, without decoding pixels.
pub fn open_untrusted(bytes: &[u8]) -> Result<Untrusted<'_>> {
    let format = match bytes {
        [0x89, b'P', b'N', b'G', ..] => ImageFormat::Png,
        [0xFF, 0xD8, 0xFF, ..] => ImageFormat::Jpeg,
        _ => return Err(PhotoError::UnsupportedFormat),
    };
    // The decoder fills a cut-off JPEG with grey rather than failing; a page half missing is
    // a damaged file to the person, so the end of the image must be there.
    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        return Err(PhotoError::Damaged);
    }
    let (width, height) = reader(bytes, format).into_dimensions().map_err(photo_error)?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooLarge);
    }
    Ok(Untrusted { bytes, format, width, height })
}

/// Whether an end-of-image marker follows the first scan. The segments before the scan are
/// walked by their lengths (an EXIF block may hold any bytes, a whole thumbnail included);
/// inside scan data a 0xFF byte is always followed by 0x00 or a restart marker, so FF D9 there
/// is the end. Data a camera appends after the end (motion photos) is allowed.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let mut at = 2;
    loop {
        match bytes.get(at..at + 4) {
            Some([0xFF, 0xDA, ..]) => break,
            // Fill bytes before a marker.
            Some([0xFF, 0xFF, ..]) => at += 1,
            Some([0xFF, _, hi, lo]) => at += 2 + usize::from(u16::from_be_bytes([*hi, *lo])),
            _ => return false,
        }
    }
    bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9])
}

fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(DECODER_MEMORY);
    reader.limits(limits);
    reader
}

impl Untrusted<'_> {
    /// The pixels as 8-bit RGB, and how the camera says they must be turned to stand upright.
    pub fn decode(&self) -> Result<(RgbImage, Orientation)> {
        let mut decoder = reader(self.bytes, self.format).into_decoder().map_err(photo_error)?;
        // A damaged EXIF block costs the orientation, not the photo.
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        let layout = pixels::Layout::of(decoder.color_type()).ok_or(PhotoError::UnsupportedFormat)?;
        if decoder.total_bytes() > DECODER_MEMORY {
            return Err(PhotoError::TooLarge);
        }
        // Read in the decoder's own layout and turned into RGB here, instead of through
        // `DynamicImage`, whose conversions between all of `image`'s pixel types the phone
        // library would otherwise carry.
        let mut raw = vec![0; usize::try_from(decoder.total_bytes()).map_err(|_| PhotoError::TooLarge)?];
        decoder.read_image(&mut raw).map_err(photo_error)?;
        let rgb = layout.into_rgb8(raw);
        let image = RgbImage::from_raw(self.width, self.height, rgb).ok_or(PhotoError::Damaged)?;
        Ok((image, orientation))
    }
}

fn photo_error(e: image::ImageError) -> PhotoError {
    // The bytes are already in memory, so an I/O error from the decoder means a truncated file.
    match e {
        image::ImageError::Limits(_) => PhotoError::TooLarge,
        _ => PhotoError::Damaged,
    }
}

/// A JPEG or PNG file's bytes as a stored page and its thumbnail.
pub fn prepare(bytes: &[u8], settings: &PhotoSettings) -> Result<PreparedPhoto> {
    if settings.long_side == 0 || settings.thumbnail_side == 0 || !(1..=100).contains(&settings.quality) {
        return Err(PhotoError::InvalidSettings);
    }
    let (image, orientation) = open_untrusted(bytes)?.decode()?;
    let page = upright::upright(fit(image, settings.long_side)?, orientation).ok_or(PhotoError::Damaged)?;
    let thumbnail = shrunk(&page, settings.thumbnail_side)?;
    let jpeg = jpeg::encode(&page, settings.quality)?;
    let thumbnail = jpeg::encode(&thumbnail, settings.quality)?;
    Ok(PreparedPhoto {
        sha256: Sha256::digest(&jpeg).into(),
        width: page.width(),
        height: page.height(),
        jpeg,
        thumbnail,
    })
}

/// `image` scaled so its long side is at most `long_side`, keeping the aspect ratio; itself
/// when it is no larger.
pub fn fit(image: RgbImage, long_side: u32) -> Result<RgbImage> {
    if image.width().max(image.height()) <= long_side { Ok(image) } else { shrunk(&image, long_side) }
}

/// A smaller copy of `image` whose long side is `long_side` at most (read in place, so the
/// thumbnail does not copy the page first).
fn shrunk(image: &RgbImage, long_side: u32) -> Result<RgbImage> {
    let (w, h) = image.dimensions();
    let scale = f64::from(long_side) / f64::from(w.max(h));
    if scale >= 1.0 {
        return Ok(image.clone());
    }
    let size = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
    let (nw, nh) = (size(w), size(h));
    let pixels = resample::shrink_rgb(image.as_raw(), w as usize, h as usize, nw as usize, nh as usize);
    RgbImage::from_raw(nw, nh, pixels).ok_or(PhotoError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EXIF (big-endian TIFF) with an orientation and a GPS position, as a phone writes it.
    fn exif(orientation: u16) -> Vec<u8> {
        let mut t = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
        // IFD0 at 8: two entries (orientation, GPS IFD pointer), then no next IFD.
        t.extend_from_slice(&2u16.to_be_bytes());
        t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        t.extend_from_slice(&orientation.to_be_bytes());
        t.extend_from_slice(&[0, 0]);
        let gps_ifd = 8 + 2 + 12 * 2 + 4;
        t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
        t.extend_from_slice(&(gps_ifd as u32).to_be_bytes());
        t.extend_from_slice(&0u32.to_be_bytes());
        // GPS IFD: latitude reference 'N' (ASCII, fits in the entry).
        t.extend_from_slice(&1u16.to_be_bytes());
        t.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        t.extend_from_slice(&0u32.to_be_bytes());
        t
    }

    /// A picture whose top-left quarter is red and the rest blue, so every turn and mirror puts
    /// the red corner somewhere else; with a camera's grain.
    fn marked(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            let grain = ((x * 7 + y * 13) % 11) as u8;
            if x < width / 2 && y < height / 2 {
                image::Rgb([225 + grain, 15 + grain, 15 + grain])
            } else {
                image::Rgb([15 + grain, 15 + grain, 225 + grain])
            }
        })
    }

    fn jpeg_with_exif(image: &RgbImage, exif: Option<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 95);
        if let Some(exif) = exif {
            encoder.add_app_segment(1, exif).unwrap();
        }
        encoder
            .encode(image.as_raw(), image.width() as u16, image.height() as u16, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    fn prepare_bytes(bytes: &[u8], settings: &PhotoSettings) -> Result<PreparedPhoto> {
        prepare(bytes, settings)
    }

    fn problem(r: Result<PreparedPhoto>) -> PhotoError {
        r.expect_err("the photo is refused")
    }

    fn decoded(jpeg: &[u8]) -> RgbImage {
        image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).unwrap().into_rgb8()
    }

    fn is_red(p: &image::Rgb<u8>) -> bool {
        p.0[0] > 150 && p.0[2] < 100
    }

    /// The corner that holds red after each EXIF orientation: (left, top).
    #[test]
    fn every_exif_orientation_stands_the_page_upright() {
        let source = marked(160, 80);
        for (tag, swapped, red_left, red_top) in [
            (1, false, true, true),
            (2, false, false, true),
            (3, false, false, false),
            (4, false, true, false),
            (5, true, true, true),
            (6, true, false, true),
            (7, true, false, false),
            (8, true, true, false),
        ] {
            let out = prepare_bytes(&jpeg_with_exif(&source, Some(exif(tag))), &PhotoSettings::default()).unwrap();
            let (w, h) = if swapped { (80, 160) } else { (160, 80) };
            assert_eq!((out.width, out.height), (w, h), "orientation {tag}");
            let pixels = decoded(&out.jpeg);
            assert_eq!(pixels.dimensions(), (w, h));
            let x = if red_left { w / 4 } else { w - w / 4 };
            let y = if red_top { h / 4 } else { h - h / 4 };
            assert!(is_red(pixels.get_pixel(x, y)), "orientation {tag}: red at ({x}, {y})");
            let (ox, oy) = (w - 1 - x, h - 1 - y);
            assert!(!is_red(pixels.get_pixel(ox, oy)), "orientation {tag}: not red at ({ox}, {oy})");
        }
    }

    /// No EXIF, GPS or any other metadata segment survives: only the JPEG's own structure.
    #[test]
    fn metadata_and_gps_are_gone() {
        let input = jpeg_with_exif(&marked(640, 480), Some(exif(1)));
        assert!(input.windows(4).any(|w| w == b"Exif"));
        let out = prepare_bytes(&input, &PhotoSettings::default()).unwrap();
        for jpeg in [&out.jpeg, &out.thumbnail] {
            assert!(!jpeg.windows(4).any(|w| w == b"Exif"));
            let mut at = 2;
            while at + 4 <= jpeg.len() && jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
                let marker = jpeg[at + 1];
                assert!(!(0xE1..=0xEF).contains(&marker), "APP{} segment kept", marker - 0xE0);
                at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
            }
            assert_eq!(jpeg.get(at..at + 2), Some(&[0xFF, 0xDA][..]), "segments end at the scan");
        }
        assert_eq!(out.sha256, <[u8; 32]>::from(Sha256::digest(&out.jpeg)));
    }

    #[test]
    fn pages_shrink_to_the_target_and_small_ones_are_never_enlarged() {
        let settings = PhotoSettings { long_side: 400, quality: 85, thumbnail_side: 100 };
        let out = prepare_bytes(&jpeg_with_exif(&marked(1200, 900), None), &settings).unwrap();
        assert_eq!((out.width, out.height), (400, 300));
        assert_eq!(decoded(&out.thumbnail).dimensions(), (100, 75));
        let small = prepare_bytes(&jpeg_with_exif(&marked(300, 200), None), &settings).unwrap();
        assert_eq!((small.width, small.height), (300, 200));
        let mut png = Vec::new();
        marked(90, 60).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        let from_png = prepare_bytes(&png, &settings).unwrap();
        assert_eq!((from_png.width, from_png.height), (90, 60));
        assert!(from_png.jpeg.starts_with(&[0xFF, 0xD8]));
    }

    /// A PNG header claiming `width` × `height`, with a CRC so the decoder reads on.
    fn png_claiming(width: u32, height: u32, idat: &[u8]) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let crc = crc32(&out[start..]);
            out.extend_from_slice(&crc.to_be_bytes());
        }
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", idat);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    /// PNG's chunk checksum (ISO 3309 CRC-32), so a crafted header still reads as valid.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A real JPEG whose frame header was edited to claim `width` × `height`.
    fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = jpeg_with_exif(&marked(16, 16), None);
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline frame header");
        jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
        jpeg
    }

    #[test]
    fn oversized_and_damaged_files_are_refused_before_decoding() {
        let settings = PhotoSettings::default();
        assert_eq!(problem(prepare_bytes(&png_claiming(65_535, 65_535, &[]), &settings)), PhotoError::TooLarge);
        assert_eq!(problem(prepare_bytes(&jpeg_claiming(65_000, 65_000), &settings)), PhotoError::TooLarge);
        // Within each side's limit but over 50 MP.
        assert_eq!(problem(prepare_bytes(&png_claiming(8_000, 7_000, &[]), &settings)), PhotoError::TooLarge);
        // A bomb (a little compressed data claiming 67 MP) is refused by its header: the
        // compressed stream is never inflated.
        let zlib_start = [0x78, 0xDA, 0xED, 0xC1, 0x01, 0x0D, 0x00, 0x00, 0x00, 0xC2];
        assert_eq!(problem(prepare_bytes(&png_claiming(8_192, 8_192, &zlib_start), &settings)), PhotoError::TooLarge);

        let whole = jpeg_with_exif(&marked(640, 480), None);
        assert_eq!(problem(prepare_bytes(&whole[..40], &settings)), PhotoError::Damaged);
        // Cut in the middle of the picture data (a copy interrupted).
        assert_eq!(problem(prepare_bytes(&whole[..whole.len() / 2], &settings)), PhotoError::Damaged);
        assert_eq!(problem(prepare_bytes(b"GIF89a\x01\0\x01\0", &settings)), PhotoError::UnsupportedFormat);
        assert_eq!(problem(prepare_bytes(b"\0\0\0\x18ftypheic\0\0\0\0", &settings)), PhotoError::UnsupportedFormat);
        assert_eq!(problem(prepare_bytes(&[], &settings)), PhotoError::UnsupportedFormat);
    }

    /// Writes `photo/fuzz/seeds/photo/` (committed; scripts/fuzz.sh copies it into the corpus):
    /// small pictures of every kind the pipeline meets, so fuzzing starts past the headers.
    /// `cargo test -p techo-photo -- --ignored write_fuzz_seeds`
    #[test]
    #[ignore]
    fn write_fuzz_seeds() {
        use image::{DynamicImage as D, ImageFormat as F};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/photo");
        std::fs::create_dir_all(&dir).unwrap();
        let picture = marked(24, 16);
        let write = |name: &str, bytes: Vec<u8>| std::fs::write(dir.join(name), bytes).unwrap();
        write("orientation-6-gps.jpg", jpeg_with_exif(&picture, Some(exif(6))));
        write("plain.jpg", jpeg_with_exif(&picture, None));
        let mut progressive = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut progressive, 80);
        encoder.set_progressive(true);
        encoder.encode(picture.as_raw(), 24, 16, jpeg_encoder::ColorType::Rgb).unwrap();
        write("progressive.jpg", progressive);
        let png = |image: D| {
            let mut out = Vec::new();
            image.write_to(&mut Cursor::new(&mut out), F::Png).unwrap();
            out
        };
        let rgb = D::ImageRgb8(picture);
        write("rgb.png", png(rgb.clone()));
        write("grey.png", png(D::ImageLuma8(rgb.to_luma8())));
        write("grey-alpha.png", png(D::ImageLumaA8(rgb.to_luma_alpha8())));
        write("rgba.png", png(D::ImageRgba8(rgb.to_rgba8())));
        write("rgb16.png", png(D::ImageRgb16(rgb.to_rgb16())));
        write("claims-8000x7000.png", png_claiming(8_000, 7_000, &[]));
    }
}
