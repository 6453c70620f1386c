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
    pub fn add_codewords(&mut self, store: &Store, profile_id: Uuid, codewords: &[u8], version: u8) -> Result<ScanStep> {
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
