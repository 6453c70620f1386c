//! Turning a page upright by its EXIF orientation, as one copy of the pixels.
//!
//! Every one of the eight orientations maps an output pixel (x, y) to the source pixel at
//! `origin + x·step_x + y·step_y` (indices in pixels), so one loop does them all. It walks the
//! output in square tiles: a quarter turn reads the source down its columns, and within a tile
//! those rows stay in the cache, where a row-by-row walk would miss on every pixel.

use image::RgbImage;
use image::metadata::Orientation;

const TILE: usize = 32;

/// `image` as it must be shown: turned and mirrored the way the camera's tag says (`None`
/// only if `image` is empty).
pub(crate) fn upright(image: RgbImage, orientation: Orientation) -> Option<RgbImage> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w == 0 || h == 0 {
        return None;
    }
    let (wi, hi) = (w as isize, h as isize);
    let last_row = (hi - 1) * wi;
    // (origin, step along an output row, step down an output column, sides swapped)
    let (origin, step_x, step_y, swapped) = match orientation {
        Orientation::NoTransforms => return Some(image),
        Orientation::FlipHorizontal => (wi - 1, -1, wi, false),
        Orientation::Rotate180 => (last_row + wi - 1, -1, -wi, false),
        Orientation::FlipVertical => (last_row, 1, -wi, false),
        Orientation::Rotate90 => (last_row, -wi, 1, true),
        Orientation::Rotate270 => (wi - 1, wi, -1, true),
        Orientation::Rotate90FlipH => (0, wi, 1, true),
        Orientation::Rotate270FlipH => (last_row + wi - 1, -wi, -1, true),
    };
    let (out_w, out_h) = if swapped { (h, w) } else { (w, h) };
    let src = image.as_raw();
    let mut out = vec![0u8; src.len()];
    for tile_y in (0..out_h).step_by(TILE) {
        for tile_x in (0..out_w).step_by(TILE) {
            for y in tile_y..(tile_y + TILE).min(out_h) {
                let row_origin = origin + y as isize * step_y;
                let out_row = &mut out[y * out_w * 3..][..out_w * 3];
                for x in tile_x..(tile_x + TILE).min(out_w) {
                    // In range: the steps walk exactly the source's pixels (see the table above).
                    let from = (row_origin + x as isize * step_x) as usize * 3;
                    out_row[x * 3..x * 3 + 3].copy_from_slice(&src[from..from + 3]);
                }
            }
        }
    }
    RgbImage::from_raw(out_w as u32, out_h as u32, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::DynamicImage;

    #[test]
    fn every_orientation_matches_the_image_crates_own_transform() {
        // Sides that are not multiples of the tile, so partial tiles on both edges are walked.
        let source = RgbImage::from_fn(77, 45, |x, y| image::Rgb([x as u8, y as u8, (x * 7 + y * 3) as u8]));
        for tag in 1..=8 {
            let orientation = Orientation::from_exif(tag).unwrap();
            let mut expected = DynamicImage::ImageRgb8(source.clone());
            expected.apply_orientation(orientation);
            assert_eq!(upright(source.clone(), orientation).unwrap(), expected.into_rgb8(), "orientation {tag}");
        }
    }

    #[test]
    fn a_single_pixel_row_or_column_turns_too() {
        for (w, h) in [(1, 1), (1, 5), (5, 1)] {
            let source = RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 9]));
            for tag in 1..=8 {
                let orientation = Orientation::from_exif(tag).unwrap();
                let mut expected = DynamicImage::ImageRgb8(source.clone());
                expected.apply_orientation(orientation);
                assert_eq!(upright(source.clone(), orientation).unwrap(), expected.into_rgb8());
            }
        }
    }
}
