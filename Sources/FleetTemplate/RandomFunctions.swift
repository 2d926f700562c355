import FleetModel

/// Sprig's random functions, for Helm charts (Helm has them; ApplicationSets refuse them,
/// since a generated Application must be the same on every render). Random output in a
/// rendered manifest changes on every render, as it does under Argo CD: charts usually keep
/// it to test hooks or let values override it.
extension TemplateFunctions {
    public static let randomFunctions: [String: TemplateFunction] = {
        var t: [String: TemplateFunction] = [:]
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        let digits = Array("0123456789".utf8)
        let printable = (UInt8(32)...UInt8(126)).map { $0 }
        func randomString(_ name: String, from alphabet: [UInt8]) -> TemplateFunction {
            { a in
                try arity(a, 1, name)
                guard let count = a[0].asInt else { throw TemplateError("error calling \(name): wrong type for value; expected int; got \(goKind(a[0]))") }
                try withinBudget(max(count, 0), times: 1, name)
                var generator = SystemRandomNumberGenerator()
                return .string(String(decoding: (0..<max(count, 0)).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self))
            }
        }
        t["randAlpha"] = randomString("randAlpha", from: letters)
        t["randAlphaNum"] = randomString("randAlphaNum", from: letters + digits)
        t["randNumeric"] = randomString("randNumeric", from: digits)
        t["randAscii"] = randomString("randAscii", from: printable)
        t["randBytes"] = { a in
            try arity(a, 1, "randBytes")
            guard let count = a[0].asInt else { throw TemplateError("error calling randBytes: wrong type for value; expected int; got \(goKind(a[0]))") }
            try withinBudget(max(count, 0), times: 2, "randBytes")
            var generator = SystemRandomNumberGenerator()
            return .string(Base64.encode((0..<max(count, 0)).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        }
        t["randInt"] = { a in
            try arity(a, 2, "randInt")
            let low = toInt(a[0]), high = toInt(a[1])
            // Go's rand.Intn panics on a non-positive bound; Helm reports the panic as an error.
            guard high > low else { throw TemplateError("error calling randInt: invalid argument to Intn") }
            return .int(Int.random(in: low..<high))
        }
        t["shuffle"] = { a in
            try arity(a, 1, "shuffle")
            var generator = SystemRandomNumberGenerator()
            return .string(String(str(a[0]).shuffled(using: &generator)))
        }
        t["uuidv4"] = { a in
            try arity(a, 0, "uuidv4")
            var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
            bytes[6] = bytes[6] & 0x0f | 0x40
            bytes[8] = bytes[8] & 0x3f | 0x80
            let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            let h = Array(hex)
            return .string(String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32]))
        }
        return t
    }()
}
