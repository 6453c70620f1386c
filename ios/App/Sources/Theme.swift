import SwiftUI
import TechoAppModel
import UIKit

/// The palette's roles as SwiftUI colours that follow light and dark appearance. The values and
/// their contrast are checked on Linux (`Palette`, `PaletteTests`); only this mapping is here.
extension Color {
    init(role: PaletteRole) {
        self.init(uiColor: UIColor { traits in
            let rgb = Palette.color(role, dark: traits.userInterfaceStyle == .dark)
            return UIColor(red: rgb.red, green: rgb.green, blue: rgb.blue, alpha: 1)
        })
    }
}

extension View {
    /// `role`'s colour as the foreground; with nil the enclosing style's own colour stays.
    @ViewBuilder func foregroundStyle(role: PaletteRole?) -> some View {
        if let role { foregroundStyle(Color(role: role)) } else { self }
    }
}
