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
