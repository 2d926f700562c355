import FleetModel
@testable import FleetRender
import Testing

@Suite struct DirectoryRendererTests {
    static let tree = InMemoryFileTree(files: [
        "app/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a2}\n",
        "app/b.json": #"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}}"#,
        "app/notes.txt": "not a manifest",
        "app/sub/c.yml": "apiVersion: v1\nkind: Service\nmetadata: {name: c}\n",
        "app/sub/deeper/d.yaml": "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: d}}\n",
        "app/env-usw2/e.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: e-}\n",
    ])

    func names(_ options: DirectoryOptions) throws -> [String] {
        try DirectoryRenderer.render(Self.tree, directory: "app", options: options).objects.map {
            $0[path: "metadata", "name"]?.stringValue ?? $0[path: "metadata", "generateName"]?.stringValue ?? "?"
        }
    }

    @Test func readsManifestFilesOfTheDirectoryOnly() throws {
        #expect(try names(DirectoryOptions()) == ["a", "a2", "b"])
    }

    @Test func recursesInLexicalOrderWhenAsked() throws {
        #expect(try names(DirectoryOptions(recurse: true)) == ["a", "a2", "b", "e-", "c", "d"])
    }

    @Test func includeAndExcludeGlobsFilterFilesExcludeWinning() throws {
        #expect(try names(DirectoryOptions(recurse: true, include: "*.yaml")) == ["a", "a2", "e-", "d"])
        #expect(try names(DirectoryOptions(recurse: true, include: "{b.json,env-usw2/*}")) == ["b", "e-"])
        #expect(try names(DirectoryOptions(recurse: true, include: "*.yaml", exclude: "sub/*")) == ["a", "a2", "e-"])
    }

    @Test func badManifestsNameTheFile() {
        let tree = InMemoryFileTree(files: ["app/bad.yaml": "kind: ConfigMap\nmetadata: {}\n"])
        let error = #expect(throws: RenderError.self) { try DirectoryRenderer.render(tree, directory: "app") }
        #expect(error?.description.hasPrefix("app/bad.yaml:1: missing metadata.name") == true, "\(error?.description ?? "")")
    }

    @Test func globsSupportClassesAndQuestionMarks() {
        #expect(Glob("file-?.y[a-z]ml").matches("file-1.yaml"))
        #expect(!Glob("file-?.y[!a]ml").matches("file-1.yaml"))
        #expect(Glob("{a,b/{c,d}}.yaml").matches("b/d.yaml"))
        #expect(Glob("dir/*").matches("dir/sub/x.yaml"), "Argo CD's * crosses directories")
    }
}
