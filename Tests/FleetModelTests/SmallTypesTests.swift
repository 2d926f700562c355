@testable import FleetModel
import Testing

@Suite struct KubeDurationTests {
    @Test(arguments: [
        ("500ms", 500_000_000), ("30s", 30_000_000_000), ("5m", 300_000_000_000), ("1h", 3_600_000_000_000),
        ("1h30m", 5_400_000_000_000), ("1.5s", 1_500_000_000), ("0", 0), ("-2s", -2_000_000_000), ("90us", 90_000), ("10ns", 10),
        ("2m30s", 150_000_000_000),
    ] as [(String, Int64)])
    func parsesGoDurations(text: String, nanoseconds: Int64) throws {
        #expect(try KubeDuration(parsing: text).nanoseconds == nanoseconds)
    }

    @Test(arguments: ["", "5", "5x", "m", "1.2.3s", "abc", "-"])
    func rejectsMalformedDurationsWithExamples(text: String) {
        let error = #expect(throws: KubeDurationError.self) { try KubeDuration(parsing: text) }
        #expect(error?.description.contains("examples: 500ms, 30s, 5m, 1h") == true)
    }

    @Test(arguments: [
        (KubeDuration.milliseconds(500), "500ms"), (.seconds(30), "30s"), (.minutes(5), "5m"), (.hours(1), "1h"),
        (.seconds(90), "1m30s"), (.milliseconds(1500), "1.5s"), (.seconds(0), "0s"), (.hours(26), "26h"),
    ])
    func formatsLikeKubectl(duration: KubeDuration, text: String) throws {
        #expect(duration.description == text)
        #expect(try KubeDuration(parsing: text) == duration)
    }
}

@Suite struct Base64Tests {
    @Test func roundTripsAllLengths() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode("hello") == "aGVsbG8=")
        #expect(Base64.decode("aGVs\n bG8=") == Array("hello".utf8), "whitespace is ignored")
    }

    @Test(arguments: ["a", "ab!c", "YQ==YQ==", "YQ===", "Y==="])
    func rejectsInvalidText(text: String) {
        #expect(Base64.decode(text) == nil)
    }
}

@Suite struct DecimalDigitsTests {
    @Test(arguments: [
        (685230.15, "685230.15"), (1234567.5, "1.2345675e+06"), (0.00001, "1e-05"), (0.0001, "0.0001"),
        (123456.5, "123456.5"), (1.2345678901234568e29, "1.2345678901234568e+29"), (-0.5, "-0.5"),
    ])
    func formatsLikeGoShortestG(value: Double, expected: String) {
        #expect(DecimalDigits.goG(value) == expected)
    }
}

@Suite struct TreePathTests {
    @Test(arguments: [
        ("b/c", "a", "a/b/c"), ("../x", "a/b", "a/x"), ("./y//z/", "", "y/z"), ("..", "a", ""),
    ] as [(String, String, String?)])
    func resolvesRelativePathsInsideTheTree(relative: String, base: String, expected: String?) {
        #expect(TreePath.resolve(relative, against: base) == expected)
    }

    @Test func refusesPathsThatLeaveTheTree() {
        #expect(TreePath.resolve("../../etc/passwd", against: "apps") == nil)
        #expect(TreePath.resolve("/etc/passwd", against: "") == nil)
        #expect(TreePath.directory(of: "a/b/c.yaml") == "a/b")
        #expect(TreePath.basename(of: "a/b/c.yaml") == "c.yaml")
        #expect(TreePath.directory(of: "c.yaml") == "")
    }

    @Test func inMemoryTreesListKindAndRead() throws {
        var tree = InMemoryFileTree(files: ["apps/web/a.yaml": "a", "apps/web/b.yaml": "b", "top.yaml": "t"])
        tree.link("apps/l.yaml", to: "web/a.yaml")
        #expect(try tree.listDirectory("") == ["apps", "top.yaml"])
        #expect(try tree.listDirectory("apps") == ["l.yaml", "web"])
        #expect(try tree.kind(of: "apps/web") == .directory)
        #expect(try tree.kind(of: "apps/l.yaml") == .symlink(target: "web/a.yaml"))
        #expect(try tree.kind(of: "nope") == nil)
        #expect(try tree.readFile("./apps//web/a.yaml") == Array("a".utf8))
        #expect(throws: FileTreeError.self) { try tree.readFile("apps") }
    }
}
