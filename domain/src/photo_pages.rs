//! Photographed pages of a document (命の宝箱, a checkup) when two devices changed them: the
//! three-way merge both families share, and the rule for what does not fit.
//!
//! A document holds at most a family's number of pages, and each device refuses an add beyond
//! it; yet two devices that each added pages offline can together exceed it. The server refuses a
//! record over the limit, so the merge keeps the pages the server already holds, adds ours while
//! there is room and returns the rest as *waiting*: kept on the device, shown to the person, and
//! added when a page is removed. Nothing is dropped.

use std::collections::BTreeSet;
use techo_protocol::records::PhotoPage;

/// The pages of a merged document, and ours that did not fit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MergedPages {
    pub pages: Vec<PhotoPage>,
    /// Pages only we added, in our order, beyond `max`.
    pub waiting: Vec<PhotoPage>,
}

/// Pages are one set by image hash. Those either side removed since `base` are gone; those
/// either side added are kept: theirs in their order, then ours in ours, up to `max` (theirs,
/// already on the server, are never the ones to wait). `base` is `None` when both sides started
/// the document independently.
pub fn merge(base: Option<&[PhotoPage]>, ours: &[PhotoPage], theirs: &[PhotoPage], max: usize) -> MergedPages {
    let set = |pages: &[PhotoPage]| pages.iter().map(|p| p.image.sha256.clone()).collect::<BTreeSet<String>>();
    let base = set(base.unwrap_or_default());
    let (ours_set, theirs_set) = (set(ours), set(theirs));
    let mut merged = MergedPages::default();
    let mut seen = BTreeSet::new();
    for page in theirs {
        let sha = &page.image.sha256;
        // Theirs that we removed since the base go; the rest stay.
        if (!base.contains(sha) || ours_set.contains(sha)) && seen.insert(sha.clone()) {
            merged.pages.push(page.clone());
        }
    }
    for page in ours {
        let sha = &page.image.sha256;
        if base.contains(sha) || theirs_set.contains(sha) || !seen.insert(sha.clone()) {
            continue;
        }
        if merged.pages.len() < max { merged.pages.push(page.clone()) } else { merged.waiting.push(page.clone()) }
    }
    merged
}

/// Moves waiting pages into `pages` while there is room, oldest first; true when any moved.
pub fn fill(pages: &mut Vec<PhotoPage>, waiting: &mut Vec<PhotoPage>, max: usize) -> bool {
    waiting.retain(|w| !pages.iter().any(|p| p.image.sha256 == w.image.sha256));
    let room = max.saturating_sub(pages.len()).min(waiting.len());
    pages.extend(waiting.drain(..room));
    room > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use techo_protocol::records::BlobRef;

    fn page(n: u8) -> PhotoPage {
        let sha = format!("{n:02x}").repeat(32);
        let blob =
            BlobRef { id: sha.clone(), sha256: sha, size: 1, mime: "image/jpeg".into(), extra: Default::default() };
        PhotoPage {
            image: blob.clone(),
            thumbnail: blob,
            width: 1,
            height: 1,
            added_at: "2026-12-04T09:00:00Z".into(),
            extra: Default::default(),
        }
    }

    fn pages(ns: &[u8]) -> Vec<PhotoPage> {
        ns.iter().map(|&n| page(n)).collect()
    }

    #[test]
    fn added_on_either_side_kept_removed_on_either_side_gone() {
        let base = pages(&[1, 2, 3]);
        let ours = pages(&[1, 3, 4]); // removed 2, added 4
        let theirs = pages(&[2, 3, 5]); // removed 1, added 5
        let m = merge(Some(&base), &ours, &theirs, 12);
        assert_eq!(m.pages, pages(&[3, 5, 4]));
        assert!(m.waiting.is_empty());
    }

    #[test]
    fn without_a_base_everything_is_kept_once() {
        let m = merge(None, &pages(&[1, 2]), &pages(&[2, 3]), 12);
        assert_eq!(m.pages, pages(&[2, 3, 1]));
    }

    #[test]
    fn what_does_not_fit_waits_and_theirs_never_do() {
        let base = pages(&[1]);
        let ours = pages(&[1, 2, 3, 4]);
        let theirs = pages(&[1, 5, 6]);
        let m = merge(Some(&base), &ours, &theirs, 4);
        assert_eq!(m.pages, pages(&[1, 5, 6, 2]));
        assert_eq!(m.waiting, pages(&[3, 4]));
        // The server's own pages stay even past the limit (an older, larger limit).
        let m = merge(None, &[], &pages(&[1, 2, 3, 4, 5]), 4);
        assert_eq!((m.pages.len(), m.waiting.len()), (5, 0));
    }

    #[test]
    fn waiting_pages_fill_the_room_a_removal_makes() {
        let (mut on, mut waiting) = (pages(&[1, 2, 3]), pages(&[4, 5, 3]));
        assert!(fill(&mut on, &mut waiting, 4));
        assert_eq!((on, waiting), (pages(&[1, 2, 3, 4]), pages(&[5])));
        let (mut on, mut waiting) = (pages(&[1, 2]), pages(&[]));
        assert!(!fill(&mut on, &mut waiting, 4));
    }
}
