import FleetModel
@testable import FleetRender
import Testing

@Suite struct KustomizeHasherTests {
    /// Vectors from kustomize's own hasher tests, and from `kubectl kustomize` output.
    static let vectors: [(Value, String)] = {
        let configMap: Value = ["apiVersion": "v1", "kind": "ConfigMap"]
        let secret: Value = ["apiVersion": "v1", "kind": "Secret", "type": "my-type"]
        func with(_ base: Value, _ fields: ValueObject) -> Value {
            var value = base
            for (key, field) in fields { value[key] = field }
            return value
        }
        return [
            (configMap, "6ct58987ht"),
            (with(configMap, ["data": ["one": ""]]), "9g67k2htb6"),
            (with(configMap, ["data": ["two": 2, "one": "", "three": 3]]), "7757f9kkct"),
            (with(configMap, ["binaryData": ["one": ""]]), "6mtk2m274t"),
            (with(configMap, ["data": ["one": ""], "binaryData": ["two": ""]]), "698h7c7t9m"),
            (secret, "5gmgkf8578"),
            (with(secret, ["data": ["one": ""]]), "74bd68bm66"),
            (with(secret, ["data": ["one": ""], "stringData": ["two": 2]]), "c4h4264gdb"),
            (with(configMap, ["metadata": ["name": "foo"], "data": ["a": "b"]]), "4h2mbtbbt6"),
            (["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "sec"], "type": "Opaque", "data": ["user": "YWRtaW4="]], "hmbb7mfmdf"),
        ]
    }()

    @Test(arguments: vectors)
    func hashesMatchKustomize(object: Value, expected: String) {
        #expect(KustomizeHasher.hash(object) == expected)
    }

    @Test func theNameAndLabelsDoNotChangeTheHash() {
        let a: Value = ["kind": "ConfigMap", "metadata": ["name": "a", "labels": ["x": "1"]], "data": ["k": "v"]]
        let b: Value = ["kind": "ConfigMap", "metadata": ["name": "prod-b"], "data": ["k": "v"]]
        #expect(KustomizeHasher.hash(a) == KustomizeHasher.hash(b))
        #expect(KustomizeHasher.hash(a) != KustomizeHasher.hash(["kind": "ConfigMap", "data": ["k": "w"]]))
    }

    @Test func goJSONEscapesHTMLCharactersAndLineSeparators() {
        let encoded = String(decoding: GoJSON.encode(["b": "<&>\u{2028}\n\u{1}", "a": 1.5]), as: UTF8.self)
        #expect(encoded == #"{"a":1.5,"b":"\u003c\u0026\u003e\u2028\n\u0001"}"#)
    }
}

@Suite struct ImageReferenceTests {
    @Test(arguments: [
        ("nginx", "nginx", "", ""), ("nginx:1.25", "nginx", "1.25", ""), ("registry:5000/app", "registry:5000/app", "", ""),
        ("registry:5000/app:v1", "registry:5000/app", "v1", ""), ("app@sha256:abc", "app", "", "sha256:abc"),
        ("app:v1@sha256:abc", "app", "v1", "sha256:abc"), ("a/b/c:tag", "a/b/c", "tag", ""),
    ])
    func splitsNameTagAndDigest(image: String, name: String, tag: String, digest: String) {
        let parts = ImageReference.split(image)
        #expect(parts.name == name && parts.tag == tag && parts.digest == digest)
    }

    @Test func rewritesOnlyTheNamedImage() {
        let override = ImageOverride(name: "nginx", newName: "mirror/nginx", newTag: "1.25", digest: nil)
        #expect(ImageReference.apply(override, to: "nginx") == "mirror/nginx:1.25")
        #expect(ImageReference.apply(override, to: "nginx:1.19@sha256:x") == "mirror/nginx:1.25")
        #expect(ImageReference.apply(override, to: "docker.io/nginx") == nil)
        #expect(ImageReference.apply(override, to: "nginx-extra:1") == nil)
        let digestOnly = ImageOverride(name: "app", newName: nil, newTag: nil, digest: "sha256:d")
        #expect(ImageReference.apply(digestOnly, to: "app:v1") == "app@sha256:d")
    }
}
