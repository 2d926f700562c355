import FleetFiles
import FleetModel
import FleetRender
import FleetTestSupport
import FleetYAML
import Foundation
import Testing

/// Every case under Cases/ is rendered by our engine and by `kubectl kustomize` at test time.
/// Successful builds must produce the same set of objects (keyed by apiVersion, kind,
/// namespace and name, deeply equal) and the same bytes; cases kubectl rejects we must reject.
/// Each case directory holds a CASE file: `build: <dir>` and `expect: success|error`.
@Suite struct KustomizeDifferentialTests {
    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Cases").path
    static let cases: [String] = (try? FileManager.default.contentsOfDirectory(atPath: casesDirectory))?.sorted() ?? []

    struct CaseSpec {
        var build: String
        var expectError: Bool

        init(directory: String) throws {
            let text = try String(contentsOfFile: directory + "/CASE", encoding: .utf8)
            var build = "."
            var expectError = false
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                if parts[0] == "build" { build = parts[1] }
                if parts[0] == "expect" { expectError = parts[1] == "error" }
            }
            self.build = build
            self.expectError = expectError
        }
    }

    @Test func thereAreAtLeastFortyCases() {
        #expect(Self.cases.count >= 40, "\(Self.cases.count) cases in \(Self.casesDirectory)")
    }

    @Test(arguments: cases)
    func rendersLikeKubectlKustomize(_ name: String) throws {
        guard Kubectl.isAvailable else {
            Issue.record("kubectl is not installed: the kustomize differential suite cannot run (it must in CI)")
            return
        }
        let directory = Self.casesDirectory + "/" + name
        let spec = try CaseSpec(directory: directory)
        let reference = try Kubectl.kustomize(directory + "/" + spec.build)

        let ours: Result<RenderResult, RenderError>
        do {
            ours = .success(try KustomizeBuilder(tree: DirectoryFileTree(root: directory)).build(spec.build))
        } catch {
            ours = .failure(error)
        }

        if spec.expectError {
            #expect(!reference.succeeded, "fixture says kubectl fails, but it rendered:\n\(reference.stdout)")
            switch ours {
            case .success(let result):
                Issue.record("kubectl rejects this case (\(reference.stderr)) but we rendered \(result.objects.count) objects")
            case .failure(let error):
                #expect(error.file != nil, "errors name a file: \(error)")
            }
            return
        }

        #expect(reference.succeeded, "kubectl failed on a success case: \(reference.stderr)")
        guard reference.succeeded else { return }
        let result: RenderResult
        switch ours {
        case .success(let r): result = r
        case .failure(let error):
            Issue.record("kubectl renders this case but we failed: \(error)")
            return
        }

        let theirs = try YAML.parseStream(reference.stdout, source: "kubectl").map(\.value).filter { !$0.isNull }
        let ourIndex = Dictionary(result.objects.map { (Self.key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let theirIndex = Dictionary(theirs.map { (Self.key($0), $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(ourIndex.keys) == Set(theirIndex.keys), "object sets differ")
        for (key, theirObject) in theirIndex {
            guard let ourObject = ourIndex[key] else { continue }
            #expect(ourObject == theirObject, "\(key) differs:\nours:   \(ourObject)\nkubectl: \(theirObject)")
        }
        let emitted = YAML.emitStream(result.objects, options: .kustomize)
        if let difference = firstLineDifference(emitted, reference.stdout, labels: ("ours", "kubectl")) {
            Issue.record("output bytes differ from kubectl kustomize: \(difference)")
        }
    }

    static func key(_ object: Value) -> String {
        let metadata = object["metadata"]
        return [object["apiVersion"]?.stringValue ?? "", object["kind"]?.stringValue ?? "",
                metadata?["namespace"]?.stringValue ?? "", metadata?["name"]?.stringValue ?? ""].joined(separator: "/")
    }
}
