import CCrypto
import FleetModel

/// Checks the hub's Ed25519 signature over a plan's exact bytes against the pinned public key
/// (base64, as `GET /api/v1/hub` and the hub's start-up line show it).
public struct PlanVerifier: Sendable {
    let publicKey: [UInt8]

    public init(publicKeyBase64: String) throws(SpokeError) {
        guard let key = Base64.decode(publicKeyBase64.trimmingWhitespace()), key.count == 32 else {
            throw SpokeError("the hub public key must be 32 bytes of base64 (the hub prints it at start)")
        }
        publicKey = key
    }

    /// `signature` as the hub sends it (`ed25519=<base64>`, or the bare base64).
    public func verify(_ body: [UInt8], signature: String) -> Bool {
        var text = signature.trimmingWhitespace()
        if text.hasPrefix("ed25519=") { text.removeFirst(8) }
        guard let signatureBytes = Base64.decode(text), signatureBytes.count == 64 else { return false }
        return publicKey.withUnsafeBufferPointer { key in
            signatureBytes.withUnsafeBufferPointer { sig in
                body.withUnsafeBufferPointer { message in
                    fleet_ed25519_verify(key.baseAddress, sig.baseAddress, sig.count, message.baseAddress, message.count) == 1
                }
            }
        }
    }
}

/// A spoke failure with a message for the operator.
public struct SpokeError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
