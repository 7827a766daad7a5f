import Foundation

/// How Kindred splits work across cores.
///
/// Work is cut into a fixed number of chunks that depends only on the problem size and
/// ``Parallel/threadCount``, so results are bit-identical from run to run on the same machine.
public enum Parallel {
    /// Number of worker threads for Kindred's own kernels (defaults to the active core count;
    /// override with the `KINDRED_THREADS` environment variable).
    nonisolated(unsafe) public static var threadCount: Int = {
        if let s = ProcessInfo.processInfo.environment["KINDRED_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body(range)` over `0..<count` in up to ``threadCount`` contiguous chunks, in
    /// parallel when `count * costPerItem` is large enough to be worth it.
    @inline(__always)
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        if threads <= 1 || count * costPerItem < 1 << 16 || count < 2 {
            body(0..<count)
            return
        }
        let chunks = min(threads, count)
        let size = (count + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = c * size
            let hi = min(count, lo + size)
            if lo < hi { body(lo..<hi) }
        }
    }
}
