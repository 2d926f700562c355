/// The named classes of Go's regexp syntax: Perl's `\d \s \w`, POSIX `[:alpha:]` and
/// Unicode `\p{Lu}`.
enum RuneGroups {
    /// `\d`, `\s`, `\w` and their negations.
    static func perl(_ letter: UInt8) -> (class: RuneClass, negated: Bool)? {
        switch letter {
        case UInt8(ascii: "d"): return (digit, false)
        case UInt8(ascii: "D"): return (digit, true)
        case UInt8(ascii: "s"): return (perlSpace, false)
        case UInt8(ascii: "S"): return (perlSpace, true)
        case UInt8(ascii: "w"): return (word, false)
        case UInt8(ascii: "W"): return (word, true)
        default: return nil
        }
    }

    static let digit = RuneClass([0x30...0x39])
    static let perlSpace = RuneClass([0x09...0x0A, 0x0C...0x0D, 0x20...0x20])
    static let word = RuneClass([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])

    /// `[:name:]` and `[:^name:]` (the name without the brackets and colons).
    static func posix(_ name: String) -> (class: RuneClass, negated: Bool)? {
        var name = Substring(name)
        let negated = name.hasPrefix("^")
        if negated { name = name.dropFirst() }
        let ranges: [ClosedRange<UInt32>]
        switch name {
        case "alnum": ranges = [0x30...0x39, 0x41...0x5A, 0x61...0x7A]
        case "alpha": ranges = [0x41...0x5A, 0x61...0x7A]
        case "ascii": ranges = [0x00...0x7F]
        case "blank": ranges = [0x09...0x09, 0x20...0x20]
        case "cntrl": ranges = [0x00...0x1F, 0x7F...0x7F]
        case "digit": ranges = [0x30...0x39]
        case "graph": ranges = [0x21...0x7E]
        case "lower": ranges = [0x61...0x7A]
        case "print": ranges = [0x20...0x7E]
        case "punct": ranges = [0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E]
        case "space": ranges = [0x09...0x0D, 0x20...0x20]
        case "upper": ranges = [0x41...0x5A]
        case "word": ranges = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
        case "xdigit": ranges = [0x30...0x39, 0x41...0x46, 0x61...0x66]
        default: return nil
        }
        return (RuneClass(ranges), negated)
    }

    /// A Unicode class by name, as `\p{...}` names it: a general category (`L`, `Lu`, `Nd`...,
    /// also spelled `Letter` or `uppercase_letter`), `Any`, `Assigned` or `ASCII`. Go accepts
    /// script names (`Greek`) too; those are refused here (nil), with the caller's error.
    static func unicode(_ rawName: String) -> (class: RuneClass, negated: Bool)? {
        let name = canonical(rawName)
        switch name {
        case "Any": return (.any, false)
        case "Ascii": return (RuneClass([0x00...0x7F]), false)
        case "Assigned": return (categories.classes["Cn"] ?? RuneClass(), true)
        case "Lc": return (categories.classes["LC"] ?? RuneClass(), false)
        default: break
        }
        let resolved = aliases[name] ?? name
        guard let found = categories.classes[resolved] else { return nil }
        return (found, false)
    }

    /// Go's canonical spelling for lookups: a capital first letter, the rest lower case,
    /// without `_`, `-` or spaces.
    static func canonical(_ name: String) -> String {
        var out = ""
        var first = true
        for c in name where c != "_" && c != "-" && c != " " {
            if first { out += c.uppercased(); first = false } else { out += c.lowercased() }
        }
        return out
    }

    private static let aliases: [String: String] = {
        let pairs: [(String, String)] = [
            ("Other", "C"), ("Control", "Cc"), ("Format", "Cf"), ("Surrogate", "Cs"), ("Privateuse", "Co"), ("Unassigned", "Cn"),
            ("Letter", "L"), ("Casedletter", "LC"), ("Lowercaseletter", "Ll"), ("Modifierletter", "Lm"), ("Otherletter", "Lo"),
            ("Titlecaseletter", "Lt"), ("Uppercaseletter", "Lu"), ("Mark", "M"), ("Combiningmark", "M"), ("Spacingmark", "Mc"),
            ("Enclosingmark", "Me"), ("Nonspacingmark", "Mn"), ("Number", "N"), ("Decimalnumber", "Nd"), ("Digit", "Nd"),
            ("Letternumber", "Nl"), ("Othernumber", "No"), ("Punctuation", "P"), ("Punct", "P"), ("Connectorpunctuation", "Pc"),
            ("Dashpunctuation", "Pd"), ("Closepunctuation", "Pe"), ("Finalpunctuation", "Pf"), ("Initialpunctuation", "Pi"),
            ("Otherpunctuation", "Po"), ("Openpunctuation", "Ps"), ("Symbol", "S"), ("Currencysymbol", "Sc"),
            ("Modifiersymbol", "Sk"), ("Mathsymbol", "Sm"), ("Othersymbol", "So"), ("Separator", "Z"),
            ("Lineseparator", "Zl"), ("Paragraphseparator", "Zp"), ("Spaceseparator", "Zs"),
        ]
        var out: [String: String] = [:]
        for (alias, category) in pairs { out[alias] = category }
        return out
    }()

    private struct Categories: Sendable {
        var classes: [String: RuneClass] = [:]
    }

    /// Every general category as a class, built once on the first `\p` use: one pass over
    /// the code points. `C` is Cc|Cf|Co|Cs as in Go (unassigned code points are `Cn` only).
    private static let categories: Categories = {
        var two: [String: RuneClass] = [:]
        var value: UInt32 = 0
        while value <= RuneClass.maxRune {
            let code: String
            if let scalar = Unicode.Scalar(value) {
                code = categoryCode(scalar.properties.generalCategory)
            } else {
                code = "Cs"
            }
            two[code, default: RuneClass()].add(value...value)
            value += 1
        }
        var all = two
        for letter in ["C", "L", "M", "N", "P", "S", "Z"] {
            var union = RuneClass()
            for (code, members) in two where code.hasPrefix(letter) && code != "Cn" { union.add(members) }
            all[letter] = union
        }
        var cased = RuneClass()
        for code in ["Lu", "Ll", "Lt"] { if let members = two[code] { cased.add(members) } }
        all["LC"] = cased
        return Categories(classes: all)
    }()

    private static func categoryCode(_ category: Unicode.GeneralCategory) -> String {
        switch category {
        case .uppercaseLetter: return "Lu"
        case .lowercaseLetter: return "Ll"
        case .titlecaseLetter: return "Lt"
        case .modifierLetter: return "Lm"
        case .otherLetter: return "Lo"
        case .nonspacingMark: return "Mn"
        case .spacingMark: return "Mc"
        case .enclosingMark: return "Me"
        case .decimalNumber: return "Nd"
        case .letterNumber: return "Nl"
        case .otherNumber: return "No"
        case .connectorPunctuation: return "Pc"
        case .dashPunctuation: return "Pd"
        case .openPunctuation: return "Ps"
        case .closePunctuation: return "Pe"
        case .initialPunctuation: return "Pi"
        case .finalPunctuation: return "Pf"
        case .otherPunctuation: return "Po"
        case .mathSymbol: return "Sm"
        case .currencySymbol: return "Sc"
        case .modifierSymbol: return "Sk"
        case .otherSymbol: return "So"
        case .spaceSeparator: return "Zs"
        case .lineSeparator: return "Zl"
        case .paragraphSeparator: return "Zp"
        case .control: return "Cc"
        case .format: return "Cf"
        case .surrogate: return "Cs"
        case .privateUse: return "Co"
        case .unassigned: return "Cn"
        @unknown default: return "Cn"
        }
    }
}
