/// A weight matrix inside the mapped GGUF file: `rows` output features, each a contiguous run
/// of `columns` input weights in blocks of its type. Nothing is copied or dequantised ahead of
/// time; the kernels read the blocks where they lie.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    public let rowBytes: Int
    let data: UnsafeRawPointer

    init(name: String, type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = type.rowBytes(elements: columns)!
        self.data = data
    }

    @inline(__always) func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }

    /// One row as floats, for the embedding lookup.
    func dequantizeRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        QuantizedKernels.dequantize(type, row(r), count: columns, into: out)
    }
}
