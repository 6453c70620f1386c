// The Japanese wording follows wording/glossary.tsv, the terms file the Android wording tests
// read too, and uses full-width punctuation (times such as 7:05 keep their colon).
import Foundation
import TechoAppModel
import XCTest

final class GlossaryTests: XCTestCase {
    func testJapaneseFollowsTheGlossaryAndUsesFullWidthPunctuation() throws {
        let path = try XCTUnwrap(ProcessInfo.processInfo.environment["TECHO_GLOSSARY"], "run through ios/scripts/test-linux.sh")
        let avoid = try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\n")
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .flatMap { $0.split(separator: "\t")[1].split(separator: "|").map(String.init) }
        XCTAssertGreaterThanOrEqual(avoid.count, 10, "the glossary lists words to avoid")
        let halfWidth = try NSRegularExpression(pattern: "[()!?]|(?<!\\d):|:(?!\\d)")
        let placeholder = try NSRegularExpression(pattern: "%(\\d+\\$)?@")
        var problems: [String] = []
        for phrase in Phrase.allCases {
            let text = ja.template(phrase)
            for word in avoid where text.contains(word) {
                problems.append("\(phrase.rawValue) uses 「\(word)」: \(text)")
            }
            let range = NSRange(text.startIndex..., in: text)
            let words = placeholder.stringByReplacingMatches(in: text, range: range, withTemplate: "")
            // Date patterns hold field symbols, not text ("H:mm" is a time).
            if !phrase.rawValue.hasPrefix("pattern."),
               halfWidth.firstMatch(in: words, range: NSRange(words.startIndex..., in: words)) != nil {
                problems.append("\(phrase.rawValue) has half-width punctuation: \(text)")
            }
        }
        XCTAssertEqual(problems, [])
    }
}
