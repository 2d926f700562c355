import FleetHelm
import FleetModel
import FleetTemplate
import FleetTestSupport
import Testing

/// Sprig's date functions and AES helpers as Helm charts call them.
@Suite struct HelmTimeAndAESTests {
    func render(_ text: String) throws -> String {
        var set = TemplateSet()
        set.add("t", try GoTemplate(parsing: text))
        return try set.execute("t", data: .emptyObject, functions: HelmFunctions.table)
    }

    @Test func datesFormatWithGosReferenceLayouts() throws {
        #expect(try render(#"{{ date "2006-01-02T15:04:05Z07:00" 1700000000 }}"#) == "2023-11-14T22:13:20Z")
        #expect(try render(#"{{ dateInZone "Mon Jan _2 15:04:05 MST 2006" 1700000000 "UTC" }}"#) == "Tue Nov 14 22:13:20 UTC 2023")
        #expect(try render(#"{{ dateInZone "2006-01-02 15:04 -0700" 1700000000 "America/New_York" }}"#) == "2023-11-14 17:13 -0500")
        #expect(try render(#"{{ date "Jan 2, 2006 at 3:04pm (.000)" 1700000000 }}"#) == "Nov 14, 2023 at 10:13pm (.000)")
        #expect(try render(#"{{ htmlDate 0 }} {{ unixEpoch (toDate "2006-01-02" "2024-02-29") }}"#) == "1970-01-01 1709164800")
        #expect(try render(#"{{ toDate "2006-01-02" "2024-02-29" }}"#) == "2024-02-29 00:00:00 +0000 UTC", "a time prints as Go prints one")
        #expect(try render(#"{{ dateModify "-1h30m" (toDate "2006-01-02" "2024-01-01") | date "2006-01-02 15:04" }}"#) == "2023-12-31 22:30")
        #expect(try render(#"{{ duration 5400 }} {{ duration 42 }} {{ durationRound "26h" }} {{ durationRound "90s" }}"#) == "1h30m0s 42s 1d 1m")
        #expect(throws: TemplateError.self) { try render(#"{{ mustToDate "2006-01-02" "not a date" }}"#) }
        #expect(try render(#"{{ now | date "2006" }}"#).count == 4)
        #expect(throws: TemplateError.self) { try GoTemplate(parsing: "{{ now }}").execute(.emptyObject) }
    }

    @Test func aesRoundTripsAndOpensWithOpenSSL() throws {
        #expect(try render(#"{{ decryptAES "k3y" (encryptAES "k3y" "secret text") }}"#) == "secret text")
        #expect(try render(#"{{ encryptAES "k3y" "" }}"#) == "")
        let sealed = try render(#"{{ encryptAES "k3y" "hello helm" }}"#)
        let bytes = try #require(Base64.decode(sealed))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("body.b64", Base64.encode(Array(bytes[16...])) + "\n")
        let key = Hex.encode(Array("k3y".utf8) + [UInt8](repeating: 0, count: 29))
        let result = try ProcessRunner.run("/usr/bin/openssl", ["enc", "-d", "-aes-256-cbc", "-a", "-K", key, "-iv", Hex.encode(Array(bytes[..<16])), "-in", directory.file("body.b64")])
        #expect(result.stdout == "hello helm", "\(result.stderr)")
        #expect(throws: TemplateError.self) { try render(#"{{ htpasswd "u" "p" }}"#) }
    }
}
