/// Why a render failed: what kind of problem, the file (and line, when one is known) it is
/// in, and a message that says what to do about it.
///
/// The description reads `apps/web/overlays/prod/kustomization.yaml:12: ...`, so editors and
/// CI logs link straight to the spot; `fleet build` prints it on stderr and exits 1.
public struct RenderError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A kustomization field is unknown, mistyped or inconsistent.
        case invalidKustomization
        /// A file or directory the kustomization names does not exist.
        case notFound
        /// A file is not valid YAML.
        case yaml
        /// A path leaves the kustomization root or the repository, or a symlink points out.
        case outsideRoot
        /// A feature this renderer does not implement (remote bases, Helm, replacements...).
        case unsupported
        /// Bases that include each other.
        case cycle
        /// Two resources with the same id, or an ambiguous reference.
        case conflict
        /// A patch that cannot be applied or has no target.
        case patch
        /// A ConfigMap or Secret generator that cannot produce its object.
        case generator
        /// A resource document that is not a valid Kubernetes object.
        case invalidResource
        /// A file larger than the configured limit.
        case tooLarge
        /// A remote base or file that could not be fetched (offline, unknown ref, HTTP error).
        case remote
        /// A Helm chart that cannot be loaded or rendered (the message is Helm's).
        case helm
        /// The render ran past its time limit (`WorkDeadline`): a pathological input.
        case timeLimit
    }

    public var kind: Kind
    public var file: String?
    public var line: Int?
    public var message: String

    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        switch (file, line) {
        case let (file?, line?) where line > 0: return "\(file):\(line): \(message)"
        case let (file?, _): return "\(file): \(message)"
        default: return message
        }
    }
}
