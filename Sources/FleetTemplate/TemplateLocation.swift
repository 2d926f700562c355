import FleetModel

/// Where a command is in its source, for `executing "..." at <...>` messages: the file
/// (template name it was parsed as), Go's line and byte column, and the command's text. Only
/// offsets are kept; line, column and text are worked out when an error needs them.
struct TemplateLocation: Sendable {
    let source: TemplateSourceMap
    /// Go's position of the node, and the range of its text (UTF-8 bytes).
    let position: Int
    let textRange: Range<Int>

    var name: String { source.name }
    var line: Int { source.lineAndColumn(position).line }
    var column: Int { source.lineAndColumn(position).column }
    var text: String { source.text(textRange) }
    var description: String {
        let (line, column) = source.lineAndColumn(position)
        return "\(name):\(line):\(column)"
    }
}

/// A template's text, to turn token offsets (UTF-8 bytes) into Go's line and byte column. It
/// keeps the template's own string (shared, not copied) and where its lines start.
struct TemplateSourceMap: Sendable {
    let name: String
    let source: String
    /// The byte offset of each line's first byte.
    private let lineStarts: [Int]

    var byteCount: Int { source.utf8.count }

    init(name: String, source: String) {
        self.name = name
        self.source = source
        var starts = [0]
        for (index, byte) in source.utf8.enumerated() where byte == 0x0A { starts.append(index + 1) }
        lineStarts = starts
    }

    func location(from start: Int, to end: Int) -> TemplateLocation {
        TemplateLocation(source: self, position: start, textRange: start..<max(start, min(end, byteCount)))
    }

    /// Go's line (1-based) and byte column (0-based) of a byte offset.
    func lineAndColumn(_ offset: Int) -> (line: Int, column: Int) {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return (low + 1, offset - lineStarts[low])
    }

    func text(_ range: Range<Int>) -> String {
        let utf8 = Array(source.utf8)
        return String(decoding: utf8[min(range.lowerBound, utf8.count)..<min(range.upperBound, utf8.count)], as: UTF8.self).trimmingWhitespace()
    }
}
