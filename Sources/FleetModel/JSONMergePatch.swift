/// RFC 7386 JSON merge patch: maps merge recursively, `null` deletes a member, everything else
/// (lists included) replaces. Used where Kubernetes falls back to merge semantics.
public enum JSONMergePatch {
    public static func apply(_ patch: Value, to target: Value) -> Value {
        guard case .object(let patchObject) = patch else { return patch }
        var result: ValueObject
        if case .object(let t) = target { result = t } else { result = [:] }
        for (key, member) in patchObject {
            if member.isNull {
                result[key] = nil
            } else {
                result[key] = apply(member, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }
}
