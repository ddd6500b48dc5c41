/// One metadata value of a GGUF file, typed as the file types it.
public enum GGUFValue: Sendable, Equatable {
    case uint(UInt64)           // UINT8, UINT16, UINT32, UINT64, BOOL as 0/1 is not folded here
    case int(Int64)             // INT8, INT16, INT32, INT64
    case float(Double)          // FLOAT32, FLOAT64
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// The GGUF value type numbers (gguf_type).
    enum TypeCode: UInt32 {
        case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64
    }

    public var integer: Int? {
        switch self {
        case let .uint(v): v <= UInt64(Int.max) ? Int(v) : nil
        case let .int(v): Int(v)
        default: nil
        }
    }

    public var double: Double? {
        switch self {
        case let .float(v): v
        case let .uint(v): Double(v)
        case let .int(v): Double(v)
        default: nil
        }
    }

    public var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    public var array: [GGUFValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// A short rendering for `infer --json` and error messages; long arrays are summarised.
    public var summary: String {
        switch self {
        case let .uint(v): "\(v)"
        case let .int(v): "\(v)"
        case let .float(v): "\(v)"
        case let .bool(v): "\(v)"
        case let .string(s): s.count > 80 ? "\"\(s.prefix(77))...\"" : "\"\(s)\""
        case let .array(a): "[\(a.count) values]"
        }
    }
}
