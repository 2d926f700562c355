import FleetModel
@testable import FleetRender
import Testing

/// A commit cannot crash or stall a render (issue 13, finding 4): deep base chains build as
/// kubectl builds them or fail with the file named, and a render stops at its deadline.
@Suite struct RenderLimitsTests {
    static func chain(_ levels: Int) -> [String: String] {
        var files = ["l0/kustomization.yaml": "resources: [cm.yaml]\n",
                     "l0/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: base}\n"]
        for i in 1..<levels { files["l\(i)/kustomization.yaml"] = "resources: [../l\(i - 1)]\n" }
        return files
    }

    @Test func aChainOfEightThousandBasesBuildsAsKubectlBuildsIt() throws {
        // kubectl builds this; the old recursive build overflowed its stack at 7,000.
        let result = try LargeStack.run { try KustomizeBuilder(tree: InMemoryFileTree(files: Self.chain(8000))).build("l7999") }
        #expect(result.objects.count == 1)
        #expect(result.inputs.count == 8001)
    }

    @Test func aChainDeeperThanTheLimitIsAnErrorNamingTheFile() throws {
        let levels = KustomizeBuilder.maxDepth + 1
        do {
            _ = try LargeStack.run { try KustomizeBuilder(tree: InMemoryFileTree(files: Self.chain(levels))).build("l\(levels - 1)") }
            Issue.record("a chain of \(levels) built")
        } catch let error as RenderError {
            #expect(error.kind == .invalidKustomization)
            #expect(error.message.contains("nest more than \(KustomizeBuilder.maxDepth) levels"))
            #expect(error.file?.hasSuffix("kustomization.yaml") == true)
        }
    }

    @Test func aRenderStopsAtItsDeadline() throws {
        do {
            _ = try WorkDeadline.run(seconds: 0, reason: "rendering apps/web took longer than 0s") {
                try KustomizeBuilder(tree: InMemoryFileTree(files: Self.chain(3))).build("l2")
            }
            Issue.record("built past its deadline")
        } catch let error as RenderError {
            #expect(error.kind == .timeLimit)
            #expect(error.message.contains("rendering apps/web took longer than 0s"))
        }
    }

    @Test func patchTargetsUseGoRegularExpressionsWithoutBacktracking() throws {
        let files = [
            "kustomization.yaml": """
                resources: [cm.yaml]
                patches:
                - target: {kind: ConfigMap, name: "(a*)*b"}
                  patch: '[{"op": "add", "path": "/data/x", "value": "y"}]'
                - target: {kind: ConfigMap, name: "web.v1"}
                  patch: '[{"op": "add", "path": "/data/dot", "value": "any"}]'
                """,
            "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \(String(repeating: "a", count: 40))}\ndata: {}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: webxv1}\ndata: {}\n",
        ]
        let result = try KustomizeBuilder(tree: InMemoryFileTree(files: files)).build("")
        #expect(result.objects.allSatisfy { $0[path: "data", "x"] == nil })
        // A dot in a target is a regex dot, as in kubectl: web.v1 selects webxv1.
        #expect(result.objects.first { $0[path: "metadata", "name"] == "webxv1" }?[path: "data", "dot"] == "any")
    }
}

/// Globs from Git match in polynomial time (the old matchers backtracked exponentially).
@Suite struct GlobLimitsTests {
    @Test func manyStarsAgainstALongNameAnswerQuickly() {
        let clock = ContinuousClock()
        let start = clock.now
        let pattern = String(repeating: "*a", count: 40) + "*b"
        #expect(Glob(pattern).matches(String(repeating: "a", count: 200)) == false)
        #expect(Glob(String(repeating: "{a,b}", count: 40)).matches("ab") == false)
        #expect(clock.now - start < .seconds(20))
    }

    @Test func globSemanticsAreKept() {
        #expect(Glob("*.yaml").matches("dir/x.yaml"), "* crosses slashes in directory include patterns")
        #expect(Glob("{a,b}.yaml").matches("b.yaml"))
        #expect(Glob("[!x]y").matches("ay") && !Glob("[!x]y").matches("xy"))
        #expect(Glob("[a-c]?").matches("bz") && !Glob("[a").matches("[a"))
    }
}
