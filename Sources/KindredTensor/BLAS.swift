import CKindredBLAS

/// Facts about the BLAS library Kindred calls.
public enum BLAS {
    /// The library and kernel in use (e.g. "OpenBLAS … (kernel SkylakeX)").
    public static var configuration: String { String(cString: kd_blas_config()) }

    /// Number of threads BLAS uses.
    public static var threadCount: Int {
        get { Int(kd_blas_get_threads()) }
        set { kd_blas_set_threads(Int32(newValue)) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation

extension BLAS {
    /// Whether this CPU should use OpenBLAS's SkylakeX kernels (it has AVX-512) while OpenBLAS was
    /// not told so. Debian's OpenBLAS 0.3.21 does not recognise AMD Zen 4/5 and would pick its
    /// slower Haswell kernels.
    static var wantsCoreTypeOverride: Bool {
        #if os(Linux)
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        return flags.split(separator: " ").contains("avx512f")
        #else
        return false
        #endif
    }

    /// Re-executes the current program with `OPENBLAS_CORETYPE=SkylakeX` when the CPU has AVX-512
    /// and the variable is unset. OpenBLAS reads it only when the process starts, so a program's
    /// `main` calls this first; it returns normally when nothing needs to change (or on macOS).
    public static func relaunchWithFastKernelsIfNeeded() {
        #if os(Linux)
        guard wantsCoreTypeOverride else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the default kernels.
        #endif
    }
}

/// Why a LAPACK routine failed.
public struct LAPACKError: Error, Equatable, CustomStringConvertible {
    /// The routine, e.g. `dsyevd`.
    public let routine: String
    /// LAPACK's `info` code (< 0: argument `−info` was bad; > 0: no convergence; −1000: out of memory).
    public let info: Int

    public var description: String {
        if info == -1000 { return "\(routine): could not allocate its workspace" }
        if info < 0 { return "\(routine): argument \(-info) was invalid" }
        return "\(routine) did not converge (info \(info))"
    }
}

extension BLAS {
    /// Eigenvalues and eigenvectors of a symmetric matrix, through LAPACK's `dsyevd` (OpenBLAS's
    /// LAPACK on Linux, Accelerate on macOS).
    ///
    /// - Parameters:
    ///   - matrix: `n × n` symmetric matrix, row-major (only its lower triangle is read).
    ///   - n: the order.
    /// - Returns: eigenvalues in ascending order and, row-major, the unit eigenvector of eigenvalue
    ///   `i` in row `i` (signs as LAPACK returns them).
    /// - Throws: ``LAPACKError`` when `matrix` does not hold `n × n` values or LAPACK fails.
    public static func symmetricEigendecomposition(_ matrix: [Double], order n: Int) throws -> (eigenvalues: [Double], eigenvectors: [Double]) {
        guard n >= 0, matrix.count == n * n else { throw LAPACKError(routine: "dsyevd", info: -4) }
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in kd_dsyevd(Int32(n), ap.baseAddress, wp.baseAddress) }
        }
        guard info == 0 else { throw LAPACKError(routine: "dsyevd", info: Int(info)) }
        // LAPACK stores eigenvector i in column i of a column-major array: row i of the row-major view.
        return (w, a)
    }
}
