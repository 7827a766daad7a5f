import Foundation

/// Converts the little-endian element bytes of a safetensors tensor to `Float`/`Double`.
enum SafetensorsConversion {
    /// Fills `destination` from `source`, which holds `destination.count` elements of `dtype`.
    static func convert<T: KFloat>(_ source: UnsafeRawBufferPointer, from dtype: SafetensorsDType, into destination: UnsafeMutableBufferPointer<T>) {
        let n = destination.count
        precondition(source.count == n * dtype.byteSize, "safetensors: byte count does not match element count")
        guard n > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
        #if _endian(little)
        if (dtype == .float32 && T.self == Float.self) || (dtype == .float64 && T.self == Double.self) {
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: source.count)
            return
        }
        #endif
        switch dtype {
        case .bool: for i in 0..<n { dst[i] = src.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
        case .uint8: for i in 0..<n { dst[i] = T(src.load(fromByteOffset: i, as: UInt8.self)) }
        case .int8: for i in 0..<n { dst[i] = T(src.load(fromByteOffset: i, as: Int8.self)) }
        case .float8E5M2: for i in 0..<n { dst[i] = T(halfToFloat(UInt16(src.load(fromByteOffset: i, as: UInt8.self)) << 8)) }
        case .float8E4M3: for i in 0..<n { dst[i] = T(e4m3ToFloat(src.load(fromByteOffset: i, as: UInt8.self))) }
        case .int16: for i in 0..<n { dst[i] = T(load(src, i, Int16.self)) }
        case .uint16: for i in 0..<n { dst[i] = T(load(src, i, UInt16.self)) }
        case .float16: for i in 0..<n { dst[i] = T(halfToFloat(load(src, i, UInt16.self))) }
        case .bfloat16: for i in 0..<n { dst[i] = T(Float(bitPattern: UInt32(load(src, i, UInt16.self)) << 16)) }
        case .int32: for i in 0..<n { dst[i] = T(load(src, i, Int32.self)) }
        case .uint32: for i in 0..<n { dst[i] = T(load(src, i, UInt32.self)) }
        case .float32: for i in 0..<n { dst[i] = T(Float(bitPattern: load(src, i, UInt32.self))) }
        case .float64: for i in 0..<n { dst[i] = T(Double(bitPattern: load(src, i, UInt64.self))) }
        case .int64: for i in 0..<n { dst[i] = T(load(src, i, Int64.self)) }
        case .uint64: for i in 0..<n { dst[i] = T(load(src, i, UInt64.self)) }
        }
    }

    /// Element `i` of a little-endian array of `I` at `p` (any alignment).
    @inline(__always)
    private static func load<I: FixedWidthInteger>(_ p: UnsafeRawPointer, _ i: Int, _: I.Type) -> I {
        I(littleEndian: p.loadUnaligned(fromByteOffset: i * MemoryLayout<I>.size, as: I.self))
    }

    /// IEEE half → float, exactly (subnormals, infinities and NaN payloads included).
    @inline(__always)
    static func halfToFloat(_ h: UInt16) -> Float {
        let negative = h & 0x8000 != 0
        let exponent = UInt32((h >> 10) & 0x1f)
        let mantissa = UInt32(h & 0x3ff)
        if exponent == 0 {
            let v = Float(mantissa) * 0x1p-24
            return negative ? -v : v
        }
        let sign: UInt32 = negative ? 0x8000_0000 : 0
        if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// `float8_e4m3fn` → float: bias 7, no infinities, `S.1111.111` is NaN.
    @inline(__always)
    static func e4m3ToFloat(_ b: UInt8) -> Float {
        let negative = b & 0x80 != 0
        let exponent = Int((b >> 3) & 0xf)
        let mantissa = Float(b & 0x7)
        let magnitude: Float
        if exponent == 15 && b & 0x7 == 0x7 {
            magnitude = .nan
        } else if exponent == 0 {
            magnitude = mantissa * 0x1p-9
        } else {
            magnitude = (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
        }
        return negative ? -magnitude : magnitude
    }
}
