import RealModule

/// The element type of a ``Tensor``.
///
/// Kindred computes in `float32`; `float64` exists so that gradients can be checked against
/// finite differences (see ``gradientCheck(_:inputs:epsilon:tolerance:)``) and for accurate
/// reference computations.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// 32-bit IEEE float (`Float`).
    case float32
    /// 64-bit IEEE float (`Double`).
    case float64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .float64: return 8
        }
    }

    public var description: String { rawValue }
}

/// The scalar types a ``Tensor`` can hold: `Float` and `Double`.
///
/// Kernels are written once, generic over `KFloat`, and specialised by the compiler.
public protocol KFloat: BinaryFloatingPoint, Real, SIMDScalar, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
    /// The ``DType`` that stores this scalar.
    static var dtype: DType { get }
}

extension Float: KFloat {
    public static var dtype: DType { .float32 }
}

extension Double: KFloat {
    public static var dtype: DType { .float64 }
}
