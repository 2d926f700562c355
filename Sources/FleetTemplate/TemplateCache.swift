import Synchronization

/// Parsed templates by their text, shared across renders: a Helm chart rendered for a
/// thousand clusters (each with its own values) is parsed once, not a thousand times. Bounded
/// by the text it holds; when full, it starts again empty (charts come back in the next round).
public enum TemplateCache {
    /// How much template text (UTF-8 bytes) the cache holds before it is emptied.
    public static let maxBytes = 64 << 20

    private struct Key: Hashable {
        var name: String
        var text: String
    }

    private struct State: ~Copyable {
        var templates: [Key: GoTemplate] = [:]
        var bytes = 0
    }

    private static let state = Mutex(State())

    /// The template parsed from `text` (named `name` in its errors), from the cache when the
    /// same text was parsed under that name before. Parse errors are not cached.
    public static func parse(_ text: String, name: String = "") throws(TemplateError) -> GoTemplate {
        let key = Key(name: name, text: text)
        if let cached = state.withLock({ $0.templates[key] }) { return cached }
        let parsed = try GoTemplate(parsing: text, name: name)
        let size = text.utf8.count
        if size <= maxBytes / 4 {
            state.withLock { cache in
                if cache.bytes + size > maxBytes { cache.templates.removeAll(); cache.bytes = 0 }
                if cache.templates.updateValue(parsed, forKey: key) == nil { cache.bytes += size }
            }
        }
        return parsed
    }
}
