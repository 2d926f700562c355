import FleetArchive
import FleetFiles
import FleetHelm
import FleetModel
import FleetTestSupport
import Testing

/// Packaged charts (`.tgz`), made with the system's `tar` as `helm package` makes them: one
/// top directory named after the chart.
@Suite struct HelmArchiveTests {
    func package(_ files: [String: String], top: String, in directory: TemporaryDirectory, extraTarArguments: [String] = []) throws -> [UInt8] {
        for (path, text) in files { try directory.write("src/\(top)/\(path)", text) }
        let result = try ProcessRunner.run("/bin/tar", ["-czf", directory.file("chart.tgz")] + extraTarArguments + ["-C", directory.file("src"), top])
        try #require(result.succeeded, "\(result.stderr)")
        return try LocalPaths.read(directory.file("chart.tgz"))
    }

    let library = [
        "Chart.yaml": "apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n",
        "templates/_names.tpl": #"{{- define "common.name" -}}{{ .Chart.Name }}-{{ .Values.suffix | default "x" }}{{- end -}}"#,
    ]

    @Test func aPackagedSubchartUnderChartsIsUnpackedAndUsed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let archive = try package(library, top: "common", in: directory)
        var tree = InMemoryFileTree(files: [
            "app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: common\n  version: 0.1.0\n",
            "app/values.yaml": "suffix: web\n",
            "app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"common.name\" . }}\n",
        ])
        tree.write("app/charts/common-0.1.0.tgz", bytes: archive)
        let chart = try HelmChart.load(tree: tree, path: "app")
        #expect(chart.subcharts.map(\.name) == ["common"])
        #expect(chart.subcharts.first?.isLibrary == true)
        let manifests = try HelmRenderer.render(chart, values: [:], options: HelmRenderOptions(releaseName: "r"))
        #expect(manifests.map(\.text) == ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-web"])
    }

    @Test func aWholeChartLoadsFromItsArchiveWithLongPaths() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let deep = "files/" + String(repeating: "nested-directory/", count: 8) + "settings.conf"
        let archive = try package(["Chart.yaml": "apiVersion: v2\nname: web\nversion: 2.0.0\n", deep: "k=v\n"], top: "web", in: directory)
        let chart = try HelmChart.load(archive: archive, displayName: "web.tgz")
        #expect(chart.name == "web")
        #expect(chart.files.map(\.path) == [deep], "a path over 100 bytes comes through the PAX or GNU long-name header")
    }

    @Test func brokenOrHostileArchivesAreRefusedWithHelmsWords() throws {
        #expect(throws: HelmError("gzip: invalid header")) { try HelmChart.load(archive: Array("not gzip".utf8), displayName: "x.tgz") }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let archive = try package(library, top: "common", in: directory)
        let truncated = Array(archive.prefix(archive.count / 2))
        #expect(throws: HelmError.self) { try HelmChart.load(archive: truncated, displayName: "x.tgz") }
        // Content outside the chart's directory.
        try directory.write("evil/Chart.yaml", "apiVersion: v2\nname: evil\nversion: 1.0.0\n")
        _ = try ProcessRunner.run("/bin/tar", ["-czf", directory.file("evil.tgz"), "-C", directory.file("evil"), "Chart.yaml"])
        #expect(throws: HelmError("chart yaml not in base directory")) {
            try HelmChart.load(archive: try LocalPaths.read(directory.file("evil.tgz")), displayName: "evil.tgz")
        }
    }

    @Test func decompressionIsBounded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("zeros/zeros", String(repeating: "0", count: 2 << 20))
        _ = try ProcessRunner.run("/bin/tar", ["-czf", directory.file("z.tgz"), "-C", directory.file("zeros"), "zeros"])
        let archive = try LocalPaths.read(directory.file("z.tgz"))
        #expect(archive.count < 64 << 10)
        #expect(throws: ArchiveError.self) { try Gzip.decompress(archive, limit: 1 << 20) }
        let tar = try Gzip.decompress(archive, limit: 4 << 20)
        #expect(throws: ArchiveError.self) { try TarArchive.files(tar, fileLimit: 1 << 20, totalLimit: 8 << 20) }
        #expect(try TarArchive.files(tar, fileLimit: 4 << 20, totalLimit: 8 << 20).map(\.path) == ["zeros"])
    }
}
