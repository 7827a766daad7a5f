import Foundation
import Synchronization

/// A flat, owned buffer of tensor elements.
///
/// Buffers are recycled through a size-keyed pool so that a training loop, which allocates the
/// same shapes every step, does not pay for `malloc`, page faults and zeroing each time.
/// ``Storage/liveBytes`` counts the bytes held by live storages (not the pool), which tests use
/// to check that a training step leaks nothing.
public final class Storage: @unchecked Sendable {
    /// Element type.
    public let dtype: DType
    /// Number of elements.
    public let count: Int
    /// Start of the buffer.
    public let base: UnsafeMutableRawPointer

    private let byteCount: Int

    /// Allocates uninitialised storage for `count` elements of `dtype`.
    public init(count: Int, dtype: DType) {
        self.dtype = dtype
        self.count = count
        self.byteCount = max(count * dtype.byteSize, 1)
        self.base = BufferPool.shared.take(byteCount: byteCount)
        Storage.live.add(byteCount, ordering: .relaxed)
    }

    /// Allocates storage filled with zeros.
    public convenience init(zeros count: Int, dtype: DType) {
        self.init(count: count, dtype: dtype)
        memset(base, 0, count * dtype.byteSize)
    }

    deinit {
        Storage.live.subtract(byteCount, ordering: .relaxed)
        BufferPool.shared.give(base, byteCount: byteCount)
    }

    /// Typed pointer to the elements. `T` must match ``dtype``.
    @inline(__always)
    public func pointer<T: KFloat>(as: T.Type) -> UnsafeMutablePointer<T> {
        base.assumingMemoryBound(to: T.self)
    }

    private static let live = Atomic<Int>(0)

    /// Bytes held by all live storages (pooled free buffers excluded).
    public static var liveBytes: Int { live.load(ordering: .relaxed) }
}

/// Recycles freed buffers by exact byte size, up to a bounded total.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var pooledBytes = 0
    /// Upper bound of bytes kept for reuse.
    var capacity = 2 << 30
    /// Buffers smaller than this go straight back to `malloc`, which is fast for them.
    private let minimumPooled = 1 << 14

    func take(byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount >= minimumPooled {
            lock.lock()
            if var list = free[byteCount], let p = list.popLast() {
                free[byteCount] = list
                pooledBytes -= byteCount
                lock.unlock()
                return p
            }
            lock.unlock()
        }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
    }

    func give(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= minimumPooled {
            lock.lock()
            if pooledBytes + byteCount <= capacity {
                free[byteCount, default: []].append(p)
                pooledBytes += byteCount
                lock.unlock()
                return
            }
            lock.unlock()
        }
        p.deallocate()
    }

    /// Returns every pooled buffer to the system.
    func drain() {
        lock.lock()
        for (_, list) in free { for p in list { p.deallocate() } }
        free = [:]
        pooledBytes = 0
        lock.unlock()
    }
}

/// Releases the buffers Kindred keeps for reuse back to the system.
public func releaseCachedMemory() { BufferPool.shared.drain() }
