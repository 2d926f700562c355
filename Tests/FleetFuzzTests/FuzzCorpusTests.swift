import FleetFuzzTargets
import Foundation
import Testing

/// Every input of the fuzz corpus, seeds and kept crashers alike, through its target on
/// every test run: a crash fixed once stays fixed (Tests/FuzzCorpus/<target>/crashers).
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus")

    static func inputs(_ target: String) -> [URL] {
        ["seeds", "crashers"].flatMap { kind -> [URL] in
            let directory = corpus.appendingPathComponent(target).appendingPathComponent(kind)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
        }
    }

    @Test(arguments: FuzzTargets.all.keys.sorted())
    func everyCorpusInputRunsCleanThrough(target: String) throws {
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "Tests/FuzzCorpus/\(target)/seeds is empty: run scripts/fuzz-corpus.py")
        let run = try #require(FuzzTargets.all[target])
        for input in inputs { run(Array(try Data(contentsOf: input))) }
    }
}
