import FleetFiles
import FleetModel
import FleetYAML

#if canImport(Glibc)
import Glibc
#endif

/// How to reach and authenticate to an API server: from a kubeconfig file (its current
/// context, or a named one) or from inside a pod (the service account).
public struct KubeConnection: Equatable, Sendable {
    public var server: String
    public var caFile: String?
    public var insecureSkipTLSVerify: Bool
    public var token: String?
    /// Re-read before requests when it changes (projected service account tokens rotate).
    public var tokenFile: String?
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    public var namespace: String

    public init(server: String, caFile: String? = nil, insecureSkipTLSVerify: Bool = false, token: String? = nil, tokenFile: String? = nil,
                clientCertificateFile: String? = nil, clientKeyFile: String? = nil, namespace: String = "default") {
        self.server = server
        self.caFile = caFile
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.token = token
        self.tokenFile = tokenFile
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
        self.namespace = namespace
    }

    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The in-cluster configuration, when running in a pod.
    public static func inCluster(environment: [String: String], directory: String = serviceAccountDirectory) throws(KubeError) -> KubeConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else {
            throw KubeError(.config, "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
        }
        guard LocalPaths.exists(directory + "/token") else {
            throw KubeError(.config, "no service account token at \(directory)/token")
        }
        let namespace = (try? LocalPaths.read(directory + "/namespace")).map { String(decoding: $0, as: UTF8.self) } ?? "default"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubeConnection(server: "https://\(hostPart):\(port)", caFile: directory + "/ca.crt", tokenFile: directory + "/token", namespace: namespace)
    }

    /// Reads a kubeconfig. Inline `*-data` fields are written to files under `scratch`
    /// (mode 0600), because libcurl takes certificates and keys as files.
    public static func kubeconfig(_ text: String, path: String, context requested: String? = nil, scratch: String) throws(KubeError) -> KubeConnection {
        let config: Value
        do { config = try YAML.parse(text, source: path) } catch { throw KubeError(.config, "\(error)") }
        let base = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        func named(_ list: String, _ name: String) -> Value? {
            config[list]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }
        guard let contextName = requested ?? config["current-context"]?.stringValue, !contextName.isEmpty else {
            throw KubeError(.config, "\(path): no current-context (name one with --context)")
        }
        guard let context = named("contexts", contextName)?["context"] else { throw KubeError(.config, "\(path): no context named \(contextName)") }
        guard let clusterName = context["cluster"]?.stringValue, let cluster = named("clusters", clusterName)?["cluster"] else {
            throw KubeError(.config, "\(path): context \(contextName) names no cluster that the file defines")
        }
        guard let server = cluster["server"]?.stringValue, server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw KubeError(.config, "\(path): cluster \(clusterName) has no server URL")
        }
        let user = context["user"]?.stringValue.flatMap { named("users", $0)?["user"] } ?? .object([:])
        func file(_ key: String, data dataKey: String, in object: Value, name: String) throws(KubeError) -> String? {
            if let encoded = object[dataKey]?.stringValue {
                guard let bytes = Base64.decode(encoded) else { throw KubeError(.config, "\(path): \(dataKey) of \(name) is not base64") }
                let target = scratch + "/" + name
                do { try LocalPaths.write(bytes, to: target, mode: 0o600) } catch { throw KubeError(.config, "\(error)") }
                return target
            }
            if let file = object[key]?.stringValue { return file.hasPrefix("/") ? file : base + "/" + file }
            return nil
        }
        if user["exec"] != nil || user["auth-provider"] != nil {
            throw KubeError(.config, "\(path): user of context \(contextName) uses an exec or auth-provider plugin, which the spoke does not run; give it a token or a client certificate")
        }
        var connection = KubeConnection(server: server.hasSuffix("/") ? String(server.dropLast()) : server)
        connection.caFile = try file("certificate-authority", data: "certificate-authority-data", in: cluster, name: "ca.crt")
        connection.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"]?.boolValue ?? false
        connection.token = user["token"]?.stringValue
        connection.tokenFile = user["tokenFile"]?.stringValue
        connection.clientCertificateFile = try file("client-certificate", data: "client-certificate-data", in: user, name: "client.crt")
        connection.clientKeyFile = try file("client-key", data: "client-key-data", in: user, name: "client.key")
        if user["username"] != nil, user["password"] != nil {
            throw KubeError(.config, "\(path): basic authentication (username/password) is not supported; use a token or a client certificate")
        }
        connection.namespace = context["namespace"]?.stringValue ?? "default"
        return connection
    }
}

/// What went wrong talking to an API server, with the Status the server sent when there is one.
public struct KubeError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case config, transport, unauthorized, forbidden, notFound, conflict, invalid, throttled, server, other }
    public var kind: Kind
    public var message: String
    public var status: Int
    /// For 422: the fields the server refused, with its message for each.
    public var causes: [(field: String, message: String)]

    public init(_ kind: Kind, _ message: String, status: Int = 0, causes: [(field: String, message: String)] = []) {
        self.kind = kind
        self.message = message
        self.status = status
        self.causes = causes
    }

    public var description: String {
        guard !causes.isEmpty else { return message }
        return message + " (" + causes.map { "\($0.field): \($0.message)" }.joined(separator: "; ") + ")"
    }

    /// Reads a `Status` object answered with an error code; `action` says what we tried
    /// (`patch deployments.apps ml/web`) so a 403 names the verb and resource to allow.
    public static func from(status code: Int, body: [UInt8], action: String) -> KubeError {
        let status = try? JSON.parse(body)
        let message = status?["message"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
        let causes = (status?["details"]?["causes"]?.arrayValue ?? []).map { cause in
            (field: cause["field"]?.stringValue ?? "", message: cause["message"]?.stringValue ?? cause["reason"]?.stringValue ?? "")
        }
        switch code {
        case 401: return KubeError(.unauthorized, "\(action): unauthorized: the credentials were refused (\(message))", status: code)
        case 403: return KubeError(.forbidden, "\(action): forbidden: \(message). Grant the spoke's service account this verb on this resource (see docs/kubernetes.md)", status: code)
        case 404: return KubeError(.notFound, "\(action): not found: \(message)", status: code)
        case 409: return KubeError(.conflict, "\(action): conflict: \(message)", status: code)
        case 422: return KubeError(.invalid, "\(action): invalid: \(message)", status: code, causes: causes)
        case 429: return KubeError(.throttled, "\(action): throttled by the API server", status: code)
        case 500...599: return KubeError(.server, "\(action): server error \(code): \(message)", status: code)
        default: return KubeError(.other, "\(action): HTTP \(code): \(message)", status: code)
        }
    }

    public var isRetryable: Bool { kind == .throttled || kind == .server || kind == .transport }
}
