import AVFoundation
import CoreImage
import PhotosUI
import SwiftUI
import TechoAppModel
import UIKit

/// Scanning a receipt's QR codes: the camera hands each code's data codewords and version to the
/// model (never decoded text: Kanji must reach the core as Shift_JIS), or a photo is chosen and
/// handed over as JPEG. Progress, results and problems are the model's sentences.
struct MedicationScanView: View {
    @Environment(AppModel.self) private var app
    @State var model: MedicationScanModel
    @State private var photo: PhotosPickerItem?
    @State private var cameraUnavailable = false

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                Text(verbatim: model.intro).font(.title3).fixedSize(horizontal: false, vertical: true)

                if cameraUnavailable {
                    MessageBox(text: model.cameraUnavailableLine)
                } else {
                    QRCodewordCamera(
                        onCode: { codewords, version in
                            Task { await model.addCodewords(codewords, version: version) }
                        },
                        onUnavailable: { cameraUnavailable = true })
                        .frame(maxWidth: .infinity, minHeight: 280, maxHeight: 360)
                        .clipShape(RoundedRectangle(cornerRadius: 12))
                        .accessibilityHidden(true)
                }

                if let progress = model.progressLine {
                    Text(verbatim: progress)
                        .font(.title2.bold())
                        .fixedSize(horizontal: false, vertical: true)
                        .accessibilityAddTraits(.updatesFrequently)
                        .onAppear { announceForVoiceOver(progress) }
                        .onChange(of: progress) { _, text in announceForVoiceOver(text) }
                }
                if let result = model.resultLine { MessageBox(text: result, isProblem: false) }
                if let message = model.message { MessageBox(text: message) }
                if let next = model.nextStepLine {
                    Text(verbatim: next).font(.title3).fixedSize(horizontal: false, vertical: true)
                }

                PhotosPicker(selection: $photo, matching: .images) {
                    HStack {
                        if model.isWorking { ProgressView() }
                        Text(verbatim: model.photoTitle)
                            .font(.title3.weight(.semibold))
                            .multilineTextAlignment(.center)
                            .fixedSize(horizontal: false, vertical: true)
                    }
                    .frame(maxWidth: .infinity, minHeight: 52)
                }
                .buttonStyle(.bordered)
                .accessibilityLabel(Text(verbatim: model.photoTitle))

                if model.canStartOver {
                    BigButton(title: model.startOverTitle) { await model.reset() }
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .onChange(of: photo) { _, item in
            guard let item else { return }
            photo = nil
            Task { await hand(item) }
        }
    }

    /// The picked image as JPEG (HEIC and others are converted on the phone; the core reads
    /// JPEG and PNG only).
    private func hand(_ item: PhotosPickerItem) async {
        guard let data = try? await item.loadTransferable(type: Data.self),
              let jpeg = UIImage(data: data)?.jpegData(compressionQuality: 0.95) else {
            model.photoCouldNotBeRead()
            return
        }
        await model.addPhoto(jpeg: jpeg)
    }
}

/// The camera preview, reporting every QR code it sees as `CIQRCodeDescriptor`'s
/// `errorCorrectedPayload` and `symbolVersion`.
struct QRCodewordCamera: UIViewRepresentable {
    let onCode: @MainActor (Data, Int) -> Void
    let onUnavailable: @MainActor () -> Void

    func makeCoordinator() -> Coordinator {
        Coordinator(onCode: onCode, onUnavailable: onUnavailable)
    }

    func makeUIView(context: Context) -> PreviewView {
        let view = PreviewView()
        context.coordinator.start(in: view)
        return view
    }

    func updateUIView(_ uiView: PreviewView, context: Context) {}

    static func dismantleUIView(_ uiView: PreviewView, coordinator: Coordinator) {
        coordinator.stop()
    }

    final class PreviewView: UIView {
        override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }
        var previewLayer: AVCaptureVideoPreviewLayer {
            // layerClass above makes this cast always succeed.
            layer as! AVCaptureVideoPreviewLayer // swiftlint:disable:this force_cast
        }
    }

    @MainActor
    final class Coordinator: NSObject, AVCaptureMetadataOutputObjectsDelegate {
        private let session = AVCaptureSession()
        private let sessionQueue = DispatchQueue(label: "jp.kenkotecho.app.camera")
        private let onCode: @MainActor (Data, Int) -> Void
        private let onUnavailable: @MainActor () -> Void

        init(onCode: @escaping @MainActor (Data, Int) -> Void, onUnavailable: @escaping @MainActor () -> Void) {
            self.onCode = onCode
            self.onUnavailable = onUnavailable
        }

        func start(in view: PreviewView) {
            view.previewLayer.session = session
            view.previewLayer.videoGravity = .resizeAspectFill
            Task {
                guard await AVCaptureDevice.requestAccess(for: .video),
                      let device = AVCaptureDevice.default(for: .video),
                      let input = try? AVCaptureDeviceInput(device: device),
                      session.canAddInput(input) else {
                    onUnavailable()
                    return
                }
                session.beginConfiguration()
                session.addInput(input)
                let output = AVCaptureMetadataOutput()
                guard session.canAddOutput(output) else {
                    session.commitConfiguration()
                    onUnavailable()
                    return
                }
                session.addOutput(output)
                output.setMetadataObjectsDelegate(self, queue: .main)
                output.metadataObjectTypes = [.qr]
                session.commitConfiguration()
                // startRunning blocks: never on the main thread.
                nonisolated(unsafe) let running = self.session
                sessionQueue.async { running.startRunning() }
            }
        }

        func stop() {
            nonisolated(unsafe) let running = self.session
            sessionQueue.async { running.stopRunning() }
        }

        nonisolated func metadataOutput(_ output: AVCaptureMetadataOutput, didOutput metadataObjects: [AVMetadataObject],
                                        from connection: AVCaptureConnection) {
            // The delegate queue is the main queue (set above).
            MainActor.assumeIsolated {
                for case let code as AVMetadataMachineReadableCodeObject in metadataObjects {
                    guard let qr = code.descriptor as? CIQRCodeDescriptor else { continue }
                    onCode(qr.errorCorrectedPayload, qr.symbolVersion)
                }
            }
        }
    }
}
