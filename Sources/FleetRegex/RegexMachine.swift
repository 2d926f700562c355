/// The Pike VM: runs a `RegexProgram` over UTF-8 bytes with every thread in lock step, so the
/// work is at most (input length x program size), never exponential. Threads are kept in
/// priority order and a match cuts off the lower-priority ones, which gives Go's leftmost-first
/// (Perl-like) submatches. The state is reused across the calls of one search (`findAll`).
struct RegexMachine {
    private let program: RegexProgram
    /// The threads at this position and at the next; `now` says which queue is which.
    private var queues: [ThreadQueue]
    private var now = 0
    /// Capture slots of every thread, `slotCount` per thread.
    private var slots: [Int] = []
    private var freeThreads: [Int32] = []
    private var scratch: [Int]
    private var jobs: [Job] = []
    private var steps = 0
    private let stepLimit: Int

    private enum Job {
        case explore(Int32)
        case restore(slot: Int, value: Int)
    }

    init(_ program: RegexProgram, stepLimit: Int) {
        self.program = program
        self.stepLimit = stepLimit
        queues = [ThreadQueue(size: program.instructions.count), ThreadQueue(size: program.instructions.count)]
        scratch = Array(repeating: -1, count: program.slotCount)
    }

    /// The capture positions (byte offsets, -1 when a group did not take part) of the first
    /// match starting at or after `start`, or nil.
    mutating func firstMatch(in input: [UInt8], from start: Int) throws(GoRegexError) -> [Int]? {
        guard start <= input.count else { return nil }
        let n = program.slotCount
        var matched = false
        var matchSlots = Array(repeating: -1, count: n)
        var position = start
        var (rune, width) = Self.rune(input, at: position)
        var (nextRune, nextWidth) = rune >= 0 ? Self.rune(input, at: position + width) : (-1, 0)
        var context = EmptyAssertion.holding(between: position == 0 ? -1 : Self.runeBefore(input, position), and: rune)
        queues[0].clear()
        queues[1].clear()
        while true {
            if queues[now].count == 0 {
                if program.anchoredStart && position != 0 { break }
                if matched { break }
            }
            if !matched && (position == 0 || !program.anchoredStart) {
                for i in 0..<n { scratch[i] = -1 }
                scratch[0] = position
                try add(to: now, pc: program.start, position: position, context: context)
            }
            context = EmptyAssertion.holding(between: rune, and: nextRune)
            try step(position: position, nextPosition: position + width, rune: rune, context: context,
                     matched: &matched, matchSlots: &matchSlots)
            if width == 0 { break }
            position += width
            (rune, width) = (nextRune, nextWidth)
            if rune >= 0 { (nextRune, nextWidth) = Self.rune(input, at: position + width) }
            now ^= 1
        }
        releaseAll(0)
        releaseAll(1)
        return matched ? matchSlots : nil
    }

    private mutating func step(position: Int, nextPosition: Int, rune: Int32, context: EmptyAssertion,
                               matched: inout Bool, matchSlots: inout [Int]) throws(GoRegexError) {
        let n = program.slotCount
        var j = 0
        while j < queues[now].count {
            let thread = queues[now].threads[j]
            let pc = queues[now].dense[j]
            j += 1
            guard thread >= 0 else { continue }
            try tick()
            let instruction = program.instructions[Int(pc)]
            let base = Int(thread) * n
            var advance = false
            switch instruction.op {
            case .match:
                slots[base + 1] = position
                for i in 0..<n { matchSlots[i] = slots[base + i] }
                // Leftmost-first: threads after this one have lower priority.
                for k in j..<queues[now].count where queues[now].threads[k] >= 0 { freeThreads.append(queues[now].threads[k]) }
                queues[now].count = 0
                matched = true
            case .rune1: advance = rune == instruction.arg
            case .rune: advance = rune >= 0 && program.classes[Int(instruction.arg)].contains(UInt32(rune))
            case .runeAny: advance = rune >= 0
            case .runeAnyNotNewline: advance = rune >= 0 && rune != 0x0A
            default: break
            }
            if advance {
                for i in 0..<n { scratch[i] = slots[base + i] }
                try add(to: now ^ 1, pc: instruction.out, position: nextPosition, context: context)
            }
            freeThreads.append(thread)
        }
        queues[now].count = 0
    }

    /// Adds the thread at `pc` and everything reachable from it without reading a rune, in
    /// priority order, each with the capture slots in `scratch` at that point.
    private mutating func add(to queue: Int, pc start: Int32, position: Int, context: EmptyAssertion) throws(GoRegexError) {
        jobs.append(.explore(start))
        while let job = jobs.popLast() {
            switch job {
            case .restore(let slot, let value):
                scratch[slot] = value
            case .explore(let pc):
                if pc == 0 || queues[queue].contains(pc) { continue }
                try tick()
                let entry = queues[queue].insert(pc)
                let instruction = program.instructions[Int(pc)]
                switch instruction.op {
                case .fail:
                    break
                case .alt:
                    jobs.append(.explore(instruction.arg))
                    jobs.append(.explore(instruction.out))
                case .nop:
                    jobs.append(.explore(instruction.out))
                case .assertion:
                    let required = EmptyAssertion(rawValue: UInt8(instruction.arg))
                    if context.isSuperset(of: required) { jobs.append(.explore(instruction.out)) }
                case .capture:
                    let slot = Int(instruction.arg)
                    if slot < scratch.count {
                        jobs.append(.restore(slot: slot, value: scratch[slot]))
                        scratch[slot] = position
                    }
                    jobs.append(.explore(instruction.out))
                case .match, .rune, .rune1, .runeAny, .runeAnyNotNewline:
                    let thread = allocate()
                    let base = Int(thread) * program.slotCount
                    for i in 0..<program.slotCount { slots[base + i] = scratch[i] }
                    queues[queue].threads[entry] = thread
                }
            }
        }
    }

    private mutating func tick() throws(GoRegexError) {
        steps += 1
        if steps > stepLimit { throw GoRegexError.workLimit(stepLimit) }
    }

    private mutating func allocate() -> Int32 {
        if let reused = freeThreads.popLast() { return reused }
        let thread = Int32(slots.count / program.slotCount)
        slots.append(contentsOf: repeatElement(-1, count: program.slotCount))
        return thread
    }

    private mutating func releaseAll(_ queue: Int) {
        for k in 0..<queues[queue].count where queues[queue].threads[k] >= 0 { freeThreads.append(queues[queue].threads[k]) }
        queues[queue].count = 0
    }

    /// The rune at `i` and its width; (-1, 0) at the end of the text.
    static func rune(_ input: [UInt8], at i: Int) -> (Int32, Int) {
        guard let (rune, width) = UTF8Runes.decode(input, at: i) else { return (-1, 0) }
        return (Int32(rune), width)
    }

    /// The rune that ends just before byte `i` (-1 at the start of the text).
    static func runeBefore(_ input: [UInt8], _ i: Int) -> Int32 {
        guard i > 0 else { return -1 }
        var start = i - 1
        while start > 0, i - start < 4, input[start] & 0xC0 == 0x80 { start -= 1 }
        if let (rune, width) = UTF8Runes.decode(input, at: start), start + width == i { return Int32(rune) }
        return Int32(UTF8Runes.invalid)
    }
}

/// A sparse set of instruction indexes with insertion order (Briggs and Torczon), each with
/// the thread that waits there (-1 for instructions that only route).
struct ThreadQueue {
    var sparse: [Int32]
    var dense: [Int32]
    var threads: [Int32]
    var count = 0

    init(size: Int) {
        sparse = Array(repeating: 0, count: size)
        dense = Array(repeating: 0, count: size)
        threads = Array(repeating: -1, count: size)
    }

    func contains(_ pc: Int32) -> Bool {
        let j = Int(sparse[Int(pc)])
        return j < count && dense[j] == pc
    }

    mutating func insert(_ pc: Int32) -> Int {
        let j = count
        sparse[Int(pc)] = Int32(j)
        dense[j] = pc
        threads[j] = -1
        count += 1
        return j
    }

    mutating func clear() { count = 0 }
}

extension GoRegexError {
    static func outputLimit(_ bytes: Int) -> GoRegexError {
        var error = GoRegexError(.workLimit, "")
        error.expression = "more than \(bytes) bytes of output"
        return error
    }

    static func workLimit(_ steps: Int) -> GoRegexError {
        var error = GoRegexError(.workLimit, "")
        error.expression = "\(steps) steps"
        return error
    }
}
