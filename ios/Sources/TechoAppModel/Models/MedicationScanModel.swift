import Foundation
import Observation
import TechoKit

/// Reading a pharmacy receipt's QR codes into the notebook, from the camera (each code's data
/// codewords, as Vision gives them — never a decoded string) or from photos. The core's scanner
/// joins the codes in any order, says how far it has got, and imports the receipt once it is
/// whole; codes read before change nothing and are ignored quietly.
///
/// Codes are handed to the core one at a time in the order they arrive, so the progress shown
/// is always the latest.
@Observable @MainActor
public final class MedicationScanModel {
    public let actingForLine: String
    public let title: String
    public let intro: String
    /// 「3枚中1枚 読み取りました」 while a receipt is incomplete.
    public private(set) var progressLine: String?
    /// What to do now: scan the remaining codes, or another receipt.
    public private(set) var nextStepLine: String?
    /// What the last completed receipt (or photo) did: 「お薬の記録を1件取り込みました。」.
    public private(set) var resultLine: String?
    /// A problem, with what to do next.
    public private(set) var message: String?
    public private(set) var isWorking = false
    /// Records added during this screen's life (the notebook reloads when it is above zero).
    public private(set) var importedCount = 0

    private let access: CoreAccess
    private let wording: Wording
    private let profile: Profile
    private let onChange: @MainActor () -> Void
    @ObservationIgnored private var scanner: MedicationScanner?
    @ObservationIgnored private var queue: Task<Void, Never>?
    /// The camera reports the same code many times a second: the same bytes again are dropped
    /// before they reach the core.
    @ObservationIgnored private var lastCodewords: Data?

    init(access: CoreAccess, wording: Wording, profile: Profile, onChange: @escaping @MainActor () -> Void = {}) {
        self.access = access
        self.wording = wording
        self.profile = profile
        self.onChange = onChange
        actingForLine = wording(.actingFor, profile.displayName)
        title = wording(.medScanTitle)
        intro = wording(.medScanIntro)
    }

    public var photoTitle: String { wording(.medScanPhoto) }
    public var startOverTitle: String { wording(.medScanStartOver) }
    public var cameraUnavailableLine: String { wording(.medScanCameraUnavailable) }
    /// Offered while a receipt is part read.
    public var canStartOver: Bool { progressLine != nil }

    /// One QR code from the camera: `CIQRCodeDescriptor.errorCorrectedPayload` and `symbolVersion`.
    public func addCodewords(_ codewords: Data, version: Int) async {
        guard codewords != lastCodewords else { return }
        lastCodewords = codewords
        guard let version = UInt8(exactly: version) else {
            message = wording(.errorUnreadableCode)
            return
        }
        await enqueue(isPhoto: false) { try $0.addCodewords(codewords: codewords, version: version) }
    }

    /// Every QR code in a photo the app saved as JPEG or PNG at `path` (HEIC converted first).
    public func addPhoto(path: String) async {
        await enqueue(isPhoto: true) { try $0.addPhoto(path: path) }
    }

    /// A photo as JPEG bytes: written to a temporary file for the core, and removed afterwards.
    public func addPhoto(jpeg: Data) async {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("techo-receipt-\(UUID().uuidString).jpg")
        do {
            try await Task.detached(priority: .userInitiated) { try jpeg.write(to: url, options: .atomic) }.value
        } catch {
            message = wording(.errorPhotoDamaged)
            return
        }
        await addPhoto(path: url.path)
        try? FileManager.default.removeItem(at: url)
    }

    /// The chosen picture could not be loaded or turned into JPEG on the phone.
    public func photoCouldNotBeRead() {
        message = wording(.errorPhotoFormat)
    }

    /// Forgets the codes of the receipt being read (the person starts it again). Receipts already
    /// imported stay, and their codes still count as read.
    public func reset() async {
        lastCodewords = nil
        progressLine = nil
        nextStepLine = nil
        resultLine = nil
        message = nil
        guard scanner != nil else { return }
        await enqueue(isPhoto: false) { scanner in
            scanner.reset()
            return nil
        }
    }

    // MARK: One step at a time

    private func enqueue(isPhoto: Bool, _ step: @escaping @Sendable (MedicationScanner) throws -> ScanProgress?) async {
        let previous = queue
        let task = Task { [weak self] in
            await previous?.value
            await self?.perform(isPhoto: isPhoto, step)
        }
        queue = task
        await task.value
    }

    private func perform(isPhoto: Bool, _ step: @escaping @Sendable (MedicationScanner) throws -> ScanProgress?) async {
        isWorking = true
        defer { isWorking = false }
        do {
            let scanner = try await startedScanner()
            let progress = try await Task.detached(priority: .userInitiated) { try step(scanner) }.value
            if let progress { show(progress, isPhoto: isPhoto) }
        } catch {
            message = wording.message(for: error)
        }
    }

    private func startedScanner() async throws -> MedicationScanner {
        if let scanner { return scanner }
        let profileId = profile.id
        let started = try await access.run { try $0.startMedicationScan(profileId: profileId) }
        scanner = started
        return started
    }

    private func show(_ progress: ScanProgress, isPhoto: Bool) {
        if progress.outcome == .duplicate && progress.imports.isEmpty && progress.refused.isEmpty {
            // A camera sees the same code again and again: nothing to say. A photo was chosen on
            // purpose, so it gets an answer.
            if isPhoto {
                message = nil
                resultLine = wording(.medPhotoAlreadyRead)
            }
            return
        }
        message = progress.refused.first.map { wording.importProblem($0) }
        let waiting = progress.waiting
        progressLine = waiting.isEmpty ? nil : waiting.map { wording.scanProgressLine($0) }.joined(separator: "\n")
        if !progress.imports.isEmpty {
            let added = progress.imports.reduce(0) { $0 + Int($1.added) }
            importedCount += added
            resultLine = wording.importLines(progress.imports).joined(separator: "\n")
            if added > 0 { onChange() }
        } else if progress.outcome == .waiting {
            // A code of the next receipt: the last receipt's result is done with.
            resultLine = nil
        }
        if !waiting.isEmpty {
            nextStepLine = wording(.medScanNext)
        } else if !progress.imports.isEmpty {
            nextStepLine = wording(.medScanAnother)
        } else {
            nextStepLine = nil
        }
    }
}
