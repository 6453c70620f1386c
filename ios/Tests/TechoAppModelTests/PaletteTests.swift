// Every colour pair the screens draw reaches WCAG AA (4.5:1 text, 3:1 UI parts), light and dark;
// the Android app's PaletteTest checks the same colours.
import TechoAppModel
import XCTest

final class PaletteTests: XCTestCase {
    func testContrastIsMeasuredTheWcagWay() {
        XCTAssertEqual(Palette.contrast(RGB(0x000000), RGB(0xFFFFFF)), 21, accuracy: 0.01)
        XCTAssertEqual(Palette.contrast(RGB(0x0B4F8A), RGB(0x0B4F8A)), 1, accuracy: 0.0001)
        XCTAssertEqual(Palette.contrast(RGB(0x777777), RGB(0xFFFFFF)), 4.48, accuracy: 0.01)
    }

    func testEveryPairReachesItsMinimumInBothAppearances() {
        var short: [String] = []
        for dark in [false, true] {
            for pair in Palette.pairs {
                let ratio = Palette.contrast(Palette.color(pair.foreground, dark: dark),
                                             Palette.color(pair.background, dark: dark))
                if ratio < pair.minimum { short.append("\(dark ? "dark" : "light") \(pair.name): \(ratio)") }
            }
        }
        XCTAssertEqual(short, [])
    }

    func testEveryRoleHasAColourInBothAppearances() {
        for role in PaletteRole.allCases {
            XCTAssertNotNil(Palette.color(role, dark: false))
            XCTAssertNotNil(Palette.color(role, dark: true))
        }
    }

    /// A colour no pair mentions would be drawn unchecked.
    func testEveryRoleIsInAPair() {
        let checked = Set(Palette.pairs.flatMap { [$0.foreground, $0.background] })
        XCTAssertEqual(PaletteRole.allCases.filter { !checked.contains($0) }, [])
    }
}
