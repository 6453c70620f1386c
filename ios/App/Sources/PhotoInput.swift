import PhotosUI
import SwiftUI
import UIKit

/// Photos for the core: it reads JPEG and PNG only, so a picked photo (HEIC and anything else)
/// is converted to JPEG here and handed over as a file in the app's temporary directory.
enum PhotoFiles {
    static func jpeg(from item: PhotosPickerItem) async -> Data? {
        guard let data = try? await item.loadTransferable(type: Data.self) else { return nil }
        return UIImage(data: data)?.jpegData(compressionQuality: 0.95)
    }

    /// Written with complete file protection: a health document, even for the moment it waits.
    static func write(_ jpeg: Data, prefix: String) -> URL? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString).jpg")
        do {
            try jpeg.write(to: url, options: [.atomic, .completeFileProtection])
            return url
        } catch {
            return nil
        }
    }
}

/// The system camera, handing back the photo as JPEG.
struct CameraPicker: UIViewControllerRepresentable {
    let onPhoto: (Data) -> Void
    @Environment(\.dismiss) private var dismiss

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(self) }

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let parent: CameraPicker
        init(_ parent: CameraPicker) { self.parent = parent }

        func imagePickerController(_ picker: UIImagePickerController,
                                   didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            if let jpeg = (info[.originalImage] as? UIImage)?.jpegData(compressionQuality: 0.95) { parent.onPhoto(jpeg) }
            parent.dismiss()
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) { parent.dismiss() }
    }
}
