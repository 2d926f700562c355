import FleetModel
import Testing

@testable import FleetAppSet
@testable import FleetTemplate

/// The names an ApplicationSet's Go template can call are exactly Argo CD's: its
/// `applicationset/utils` starts from `sprig.GenericFuncMap()`, deletes `env`, `expandenv` and
/// `getHostByName` ("Avoid allowing the user to learn things about the environment") and adds
/// `normalize`, `slugify`, `toYaml`, `fromYaml` and `fromYamlArray`. Helm's additions
/// (`include`, `tpl`, `required`, `toToml`, `fromJsonArray`, `lookup`) are not in it.
@Suite struct ArgoFunctionSetTests {
    /// Sprig v3's genericMap, name for name (`sha512sum` came with v3.3, which Argo CD uses).
    static let sprig: Set<String> = Set("""
        hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate
        htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth
        trunc trim upper lower title untitle substr repeat trimall trimAll trimSuffix trimPrefix nospace
        initials randAlphaNum randAlpha randAscii randNumeric randSeededNumeric swapcase shuffle snakecase
        camelcase kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat indent nindent
        replace plural sha1sum sha256sum adler32sum toString atoi int64 int float64 seq toDecimal split
        splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf
        mulf biggest max min maxf minf ceil floor round join sortAlpha default empty coalesce all any
        compact mustCompact fromJson toJson toPrettyJson toRawJson mustFromJson mustToJson
        mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf typeIs typeIsLike kindOf
        kindIs deepEqual env expandenv getHostByName base dir clean ext isAbs osBase osClean osDir osExt
        osIsAbs b64enc b64dec b32enc b32dec tuple list dict get set unset hasKey pluck keys pick omit
        merge mergeOverwrite mustMerge mustMergeOverwrite values append push mustAppend mustPush prepend
        mustPrepend first mustFirst rest mustRest last mustLast initial mustInitial reverse mustReverse
        uniq mustUniq without mustWithout has mustHas slice mustSlice concat dig chunk mustChunk bcrypt
        htpasswd genPrivateKey derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert
        genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES randBytes
        uuidv4 semver semverCompare fail regexMatch mustRegexMatch regexFindAll mustRegexFindAll
        regexFind mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral
        mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta urlParse urlJoin sha512sum
        """.split(whereSeparator: \.isWhitespace).map(String.init))
    static let goBuiltins: Set<String> = ["and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery", "eq", "ne", "lt", "le", "gt", "ge", "call"]
    static let argoCD = sprig.subtracting(["env", "expandenv", "getHostByName"])
        .union(["normalize", "slugify", "toYaml", "fromYaml", "fromYamlArray"])

    @Test func everyFunctionArgoCDRegistersIsKnown() {
        let missing = Self.argoCD.subtracting(ArgoTemplateFunctions.table.keys).sorted()
        #expect(missing == [])
    }

    @Test func noFunctionBeyondArgoCDsIsCallable() {
        let extra = Set(ArgoTemplateFunctions.table.keys).subtracting(Self.argoCD).subtracting(Self.goBuiltins).sorted()
        #expect(extra == [])
    }

    @Test(arguments: ["required", "include", "tpl", "toToml", "fromJsonArray", "lookup", "env", "expandenv", "getHostByName"])
    func helmAndEnvironmentFunctionsAreUndefinedAsInArgoCD(name: String) throws {
        let renderer = try TemplateRenderer(useGoTemplate: true, options: [])
        #expect(throws: TemplateError.self) { try renderer.renderString("{{ \(name) \"x\" \"y\" }}", .object([:]), [:]) }
    }

    @Test func clockAndRandomFunctionsFailSayingWhy() throws {
        let renderer = try TemplateRenderer(useGoTemplate: true, options: [])
        #expect { try renderer.renderString("{{ now }}", .object([:]), [:]) } throws: { error in
            "\(error)".contains("now is not available in ApplicationSet templates")
        }
        #expect { try renderer.renderString("{{ genCA \"x\" 3 }}", .object([:]), [:]) } throws: { error in
            "\(error)".contains("new keys")
        }
    }

    @Test func dateFunctionsOnGivenTimesWorkAsSprigs() throws {
        let renderer = try TemplateRenderer(useGoTemplate: true, options: [])
        let out = try renderer.renderString(#"{{ toDate "2006-01-02" "2024-03-05" | unixEpoch }} {{ toDate "2006-01-02" "2024-03-05" | date "Jan 2, 2006" }} {{ duration 95 }}"#, .object([:]), [:])
        #expect(out == "1709596800 Mar 5, 2024 1m35s")
    }
}
