import FleetHelm
import FleetModel
import FleetTemplate
import FleetTestSupport
import Testing

/// Sprig's certificate functions, checked with openssl as a cluster's TLS stack would read them.
@Suite struct HelmCertificatesTests {
    func render(_ text: String) throws -> String {
        var set = TemplateSet()
        set.add("t", try GoTemplate(parsing: text))
        return try set.execute("t", data: .emptyObject, functions: HelmFunctions.table)
    }

    func openssl(_ arguments: [String], in directory: TemporaryDirectory) throws -> String {
        let result = try ProcessRunner.run("/usr/bin/openssl", arguments, in: directory.path)
        try #require(result.succeeded, "openssl \(arguments): \(result.stderr)")
        return result.stdout + result.stderr
    }

    @Test func aSignedCertificateVerifiesAgainstItsGeneratedAuthority() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = try render("""
            {{- $ca := genCA "webhook-ca" 3650 -}}
            {{- $cert := genSignedCert "webhook.system.svc" (list "10.0.0.7") (list "webhook" "webhook.system.svc") 365 $ca -}}
            {{ $ca.Cert }}#{{ $cert.Cert }}#{{ $cert.Key }}
            """)
        let parts = output.split(separator: "#").map(String.init)
        try #require(parts.count == 3)
        try directory.write("ca.crt", parts[0])
        try directory.write("tls.crt", parts[1])
        try directory.write("tls.key", parts[2])
        #expect(try openssl(["verify", "-CAfile", "ca.crt", "tls.crt"], in: directory).contains("tls.crt: OK"))
        let details = try openssl(["x509", "-in", "tls.crt", "-noout", "-subject", "-issuer", "-ext", "subjectAltName,basicConstraints,extendedKeyUsage"], in: directory)
        #expect(details.contains("CN = webhook.system.svc") && details.contains("CN = webhook-ca"))
        #expect(details.contains("IP Address:10.0.0.7") && details.contains("DNS:webhook.system.svc"))
        #expect(details.contains("CA:FALSE") && details.contains("TLS Web Server Authentication"))
        #expect(try openssl(["x509", "-in", "ca.crt", "-noout", "-ext", "basicConstraints"], in: directory).contains("CA:TRUE"))
        // The key belongs to the certificate.
        let certModulus = try openssl(["x509", "-in", "tls.crt", "-noout", "-modulus"], in: directory)
        let keyModulus = try openssl(["rsa", "-in", "tls.key", "-noout", "-modulus"], in: directory)
        #expect(certModulus == keyModulus)
        #expect(parts[2].hasPrefix("-----BEGIN RSA PRIVATE KEY-----"), "RSA keys in PKCS #1, as Sprig writes them")
    }

    @Test func selfSignedCertificatesAndGivenKeys() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = try render("""
            {{- $key := genPrivateKey "ecdsa" -}}
            {{- $cert := genSelfSignedCertWithKey "api" nil (list "api.example.com") 30 $key -}}
            {{ $cert.Cert }}#{{ $key }}#{{ genPrivateKey "dsa2" }}
            """)
        let parts = output.split(separator: "#").map(String.init)
        try directory.write("api.crt", parts[0])
        let details = try openssl(["x509", "-in", "api.crt", "-noout", "-subject", "-issuer", "-ext", "subjectAltName"], in: directory)
        #expect(details.contains("subject=CN = api") && details.contains("issuer=CN = api") && details.contains("DNS:api.example.com"))
        #expect(parts[1].contains("PRIVATE KEY"), "an ECDSA key, in PKCS #8 (Sprig writes SEC 1; both read the same)")
        #expect(parts[2] == "Unknown type dsa2")
        #expect(throws: TemplateError.self) { try render(#"{{ genSelfSignedCert "x" (list "not-an-ip") nil 1 }}"#) }
        #expect(throws: TemplateError.self) { try render(#"{{ genSignedCert "x" nil nil 1 (dict "Cert" "junk" "Key" "junk") }}"#) }
    }
}
