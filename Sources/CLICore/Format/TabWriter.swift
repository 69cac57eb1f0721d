/// Go's text/tabwriter (elastic tabstops), as the docker CLI configures it for tables:
/// minwidth 10, tabwidth 1, padding 3, space padding. Cells end with a tab; the last
/// cell of a line is not part of a column. A column is a run of consecutive lines that
/// have a cell there, so widths are computed per block, exactly as Go does.
final class TabWriter {
    private struct Cell { var text: String; var width: Int; var htab: Bool }

    let minwidth: Int, padding: Int
    private var lines: [[Cell]] = [[]]
    private var cell = ""
    private var widths: [Int] = []
    private(set) var output = ""

    init(minwidth: Int = 10, padding: Int = 3) {
        self.minwidth = minwidth
        self.padding = padding
    }

    func write(_ s: String) {
        for ch in s.unicodeScalars {
            switch ch {
            case "\t", "\u{0B}", "\n", "\u{0C}":
                let n = terminateCell(htab: ch == "\t")
                if ch == "\n" || ch == "\u{0C}" {
                    lines.append([])
                    // A one-cell line cannot change the layout of later lines: flush, as Go does.
                    if ch == "\u{0C}" || n == 1 { flushLines() }
                }
            default:
                cell.unicodeScalars.append(ch)
            }
        }
    }

    /// Formats what is buffered and returns the whole output so far.
    @discardableResult
    func flush() -> String {
        if !cell.isEmpty { _ = terminateCell(htab: false) }
        flushLines()
        return output
    }

    private func terminateCell(htab: Bool) -> Int {
        lines[lines.count - 1].append(Cell(text: cell, width: displayWidth(cell), htab: htab))
        cell = ""
        return lines[lines.count - 1].count
    }

    private func flushLines() {
        format(0, lines.count)
        lines = [[]]
        widths = []
    }

    private func format(_ line0In: Int, _ line1: Int) {
        var line0 = line0In
        let column = widths.count
        var this = line0
        while this < line1 {
            if column >= lines[this].count - 1 { this += 1; continue }
            writeLines(line0, this)
            line0 = this
            var width = minwidth
            while this < line1 {
                let line = lines[this]
                if column >= line.count - 1 { break }
                width = max(width, line[column].width + padding)
                this += 1
            }
            widths.append(width)
            format(line0, this)
            widths.removeLast()
            line0 = this
        }
        writeLines(line0, line1)
    }

    private func writeLines(_ line0: Int, _ line1: Int) {
        guard line0 < line1 else { return }
        for i in line0..<line1 {
            for (j, c) in lines[i].enumerated() {
                output += c.text
                if j < widths.count { output += String(repeating: " ", count: max(0, widths[j] - c.width)) }
            }
            // The last buffered line is the unterminated one: no newline after it.
            if i + 1 < lines.count { output += "\n" }
        }
    }
}

/// Terminal columns a string takes: East Asian wide and fullwidth characters count 2,
/// combining marks and zero-width characters 0 (go-runewidth's rules, simplified).
func displayWidth(_ s: String) -> Int {
    var w = 0
    for u in s.unicodeScalars {
        let v = u.value
        if v < 0x20 || (v >= 0x7f && v < 0xa0) { continue }
        if (0x300...0x36f).contains(v) || v == 0x200b || (0xfe00...0xfe0f).contains(v) { continue }
        if (0x1100...0x115f).contains(v) || (0x2e80...0xa4cf).contains(v) || (0xac00...0xd7a3).contains(v)
            || (0xf900...0xfaff).contains(v) || (0xfe30...0xfe4f).contains(v) || (0xff00...0xff60).contains(v)
            || (0xffe0...0xffe6).contains(v) || (0x1f300...0x1f64f).contains(v) || (0x1f900...0x1f9ff).contains(v)
            || (0x20000...0x3fffd).contains(v) {
            w += 2
        } else {
            w += 1
        }
    }
    return w
}
