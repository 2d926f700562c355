/// A compiled regular expression: the instruction set of Go's regexp/syntax (a Thompson NFA
/// with captures), which the Pike VM in `RegexMachine` runs in time linear in the input.
struct RegexProgram: Sendable {
    enum Op: UInt8, Sendable {
        case fail, alt, capture, assertion, match, rune, rune1, runeAny, runeAnyNotNewline, nop
    }

    struct Instruction: Sendable {
        var op: Op
        /// The next instruction (for `alt`, the preferred branch).
        var out: Int32 = 0
        /// `alt`: the other branch; `capture`: the slot; `assertion`: the flags; `rune1`: the
        /// rune; `rune`: the index of its class.
        var arg: Int32 = 0
    }

    var instructions: [Instruction] = [Instruction(op: .fail)]
    var classes: [RuneClass] = []
    var start: Int32 = 0
    /// Two slots per group, group 0 being the whole match.
    var slotCount = 2
    /// Whether every match must start at the beginning of the text (`^` or `\A` first).
    var anchoredStart = false

    /// Largest program accepted: far beyond real expressions, small enough that matching
    /// state stays a few megabytes.
    static let maxInstructions = 200_000
}

/// Compiles a `RegexNode` as Go's compiler does, after Go's simplifications of counted
/// repetition (`x{2,5}` is `xx(x(x(x)?)?)?`), including its rule that a star over something
/// that can match empty compiles as `(x+)?` to keep Perl's match priority.
struct RegexCompiler {
    private struct Fragment {
        var start: Int32
        /// Instruction slots still to be pointed at what follows: (instruction, is `arg`).
        var exits: [(Int32, Bool)]
        var nullable: Bool
    }

    private var program = RegexProgram()

    static func compile(_ node: RegexNode, groups: Int, pattern: String) throws(GoRegexError) -> RegexProgram {
        var compiler = RegexCompiler()
        compiler.program.slotCount = 2 * (groups + 1)
        let body = try compiler.compile(node)
        let match = try compiler.emit(.match)
        compiler.patch(body.exits, to: match)
        compiler.program.start = body.start
        compiler.program.anchoredStart = Self.startsAnchored(node)
        return compiler.program
    }

    private static func startsAnchored(_ node: RegexNode) -> Bool {
        switch node {
        case .assertion(let a): return a.contains(.beginText)
        case .concat(let parts): return parts.first.map(startsAnchored) ?? false
        case .capture(_, let sub): return startsAnchored(sub)
        default: return false
        }
    }

    private mutating func emit(_ op: RegexProgram.Op, arg: Int32 = 0) throws(GoRegexError) -> Int32 {
        guard program.instructions.count < RegexProgram.maxInstructions else {
            throw GoRegexError(.tooLarge, "")
        }
        program.instructions.append(RegexProgram.Instruction(op: op, arg: arg))
        return Int32(program.instructions.count - 1)
    }

    private mutating func patch(_ exits: [(Int32, Bool)], to target: Int32) {
        for (index, isArg) in exits {
            if isArg { program.instructions[Int(index)].arg = target } else { program.instructions[Int(index)].out = target }
        }
    }

    private var failure: Fragment { Fragment(start: 0, exits: [], nullable: false) }

    private mutating func single(_ op: RegexProgram.Op, arg: Int32 = 0, nullable: Bool = false) throws(GoRegexError) -> Fragment {
        let index = try emit(op, arg: arg)
        return Fragment(start: index, exits: [(index, false)], nullable: nullable)
    }

    private mutating func compile(_ node: RegexNode) throws(GoRegexError) -> Fragment {
        switch node {
        case .noMatch:
            return failure
        case .emptyMatch:
            return try single(.nop, nullable: true)
        case .literal(let rune, let fold):
            if fold {
                return try runeClass(RuneClass(CaseFolding.orbit(of: rune).map { $0...$0 }))
            }
            return try single(.rune1, arg: Int32(rune))
        case .runeClass(let members):
            return try runeClass(members)
        case .anyChar:
            return try single(.runeAny)
        case .anyCharNotNewline:
            return try single(.runeAnyNotNewline)
        case .assertion(let assertion):
            return try single(.assertion, arg: Int32(assertion.rawValue), nullable: true)
        case .capture(let index, let sub):
            let open = try single(.capture, arg: Int32(2 * index), nullable: true)
            let body = try compile(sub)
            let close = try single(.capture, arg: Int32(2 * index + 1), nullable: true)
            return concatenate(concatenate(open, body), close)
        case .star(let sub, let greedy):
            if let simple = try simplified(sub, same: { if case .star(_, greedy) = $0 { return true }; return false }) { return simple }
            return try star(try compile(sub), greedy: greedy)
        case .plus(let sub, let greedy):
            if let simple = try simplified(sub, same: { if case .plus(_, greedy) = $0 { return true }; return false }) { return simple }
            return try plus(try compile(sub), greedy: greedy)
        case .quest(let sub, let greedy):
            if let simple = try simplified(sub, same: { if case .quest(_, greedy) = $0 { return true }; return false }) { return simple }
            return try quest(try compile(sub), greedy: greedy)
        case .repeat(let sub, let min, let max, let greedy):
            return try compile(Self.expand(sub, min: min, max: max, greedy: greedy))
        case .concat(let parts):
            guard var result = try parts.first.map({ (p) throws(GoRegexError) in try compile(p) }) else { return try single(.nop, nullable: true) }
            for part in parts.dropFirst() { result = concatenate(result, try compile(part)) }
            return result
        case .alternate(let branches):
            var result: Fragment? = nil
            for branch in branches {
                let compiled = try compile(branch)
                result = try result.map { (r) throws(GoRegexError) in try alternate(r, compiled) } ?? compiled
            }
            return result ?? failure
        }
    }

    /// Go's `simplify1`: a repetition of the empty match is the empty match, and `(?:x*)*` is
    /// `x*` (same operator, same greediness).
    private mutating func simplified(_ sub: RegexNode, same: (RegexNode) -> Bool) throws(GoRegexError) -> Fragment? {
        if sub == .emptyMatch || same(sub) { return try compile(sub) }
        return nil
    }

    /// Counted repetition in terms of concatenation, `+` and `?`, as Go's simplifier writes it.
    static func expand(_ sub: RegexNode, min: Int, max: Int, greedy: Bool) -> RegexNode {
        if min == 0 && max == 0 { return .emptyMatch }
        if max == -1 {
            if min == 0 { return .star(sub, greedy: greedy) }
            if min == 1 { return .plus(sub, greedy: greedy) }
            return .concat(Array(repeating: sub, count: min - 1) + [.plus(sub, greedy: greedy)])
        }
        if min == 1 && max == 1 { return sub }
        var parts = Array(repeating: sub, count: min)
        if max > min {
            var suffix = RegexNode.quest(sub, greedy: greedy)
            if max - min > 1 {
                for _ in (min + 1)..<max { suffix = .quest(.concat([sub, suffix]), greedy: greedy) }
            }
            parts.append(suffix)
        }
        if parts.isEmpty { return .noMatch }
        return parts.count == 1 ? parts[0] : .concat(parts)
    }

    private mutating func runeClass(_ members: RuneClass) throws(GoRegexError) -> Fragment {
        if let only = members.singleRune { return try single(.rune1, arg: Int32(only)) }
        if members == .any { return try single(.runeAny) }
        if members == .anyExceptNewline { return try single(.runeAnyNotNewline) }
        program.classes.append(members)
        return try single(.rune, arg: Int32(program.classes.count - 1))
    }

    private mutating func concatenate(_ first: Fragment, _ second: Fragment) -> Fragment {
        if first.start == 0 || second.start == 0 { return failure }
        patch(first.exits, to: second.start)
        return Fragment(start: first.start, exits: second.exits, nullable: first.nullable && second.nullable)
    }

    private mutating func alternate(_ first: Fragment, _ second: Fragment) throws(GoRegexError) -> Fragment {
        if first.start == 0 { return second }
        if second.start == 0 { return first }
        let index = try emit(.alt)
        program.instructions[Int(index)].out = first.start
        program.instructions[Int(index)].arg = second.start
        return Fragment(start: index, exits: first.exits + second.exits, nullable: first.nullable || second.nullable)
    }

    private mutating func quest(_ body: Fragment, greedy: Bool) throws(GoRegexError) -> Fragment {
        let index = try emit(.alt)
        var exits: [(Int32, Bool)]
        if greedy {
            program.instructions[Int(index)].out = body.start
            exits = [(index, true)]
        } else {
            program.instructions[Int(index)].arg = body.start
            exits = [(index, false)]
        }
        exits.append(contentsOf: body.exits)
        return Fragment(start: index, exits: exits, nullable: true)
    }

    /// The loop shared by `*` and `+`: an `alt` after the body that goes back to it.
    private mutating func loop(_ body: Fragment, greedy: Bool) throws(GoRegexError) -> Fragment {
        let index = try emit(.alt)
        let exit: (Int32, Bool)
        if greedy {
            program.instructions[Int(index)].out = body.start
            exit = (index, true)
        } else {
            program.instructions[Int(index)].arg = body.start
            exit = (index, false)
        }
        patch(body.exits, to: index)
        return Fragment(start: index, exits: [exit], nullable: true)
    }

    private mutating func star(_ body: Fragment, greedy: Bool) throws(GoRegexError) -> Fragment {
        if body.start == 0 { return try single(.nop, nullable: true) }
        if body.nullable { return try quest(try plus(body, greedy: greedy), greedy: greedy) }
        return try loop(body, greedy: greedy)
    }

    private mutating func plus(_ body: Fragment, greedy: Bool) throws(GoRegexError) -> Fragment {
        if body.start == 0 { return failure }
        let looped = try loop(body, greedy: greedy)
        return Fragment(start: body.start, exits: looped.exits, nullable: body.nullable)
    }
}
