import XCTest
@testable import CLICore

/// Go's text/tabwriter semantics, which docker's tables depend on.
final class TabWriterTests: XCTestCase {
    private func format(_ s: String, minwidth: Int = 1, padding: Int = 1) -> String {
        let tw = TabWriter(minwidth: minwidth, padding: padding)
        tw.write(s)
        return tw.flush()
    }

    func testColumnsAreBlocksOfConsecutiveLines() {
        // Column 1 exists only on the first line, so only that line is padded for it.
        XCTAssertEqual(format("a\tb\tc\naaaa\tb\nx\n"), "a    b c\naaaa b\nx\n")
        // A line without that column ends the block: the lines after it align on their own.
        XCTAssertEqual(format("aaaaaa\tb\nshort\nc\td\n"), "aaaaaa b\nshort\nc d\n")
    }

    func testMinWidthAndDockerPadding() {
        XCTAssertEqual(format("ID\tNAME\nabc\tx\n", minwidth: 10, padding: 3), "ID        NAME\nabc       x\n")
        XCTAssertEqual(format("CONTAINER ID\tX\n1\ty\n", minwidth: 10, padding: 3), "CONTAINER ID   X\n1              y\n")
    }

    func testTrailingTextWithoutNewlineAndWideCharacters() {
        XCTAssertEqual(format("名前\tb\nab\tc", minwidth: 1, padding: 1), "名前 b\nab   c")
        XCTAssertEqual(displayWidth("ünïcode-名前"), 12)
    }

    func testTableFormatterHeader() throws {
        let rows: [TValue] = [.json(.object(.init([("A", .string("x")), ("B", .string("long value"))])))]
        let out = try Formatter.render(OutputFormat("table {{.A}}\\t{{.B}}"), rows: rows, headers: ["A": "COL A", "B": "COL B"])
        XCTAssertEqual(out, "COL A     COL B\nx         long value\n")
        let empty = try Formatter.render(OutputFormat("table {{.A}}\\t{{.B}}"), rows: [], headers: ["A": "COL A", "B": "COL B"])
        XCTAssertEqual(empty, "COL A     COL B\n", "a table with no rows still has its header")
        XCTAssertEqual(try Formatter.render(OutputFormat("{{.A}}"), rows: rows, headers: [:]), "x\n")
        XCTAssertThrowsError(try Formatter.render(OutputFormat("{{.A"), rows: rows, headers: [:])) {
            XCTAssertEqual("\($0)", "template parsing error: template: :1: unclosed action")
        }
    }
}
