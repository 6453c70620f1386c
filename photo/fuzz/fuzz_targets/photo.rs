//! Any bytes as a photo: a page or a typed refusal, never a panic, and within the time and
//! memory scripts/fuzz.sh gives each input (`-timeout`, `-rss_limit_mb`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use techo_photo::{PhotoSettings, prepare};

fuzz_target!(|data: &[u8]| {
    // Small outputs keep each run short; every check before decoding is the same at any size.
    let settings = PhotoSettings { long_side: 256, quality: 85, thumbnail_side: 64 };
    let Ok(page) = prepare(data, &settings) else { return };
    assert!(page.width.max(page.height) <= 256 && page.width.min(page.height) >= 1);
    // What we write opens again under the same policy, upright and the same size.
    let again = prepare(&page.jpeg, &settings).expect("our own page reopens");
    assert_eq!((again.width, again.height), (page.width, page.height));
    assert!(prepare(&page.thumbnail, &settings).is_ok(), "our own thumbnail reopens");
});
