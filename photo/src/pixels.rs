//! The few sample layouts a JPEG or PNG decodes to, turned into 8-bit RGB. Transparent parts
//! are laid on white, as the page would look printed: a photographed form has no alpha, but a
//! screenshot or a scan saved as PNG may, and dropping alpha would turn clear areas black.

use image::ColorType;

/// A decoder's layout: channels per pixel, and whether samples are 16-bit (native-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    grey: bool,
    alpha: bool,
    wide: bool,
}

impl Layout {
    /// `None` for layouts neither decoder produces (floating point).
    pub(crate) fn of(color: ColorType) -> Option<Self> {
        let (grey, alpha, wide) = match color {
            ColorType::L8 => (true, false, false),
            ColorType::La8 => (true, true, false),
            ColorType::Rgb8 => (false, false, false),
            ColorType::Rgba8 => (false, true, false),
            ColorType::L16 => (true, false, true),
            ColorType::La16 => (true, true, true),
            ColorType::Rgb16 => (false, false, true),
            ColorType::Rgba16 => (false, true, true),
            _ => return None,
        };
        Some(Self { grey, alpha, wide })
    }

    fn channels(self) -> usize {
        (if self.grey { 1 } else { 3 }) + usize::from(self.alpha)
    }

    /// `raw` (whole pixels in this layout) as RGB, three bytes a pixel; RGB itself is handed
    /// back as it is, so the common camera photo is never held twice.
    pub(crate) fn into_rgb8(self, raw: Vec<u8>) -> Vec<u8> {
        if self == (Self { grey: false, alpha: false, wide: false }) {
            return raw;
        }
        let samples = self.channels();
        let sample_bytes = if self.wide { 2 } else { 1 };
        let pixel_bytes = samples * sample_bytes;
        let mut out = Vec::with_capacity(raw.len() / pixel_bytes * 3);
        let mut pixel = [0u8; 4];
        for source in raw.chunks_exact(pixel_bytes) {
            for (i, sample) in pixel.iter_mut().take(samples).enumerate() {
                *sample =
                    if self.wide { narrow(u16::from_ne_bytes([source[2 * i], source[2 * i + 1]])) } else { source[i] };
            }
            let rgb = if self.grey { [pixel[0]; 3] } else { [pixel[0], pixel[1], pixel[2]] };
            if self.alpha {
                let a = pixel[samples - 1];
                out.extend(rgb.map(|v| on_white(v, a)));
            } else {
                out.extend(rgb);
            }
        }
        out
    }
}

/// A 16-bit sample to 8 bits, rounded to the nearest (65535 / 255 = 257).
fn narrow(v: u16) -> u8 {
    ((u32::from(v) + 128) / 257) as u8
}

/// `v` with coverage `a` over a white page.
fn on_white(v: u8, a: u8) -> u8 {
    let (v, a) = (u32::from(v), u32::from(a));
    ((v * a + 255 * (255 - a) + 127) / 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::DynamicImage;

    /// Opaque layouts come out as `image`'s own conversion would make them.
    #[test]
    fn opaque_layouts_match_image() {
        let (w, h) = (5, 3);
        let byte = |x: u32, y: u32, c: u32| ((x * 53 + y * 31 + c * 97) % 256) as u8;
        let word = |x: u32, y: u32, c: u32| ((x * 13_001 + y * 7_919 + c * 30_011) % 65_536) as u16;
        let images = [
            DynamicImage::ImageLuma8(image::GrayImage::from_fn(w, h, |x, y| image::Luma([byte(x, y, 0)]))),
            DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([byte(x, y, 0), byte(x, y, 1), byte(x, y, 2)])
            })),
            DynamicImage::ImageLuma16(image::ImageBuffer::from_fn(w, h, |x, y| image::Luma([word(x, y, 0)]))),
            DynamicImage::ImageRgb16(image::ImageBuffer::from_fn(w, h, |x, y| {
                image::Rgb([word(x, y, 0), word(x, y, 1), word(x, y, 2)])
            })),
        ];
        for source in images {
            let layout = Layout::of(source.color()).unwrap();
            assert_eq!(
                layout.into_rgb8(source.as_bytes().to_vec()),
                source.to_rgb8().into_raw(),
                "{:?}",
                source.color()
            );
        }
    }

    #[test]
    fn transparency_is_laid_on_white() {
        let rgba = Layout::of(ColorType::Rgba8).unwrap();
        // Opaque, clear, half-covered.
        assert_eq!(
            rgba.into_rgb8(vec![10, 20, 30, 255, 10, 20, 30, 0, 0, 0, 0, 128]),
            [10, 20, 30, 255, 255, 255, 127, 127, 127]
        );
        let la = Layout::of(ColorType::La8).unwrap();
        assert_eq!(la.into_rgb8(vec![0, 255, 0, 0]), [0, 0, 0, 255, 255, 255]);
        let la16 = Layout::of(ColorType::La16).unwrap();
        let raw: Vec<u8> = [0u16, 65_535, 0, 0].iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(la16.into_rgb8(raw), [0, 0, 0, 255, 255, 255]);
        let rgba16 = Layout::of(ColorType::Rgba16).unwrap();
        let raw: Vec<u8> = [65_535u16, 0, 257 * 100, 65_535].iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(rgba16.into_rgb8(raw), [255, 0, 100]);
    }

    #[test]
    fn floating_point_is_not_a_photo_layout() {
        assert_eq!(Layout::of(ColorType::Rgb32F), None);
    }
}
