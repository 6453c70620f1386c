//! Writing a page as baseline JPEG (4:2:0, no metadata segments) with `jpeg-encoder`.
//!
//! The pixels go to the encoder as one concrete row source ([`RgbRows`]) rather than through
//! `Encoder::encode`, which takes the colour type at run time and so builds the encoder for all
//! nine of them (about 150 KB of the phone library for formats never used). The colour
//! conversion is ours for the same reason, written as a plain loop the compiler vectorises.

use crate::{PhotoError, Result};
use image::RgbImage;

/// `image` as a baseline JPEG, 4:2:0, without metadata.
pub(super) fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let (Ok(width), Ok(height)) = (u16::try_from(image.width()), u16::try_from(image.height())) else {
        return Err(PhotoError::TooLarge);
    };
    let mut out = Vec::with_capacity(image.as_raw().len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    // The standard Huffman tables: fitted ones (`set_optimized_huffman_tables`) are 5 % smaller,
    // but zune-jpeg, the decoder of the Rust `image` crate, decodes those files wrongly (colours
    // swapped; libjpeg-turbo reads them right), and a page must look the same wherever it is read.
    encoder.encode_image(RgbRows { pixels: image.as_raw(), width, height }).map_err(|_| PhotoError::Damaged)?;
    Ok(out)
}

/// RGB pixels handed to the encoder a row at a time, as luma and the two chroma planes.
struct RgbRows<'a> {
    pixels: &'a [u8],
    width: u16,
    height: u16,
}

impl jpeg_encoder::ImageBuffer for RgbRows<'_> {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        jpeg_encoder::JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width
    }

    fn height(&self) -> u16 {
        self.height
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let width = usize::from(self.width);
        let row = &self.pixels[usize::from(y) * width * 3..][..width * 3];
        let [luma, blue, red, _] = buffers;
        let at = luma.len();
        for plane in [&mut *luma, &mut *blue, &mut *red] {
            plane.resize(at + width, 0);
        }
        to_ycbcr(row, &mut luma[at..], &mut blue[at..], &mut red[at..]);
    }
}

/// One row of RGB as JFIF's Y, Cb and Cr. On x86-64 the loop is built a second time for AVX2
/// (the SSE2 baseline has no 32-bit multiply), used when the CPU has it; NEON always has one.
fn to_ycbcr(rgb: &[u8], luma: &mut [u8], blue: &mut [u8], red: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { to_ycbcr_avx2(rgb, luma, blue, red) };
    }
    to_ycbcr_portable(rgb, luma, blue, red)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn to_ycbcr_avx2(rgb: &[u8], luma: &mut [u8], blue: &mut [u8], red: &mut [u8]) {
    to_ycbcr_portable(rgb, luma, blue, red)
}

/// ITU-R BT.601 full range as JFIF defines it, the coefficients scaled by 2^16.
#[inline(always)]
fn to_ycbcr_portable(rgb: &[u8], luma: &mut [u8], blue: &mut [u8], red: &mut [u8]) {
    // Rounded as the encoder's own conversion rounds, so either path writes the same file.
    const ROUND: i32 = (1 << 15) - 1;
    const CENTRE: i32 = 128 << 16;
    let planes = luma.iter_mut().zip(blue.iter_mut()).zip(red.iter_mut());
    for (px, ((y, cb), cr)) in rgb.chunks_exact(3).zip(planes) {
        let (r, g, b) = (i32::from(px[0]), i32::from(px[1]), i32::from(px[2]));
        // Each weighted sum stays within 0..=255 × 2^16 before the shift, so `as u8` is exact.
        *y = ((19595 * r + 38470 * g + 7471 * b + ROUND) >> 16) as u8;
        *cb = ((-11059 * r - 21709 * g + 32768 * b + CENTRE + ROUND) >> 16) as u8;
        *cr = ((32768 * r - 27439 * g - 5329 * b + CENTRE + ROUND) >> 16) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_convert_as_the_encoder_itself_converts_them() {
        let mut rgb = Vec::new();
        for r in (0..=255u8).step_by(15) {
            for g in (0..=255u8).step_by(17) {
                for b in [0, 1, 127, 128, 254, 255] {
                    rgb.extend_from_slice(&[r, g, b]);
                }
            }
        }
        let n = rgb.len() / 3;
        let (mut y, mut cb, mut cr) = (vec![0; n], vec![0; n], vec![0; n]);
        to_ycbcr(&rgb, &mut y, &mut cb, &mut cr);
        for (i, px) in rgb.chunks_exact(3).enumerate() {
            assert_eq!((y[i], cb[i], cr[i]), jpeg_encoder::rgb_to_ycbcr(px[0], px[1], px[2]), "{px:?}");
        }
    }

    #[test]
    fn a_page_encodes_to_the_same_bytes_as_the_encoders_own_rgb_path() {
        let image = RgbImage::from_fn(37, 23, |x, y| image::Rgb([(x * 7) as u8, (y * 11) as u8, (x * y) as u8]));
        let ours = encode(&image, 85).unwrap();
        let mut theirs = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut theirs, 85);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        encoder.encode(image.as_raw(), 37, 23, jpeg_encoder::ColorType::Rgb).unwrap();
        assert_eq!(ours, theirs);
    }
}
