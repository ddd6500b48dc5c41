/// ggml's tensor element types, by their numbers in the GGUF tensor table. All of them are
/// named so that an error can say which unsupported type a file uses; `isSupported` says which
/// ones the runtime computes with.
public enum GGMLType: UInt32, Sendable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35

    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        case .iq2_xxs: "IQ2_XXS"
        case .iq2_xs: "IQ2_XS"
        case .iq3_xxs: "IQ3_XXS"
        case .iq1_s: "IQ1_S"
        case .iq4_nl: "IQ4_NL"
        case .iq3_s: "IQ3_S"
        case .iq2_s: "IQ2_S"
        case .iq4_xs: "IQ4_XS"
        case .i8: "I8"
        case .i16: "I16"
        case .i32: "I32"
        case .i64: "I64"
        case .f64: "F64"
        case .iq1_m: "IQ1_M"
        case .bf16: "BF16"
        case .tq1_0: "TQ1_0"
        case .tq2_0: "TQ2_0"
        }
    }

    public var isSupported: Bool {
        switch self {
        case .f32, .f16, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K: true
        default: false
        }
    }

    /// Elements per block and bytes per block, for the supported types.
    public var blockLayout: (elements: Int, bytes: Int)? {
        switch self {
        case .f32: (1, 4)
        case .f16: (1, 2)
        case .q8_0: (32, 34)      // f16 scale, 32 x int8
        case .q4_0: (32, 18)      // f16 scale, 16 bytes of nibbles
        case .q4_1: (32, 20)      // f16 scale, f16 minimum, 16 bytes of nibbles
        case .q4_K: (256, 144)    // f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 of nibbles
        case .q6_K: (256, 210)    // 128 low nibbles, 64 of 2-bit highs, 16 int8 scales, f16 d
        default: nil
        }
    }

    /// Bytes a row of `elements` values takes, or nil when the row does not fill whole blocks.
    public func rowBytes(elements: Int) -> Int? {
        guard let layout = blockLayout, elements % layout.elements == 0 else { return nil }
        return elements / layout.elements * layout.bytes
    }
}
