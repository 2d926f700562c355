import CYAML
import FleetModel

/// Writes one `Value` as a YAML document through libyaml's emitter.
///
/// libyaml decides the final scalar style (plain, single-quoted, double-quoted, literal): we
/// only ask for plain, double-quoted or literal the way go-yaml v2 does, and libyaml falls
/// back when our choice cannot represent the text. go-yaml v2 is a port of this same emitter
/// and is what kustomize prints with, so the two outputs agree byte for byte on ordinary
/// manifests. Not `Sendable`: one emitter per document, on one thread.
final class LibYAMLEmitter {
    private final class Output {
        var bytes: [UInt8] = []
    }

    private let emitter: UnsafeMutablePointer<yaml_emitter_t>
    private let event: UnsafeMutablePointer<yaml_event_t>
    private let output = Output()
    private let options: YAMLEmitOptions

    init(options: YAMLEmitOptions) {
        self.options = options
        emitter = .allocate(capacity: 1)
        event = .allocate(capacity: 1)
        precondition(yaml_emitter_initialize(emitter) == 1, "libyaml could not allocate an emitter")
        yaml_emitter_set_output(emitter, { data, buffer, size in
            guard let data, let buffer else { return 0 }
            let output = Unmanaged<Output>.fromOpaque(data).takeUnretainedValue()
            output.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
            return 1
        }, Unmanaged.passUnretained(output).toOpaque())
        yaml_emitter_set_unicode(emitter, 1)
        yaml_emitter_set_indent(emitter, 2)
        yaml_emitter_set_width(emitter, Int32(options.lineWidth))
    }

    deinit {
        yaml_emitter_delete(emitter)
        emitter.deallocate()
        event.deallocate()
    }

    /// The YAML text of `value` as a single document, ending in a newline.
    func emitDocument(_ value: Value) -> [UInt8] {
        yaml_stream_start_event_initialize(event, YAML_UTF8_ENCODING)
        emit()
        yaml_document_start_event_initialize(event, nil, nil, nil, 1)
        emit()
        emitNode(value)
        yaml_document_end_event_initialize(event, 1)
        emit()
        yaml_stream_end_event_initialize(event)
        emit()
        yaml_emitter_flush(emitter)
        return output.bytes
    }

    private func emit() {
        // Only fails on an event sequence libyaml considers invalid (a bug here, not bad data:
        // every Swift string is valid UTF-8 and every value maps to legal events).
        if yaml_emitter_emit(emitter, event) != 1 {
            let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "unknown error"
            preconditionFailure("libyaml emitter rejected an event: \(problem)")
        }
    }

    private func emitNode(_ value: Value) {
        switch value {
        case .null: emitScalar("null", style: YAML_PLAIN_SCALAR_STYLE)
        case .bool(let b): emitScalar(b ? "true" : "false", style: YAML_PLAIN_SCALAR_STYLE)
        case .int(let i): emitScalar(String(i), style: YAML_PLAIN_SCALAR_STYLE)
        case .double(let d): emitScalar(Self.formatDouble(d), style: YAML_PLAIN_SCALAR_STYLE)
        case .string(let s): emitString(s)
        case .array(let items):
            yaml_sequence_start_event_initialize(event, nil, nil, 1, YAML_BLOCK_SEQUENCE_STYLE)
            emit()
            for item in items { emitNode(item) }
            yaml_sequence_end_event_initialize(event)
            emit()
        case .object(let object):
            yaml_mapping_start_event_initialize(event, nil, nil, 1, YAML_BLOCK_MAPPING_STYLE)
            emit()
            switch options.keyOrder {
            case .preserve:
                for (key, member) in object {
                    emitString(key)
                    emitNode(member)
                }
            case .kustomize:
                for key in object.keys.sorted(by: KustomizeKeyOrder.areInIncreasingOrder) {
                    emitString(key)
                    emitNode(object[key]!)
                }
            }
            yaml_mapping_end_event_initialize(event)
            emit()
        }
    }

    /// go-yaml v2's choice: literal for multi-line text, double quotes when a plain scalar
    /// would read back as another type, plain otherwise (libyaml downgrades as needed).
    private func emitString(_ s: String) {
        let style: yaml_scalar_style_t
        if s.utf8.contains(0x0A) {
            style = YAML_LITERAL_SCALAR_STYLE
        } else if ScalarResolver.plainWouldNotReadAsString(s) {
            style = YAML_DOUBLE_QUOTED_SCALAR_STYLE
        } else {
            style = YAML_PLAIN_SCALAR_STYLE
        }
        emitScalar(s, style: style)
    }

    private func emitScalar(_ text: String, style: yaml_scalar_style_t) {
        var text = text
        text.withUTF8 { utf8 in
            _ = yaml_scalar_event_initialize(event, nil, nil, utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!, Int32(utf8.count), 1, 1, style)
        }
        emit()
    }

    /// Numbers as kubectl prints them after its JSON round trip: integral values below 1e21 as
    /// integers, others in Go's shortest `%g` form; infinities and NaN in YAML's spelling.
    static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        if d.rounded(.towardZero) == d && abs(d) < 1e21, let digits = DecimalDigits(d) {
            return digits.fixed()
        }
        return DecimalDigits.goG(d) ?? String(d)
    }
}
