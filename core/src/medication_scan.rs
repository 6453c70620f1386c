//! Reading a pharmacy receipt's QR codes into the notebook: symbols arrive one by one, in any
//! order, from a camera (the data codewords iOS gives, or a scanner's bytes with their Structured
//! Append header) or a file; complete documents are imported as soon as they are whole, and never
//! before. The apps hold one `MedicationScan` per scanning screen; the terminal one per command.

use crate::error::Result;
use crate::store::{ImportSource, MedicationImport, Store};
use techo_jahis::{Added, Assembler, Progress, StructuredAppend};
use uuid::Uuid;

/// What one scan did, and where the scanning stands.
#[derive(Debug, Clone)]
pub struct ScanStep {
    pub added: Added,
    /// Groups still missing symbols ("1 of 2").
    pub progress: Progress,
    /// Documents that became complete with this scan, imported.
    pub imports: Vec<MedicationImport>,
    /// Complete documents that could not be read as a notebook (each another QR code's data).
    pub refused: Vec<techo_jahis::JahisError>,
}

#[derive(Default)]
pub struct MedicationScan {
    assembler: Assembler,
}

impl MedicationScan {
    pub fn new() -> Self {
        Self::default()
    }

    /// A symbol's data codewords after error correction, and its version (1–40).
    pub fn add_codewords(
        &mut self,
        store: &Store,
        profile_id: Uuid,
        codewords: &[u8],
        version: u8,
    ) -> Result<ScanStep> {
        let added = self.assembler.push_codewords(codewords, version)?;
        self.finish(store, profile_id, added, ImportSource::Qr)
    }

    /// A symbol's data bytes with its Structured Append header (position 0-based), as scanners
    /// that keep the metadata report them.
    pub fn add_symbol(
        &mut self,
        store: &Store,
        profile_id: Uuid,
        data: &[u8],
        structured_append: Option<StructuredAppend>,
    ) -> Result<ScanStep> {
        let added = self.assembler.push_symbol(structured_append, data)?;
        self.finish(store, profile_id, added, ImportSource::Qr)
    }

    /// Every QR code in a photo of the receipt (JPEG or PNG at `path`). Codes of the same receipt
    /// may be in one photo or spread over several.
    pub fn add_photo(&mut self, store: &Store, profile_id: Uuid, path: &std::path::Path) -> Result<ScanStep> {
        let found = crate::receipt_photo::qr_symbols_in_photo(path)?;
        let mut last = Added::Duplicate;
        for symbol in found.symbols {
            match self.assembler.push_symbol(symbol.structured_append, &symbol.data)? {
                Added::Completed => last = Added::Completed,
                Added::Pending if last != Added::Completed => last = Added::Pending,
                _ => {}
            }
        }
        self.finish(store, profile_id, last, ImportSource::Qr)
    }

    /// A whole payload: a JAHIS file, or one part of a 911 split.
    pub fn add_file(&mut self, store: &Store, profile_id: Uuid, bytes: &[u8]) -> Result<ScanStep> {
        let added = self.assembler.push_payload(bytes)?;
        self.finish(store, profile_id, added, ImportSource::File)
    }

    pub fn progress(&self) -> Progress {
        self.assembler.progress()
    }

    /// Forgets the symbols of groups not yet complete (the person starts the receipt again).
    pub fn reset(&mut self) {
        self.assembler.reset_pending();
    }

    fn finish(&mut self, store: &Store, profile_id: Uuid, added: Added, source: ImportSource) -> Result<ScanStep> {
        let (mut imports, mut refused) = (Vec::new(), Vec::new());
        for document in self.assembler.take_documents() {
            match store.import_medications(profile_id, &document, source) {
                Ok(import) => imports.push(import),
                Err(crate::Error::Medication(e)) => refused.push(e),
                Err(e) => return Err(e),
            }
        }
        Ok(ScanStep { added, progress: self.assembler.progress(), imports, refused })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Relationship;
    use crate::store::test_support::open_test_store;
    use qr_code::structured::SplittedQr;

    fn receipt() -> Vec<u8> {
        let text = "JAHISTC08,1\r\n5,20261120,1\r\n11,テスト薬局 本通店,34,4,0123456,,,,1\r\n\
            201,1,アムロジピン錠５ｍｇ「テスト」,1,錠,2,999000001,1\r\n\
            201,1,ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg,2,錠,2,999000002,1\r\n281,1,朝１錠、夕１錠,1\r\n\
            301,1,【１日２回 朝夕食後】,28,日分,1,1,,1\r\n401,めまいが出たら相談してください。,1\r\n";
        techo_jahis::encode_cp932(text).0
    }

    /// Draws `codes` side by side as a photo would show them: light background, quiet zones,
    /// `scale` pixels per module.
    fn photo(codes: &[qr_code::QrCode], scale: u32, path: &std::path::Path) {
        let quiet = 4;
        let sides: Vec<u32> = codes.iter().map(|c| c.width() as u32 + 2 * quiet).collect();
        let width = sides.iter().sum::<u32>() * scale;
        let height = sides.iter().max().copied().unwrap_or(0) * scale;
        let mut img = image::GrayImage::from_pixel(width, height, image::Luma([245]));
        let mut left = 0;
        for (code, side) in codes.iter().zip(&sides) {
            let n = code.width();
            let modules = code.to_vec();
            for y in 0..n {
                for x in 0..n {
                    if modules[y * n + x] {
                        for dy in 0..scale {
                            for dx in 0..scale {
                                let px = left + (x as u32 + quiet) * scale + dx;
                                let py = (y as u32 + quiet) * scale + dy;
                                img.put_pixel(px, py, image::Luma([20]));
                            }
                        }
                    }
                }
            }
            left += side * scale;
        }
        img.save(path).unwrap();
    }

    #[test]
    fn receipt_codes_photographed_one_by_one_or_together_import_once_and_whole() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        let bytes = receipt();
        let codes = SplittedQr::new(bytes.clone(), 5).unwrap().split().unwrap();
        assert!(codes.len() >= 2, "the receipt needs several symbols at this version");
        let dir = tempfile::tempdir().unwrap();

        // One code per photo, last first: nothing is imported until the group is whole.
        let mut scan = MedicationScan::new();
        let mut paths = Vec::new();
        for (i, code) in codes.iter().enumerate().rev() {
            let path = dir.path().join(format!("code{i}.png"));
            photo(std::slice::from_ref(code), 4, &path);
            paths.push(path);
        }
        let mut import_id = None;
        for (n, path) in paths.iter().enumerate() {
            let step = scan.add_photo(&t.store, p.id, path).unwrap();
            if n + 1 < paths.len() {
                assert_eq!(step.added, Added::Pending);
                assert!(step.imports.is_empty());
                assert_eq!(
                    (step.progress.pending[0].have, step.progress.pending[0].total),
                    (n as u16 + 1, codes.len() as u16)
                );
            } else {
                assert_eq!(step.added, Added::Completed);
                assert_eq!(step.imports.len(), 1);
                assert_eq!(step.imports[0].added.len(), 1);
                import_id = Some(step.imports[0].import_id);
            }
        }
        let stored = t.store.medication_import_raw(import_id.unwrap()).unwrap();
        assert_eq!(stored, bytes, "the assembled bytes are the source, split characters and all");

        // All codes in one photo: the same receipt, nothing new.
        let together = dir.path().join("together.jpg");
        photo(&codes, 4, &dir.path().join("together.png"));
        image::open(dir.path().join("together.png")).unwrap().save(&together).unwrap();
        let step = MedicationScan::new().add_photo(&t.store, p.id, &together).unwrap();
        assert_eq!(step.imports.len(), 1);
        assert_eq!((step.imports[0].added.len(), step.imports[0].already_present), (0, 1));
    }

    #[test]
    fn photos_that_are_not_usable_are_refused_with_a_reason() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let refused = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            match MedicationScan::new().add_photo(&t.store, p.id, &path) {
                Err(crate::Error::Photo { problem }) => problem,
                other => panic!("{name}: {:?}", other.map(|s| s.added)),
            }
        };
        assert_eq!(refused("heic.heic", b"\0\0\0\x18ftypheic"), crate::PhotoProblem::UnsupportedFormat);
        assert_eq!(refused("cut.png", b"\x89PNG\r\n\x1a\n\0\0"), crate::PhotoProblem::Damaged);
        let blank = dir.path().join("blank.png");
        image::GrayImage::from_pixel(200, 200, image::Luma([255])).save(&blank).unwrap();
        assert_eq!(refused("blank2.png", &std::fs::read(&blank).unwrap()), crate::PhotoProblem::NoCodeFound);
        // A PNG header claiming 100,000 × 100,000 pixels is refused before any allocation.
        let mut huge = std::fs::read(&blank).unwrap();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32fast::hash(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(refused("huge.png", &huge), crate::PhotoProblem::TooLarge);
    }

    fn fixtures_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bindings/tests/fixtures")
    }

    /// Writes the receipt the Kotlin, Swift and Python binding tests import, in every form a shell
    /// hands over: the JAHIS file, one photo per QR code, and each code's data codewords (first
    /// byte: the symbol version). `cargo test -p techo-core -- --ignored write_binding_fixtures`.
    #[test]
    #[ignore]
    fn write_binding_fixtures() {
        let dir = fixtures_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = receipt();
        std::fs::write(dir.join("receipt.jahis"), &bytes).unwrap();
        let codes = SplittedQr::new(bytes, 5).unwrap().split().unwrap();
        for (i, code) in codes.iter().enumerate() {
            photo(std::slice::from_ref(code), 4, &dir.join(format!("receipt-qr-{}.png", i + 1)));
            let grid = techo_jahis::ModuleMatrix::new(code.width(), code.to_vec()).unwrap();
            let decoded = techo_jahis::decode_grid(&grid).unwrap();
            let mut out = vec![decoded.version];
            out.extend(decoded.data_codewords);
            std::fs::write(dir.join(format!("receipt-qr-{}.codewords", i + 1)), out).unwrap();
        }
    }

    /// The committed fixtures still are one receipt, in every form.
    #[test]
    fn the_binding_fixtures_hold_one_receipt() {
        let dir = fixtures_dir();
        let file = std::fs::read(dir.join("receipt.jahis")).unwrap();
        assert_eq!(file, receipt());
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        let mut by_codewords = MedicationScan::new();
        let mut last = None;
        let symbols = (1..).take_while(|i| dir.join(format!("receipt-qr-{i}.png")).exists()).count();
        assert!(symbols >= 2);
        for i in (1..=symbols).rev() {
            let cw = std::fs::read(dir.join(format!("receipt-qr-{i}.codewords"))).unwrap();
            last = Some(by_codewords.add_codewords(&t.store, p.id, &cw[1..], cw[0]).unwrap());
        }
        let step = last.unwrap();
        assert_eq!(step.imports.len(), 1);
        assert_eq!(t.store.medication_import_raw(step.imports[0].import_id).unwrap(), file);
        let mut by_photo = MedicationScan::new();
        let mut last = None;
        for i in 1..=symbols {
            last = Some(by_photo.add_photo(&t.store, p.id, &dir.join(format!("receipt-qr-{i}.png"))).unwrap());
        }
        assert_eq!(last.unwrap().imports[0].already_present, 1);
    }
}
