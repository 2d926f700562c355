import Crypto
import CryptoExtras
import FleetModel
import FleetTemplate
import FoundationEssentials
import SwiftASN1
import X509

/// Sprig's certificate functions, as charts use them for webhook and API server TLS:
/// `genPrivateKey`, `genCA`/`genCAWithKey`, `genSelfSignedCert`/`...WithKey`,
/// `genSignedCert`/`...WithKey` and `buildCustomCert`. A certificate is a map with `Cert` and
/// `Key` (PEM), as Sprig's struct reads in a template. Keys are RSA 2048 unless given; like
/// Helm's, every render makes new ones (charts keep them stable with `lookup`, which
/// `helm template` and this renderer answer empty, or with values).
enum HelmCertificates {
    static func functions() -> [String: TemplateFunction] {
        var t: [String: TemplateFunction] = [:]
        t["genPrivateKey"] = { a in
            try TemplateFunctions.arity(a, 1, "genPrivateKey")
            switch a[0].stringValue ?? "" {
            case "rsa": return .string(try run { try _RSA.Signing.PrivateKey(keySize: .bits4096).pemRepresentation })
            case "ecdsa": return .string(P256.Signing.PrivateKey().pemRepresentation)
            case "ed25519": return .string(try run { try Certificate.PrivateKey(Curve25519.Signing.PrivateKey()).serializeAsPEM().pemString })
            default: return .string("Unknown type \(a[0].stringValue ?? "")")
            }
        }
        t["genCA"] = { a in
            try TemplateFunctions.arity(a, 2, "genCA")
            return try authority(commonName: text(a[0]), days: days(a[1]), key: try run { try _RSA.Signing.PrivateKey(keySize: .bits2048) })
        }
        t["genCAWithKey"] = { a in
            try TemplateFunctions.arity(a, 3, "genCAWithKey")
            return try authority(commonName: text(a[0]), days: days(a[1]), key: try privateKey(text(a[2])))
        }
        t["genSelfSignedCert"] = { a in
            try TemplateFunctions.arity(a, 4, "genSelfSignedCert")
            let key = try run { try _RSA.Signing.PrivateKey(keySize: .bits2048) }
            return try issue(commonName: text(a[0]), ips: a[1], names: a[2], days: days(a[3]), key: Certificate.PrivateKey(key), keyPEM: key.pemRepresentation, issuer: nil)
        }
        t["genSelfSignedCertWithKey"] = { a in
            try TemplateFunctions.arity(a, 5, "genSelfSignedCertWithKey")
            let pem = text(a[4])
            return try issue(commonName: text(a[0]), ips: a[1], names: a[2], days: days(a[3]), key: try privateKey(pem), keyPEM: pem, issuer: nil)
        }
        t["genSignedCert"] = { a in
            try TemplateFunctions.arity(a, 5, "genSignedCert")
            let key = try run { try _RSA.Signing.PrivateKey(keySize: .bits2048) }
            return try issue(commonName: text(a[0]), ips: a[1], names: a[2], days: days(a[3]), key: Certificate.PrivateKey(key), keyPEM: key.pemRepresentation, issuer: a[4])
        }
        t["genSignedCertWithKey"] = { a in
            try TemplateFunctions.arity(a, 6, "genSignedCertWithKey")
            let pem = text(a[5])
            return try issue(commonName: text(a[0]), ips: a[1], names: a[2], days: days(a[3]), key: try privateKey(pem), keyPEM: pem, issuer: a[4])
        }
        t["buildCustomCert"] = { a in
            try TemplateFunctions.arity(a, 2, "buildCustomCert")
            guard let cert = Base64.decode(text(a[0])).map({ String(decoding: $0, as: UTF8.self) }),
                  let key = Base64.decode(text(a[1])).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw TemplateError("error calling buildCustomCert: unable to decode base64")
            }
            guard (try? Certificate(pemEncoded: cert)) != nil else { throw TemplateError("error calling buildCustomCert: error parsing certificate: decoded PEM is blank") }
            _ = try privateKey(key)
            return ["Cert": .string(cert), "Key": .string(key)]
        }
        // Sprig's AES-256-CBC with a zero-padded password as the key, a random IV first, PKCS #7.
        t["encryptAES"] = { a in
            try TemplateFunctions.arity(a, 2, "encryptAES")
            let plaintext = Array(text(a[1]).utf8)
            if plaintext.isEmpty { return "" }
            let iv = (0..<16).map { _ in UInt8.random(in: 0...255) }
            return .string(try run {
                let sealed = try AES._CBC.encrypt(plaintext, using: aesKey(text(a[0])), iv: try AES._CBC.IV(ivBytes: iv))
                return Base64.encode(iv + Array(sealed))
            })
        }
        t["decryptAES"] = { a in
            try TemplateFunctions.arity(a, 2, "decryptAES")
            guard let data = Base64.decode(text(a[1])) else { throw TemplateError("error calling decryptAES: illegal base64 data") }
            guard data.count >= 32, data.count % 16 == 0 else { throw TemplateError("error calling decryptAES: ciphertext too short") }
            return .string(try run {
                let opened = try AES._CBC.decrypt(Array(data[16...]), using: aesKey(text(a[0])), iv: try AES._CBC.IV(ivBytes: Array(data[..<16])))
                return String(decoding: Array(opened), as: UTF8.self)
            })
        }
        for name in ["bcrypt", "htpasswd"] {
            t[name] = { _ in throw TemplateError("\(name) is not implemented in fleet's Helm engine (bcrypt hashing); put the hash in values instead") }
        }
        return t
    }

    private static func aesKey(_ password: String) -> SymmetricKey {
        var key = [UInt8](repeating: 0, count: 32)
        for (index, byte) in password.utf8.prefix(32).enumerated() { key[index] = byte }
        return SymmetricKey(data: key)
    }

    private static func text(_ value: Value) -> String { value.stringValue ?? value.scalarText ?? "" }

    private static func days(_ value: Value) throws(TemplateError) -> Int {
        guard let days = value.asInt, days >= 0, days <= 100 * 366 else { throw TemplateError("daysValid must be a number of days, up to 100 years") }
        return days
    }

    private static func run<T>(_ body: () throws -> T) throws(TemplateError) -> T {
        do { return try body() } catch let error as TemplateError { throw error } catch { throw TemplateError("\(error)") }
    }

    private static func privateKey(_ pem: String) throws(TemplateError) -> Certificate.PrivateKey {
        if let rsa = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) { return Certificate.PrivateKey(rsa) }
        if let key = try? Certificate.PrivateKey(pemEncoded: pem) { return key }
        throw TemplateError("error parsing private key: no RSA, ECDSA or Ed25519 key in the PEM given")
    }

    private static func authority(commonName: String, days: Int, key: _RSA.Signing.PrivateKey) throws(TemplateError) -> Value {
        try issue(commonName: commonName, ips: .null, names: .null, days: days, key: Certificate.PrivateKey(key), keyPEM: key.pemRepresentation, issuer: nil, isAuthority: true)
    }

    private static func authority(commonName: String, days: Int, key: Certificate.PrivateKey) throws(TemplateError) -> Value {
        let pem = try run { try key.serializeAsPEM().pemString }
        return try issue(commonName: commonName, ips: .null, names: .null, days: days, key: key, keyPEM: pem, issuer: nil, isAuthority: true)
    }

    /// Sprig's getBaseCertTemplate and getCertAndKey: a random 128-bit serial, the common name,
    /// IP and DNS alternative names, valid from now for `days`, key encipherment and digital
    /// signature for server and client auth (a CA adds certificate signing), signed by the
    /// issuer's key or self-signed.
    private static func issue(commonName: String, ips: Value, names: Value, days: Int, key: Certificate.PrivateKey, keyPEM: String,
                              issuer: Value?, isAuthority: Bool = false) throws(TemplateError) -> Value {
        var alternatives: [GeneralName] = []
        for ip in ips.arrayValue ?? [] {
            guard let bytes = ipBytes(text(ip)) else { throw TemplateError("error parsing ip: \(text(ip))") }
            alternatives.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
        }
        for name in names.arrayValue ?? [] { alternatives.append(.dnsName(text(name))) }
        return try run {
            let subject = try DistinguishedName { CommonName(commonName) }
            var issuerName = subject
            var signer = key
            if let issuer {
                guard let caPEM = issuer["Cert"]?.stringValue, let caKey = issuer["Key"]?.stringValue else {
                    throw TemplateError("error parsing the CA: it needs Cert and Key")
                }
                issuerName = try Certificate(pemEncoded: caPEM).subject
                signer = try privateKey(caKey)
            }
            // Whole seconds, as X.509 times are written (rounding up would make it "not yet valid").
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            let extensions = try Certificate.Extensions {
                Critical(isAuthority ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyCertSign: isAuthority))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                if !alternatives.isEmpty { SubjectAlternativeNames(alternatives) }
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(bytes: (0..<16).map { _ in UInt8.random(in: 0...255) }),
                publicKey: key.publicKey, notValidBefore: now, notValidAfter: now.addingTimeInterval(Double(days) * 86_400),
                issuer: issuerName, subject: subject, signatureAlgorithm: signatureAlgorithm(for: signer),
                extensions: extensions, issuerPrivateKey: signer)
            return ["Cert": .string(try certificate.serializeAsPEM().pemString + "\n"), "Key": .string(keyPEM.hasSuffix("\n") ? keyPEM : keyPEM + "\n")]
        }
    }

    private static func signatureAlgorithm(for key: Certificate.PrivateKey) -> Certificate.SignatureAlgorithm {
        switch key.publicKey.description {
        case let text where text.contains("P256"): return .ecdsaWithSHA256
        case let text where text.contains("P384"): return .ecdsaWithSHA384
        case let text where text.contains("Ed25519") || text.contains("Curve25519"): return .ed25519
        default: return .sha256WithRSAEncryption
        }
    }

    /// An IPv4 or IPv6 address as its 4 or 16 bytes.
    static func ipBytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4 {
            let bytes = parts.compactMap { UInt8($0) }
            return bytes.count == 4 ? bytes : nil
        }
        guard text.contains(":") else { return nil }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            part.isEmpty ? [] : part.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }.reduce([UInt16]()) { acc, g in
                guard let g else { return acc + [UInt16.max, UInt16.max, UInt16.max, UInt16.max, UInt16.max, UInt16.max, UInt16.max, UInt16.max, UInt16.max] }
                return acc + [g]
            }
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let total = halves.count == 2 ? 8 : head.count
        guard head.count + tail.count <= 8, total == 8 || halves.count == 2 else { return nil }
        let all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
}
