import CKindredTopK
import KindredTensor

/// One candidate of a top-k selection: a key ("smaller is better": `−similarity` or a squared
/// distance) and the gallery index it belongs to. Ordered by key, then by index, so that equal keys
/// keep the lower gallery index first.
struct TopKEntry<T: KFloat>: Comparable {
    var key: T
    var slot: Int32

    @inline(__always)
    static func < (a: TopKEntry, b: TopKEntry) -> Bool {
        a.key < b.key || (a.key == b.key && a.slot < b.slot)
    }

    @inline(__always)
    static func == (a: TopKEntry, b: TopKEntry) -> Bool { a.key == b.key && a.slot == b.slot }
}

/// The running top-k of a block of queries, kept as unsorted candidate buffers with a threshold.
///
/// Each row collects candidates until its buffer (``capacity`` = 2k + 32 entries) is full; then a
/// quickselect keeps the k best and their worst key becomes the row's threshold. From then on an item
/// is looked at only when its key is **strictly below** the threshold: gallery indices arrive in
/// increasing order, so an item whose key equals the threshold would lose the tie anyway. Most items
/// are rejected by one comparison (in ``ExactSearch`` eight or sixteen at a time), the buffer is
/// compacted O(k log(G/k)) / k times per query, and rows are sorted once at the end (float32: a
/// bucket sort) — cheaper than a heap for large k (MAP@R needs k ≈ the largest class) and no slower
/// for small k. A row can also start at a guessed threshold (``prime(row:threshold:)``, see
/// ``ThresholdSample``), which for large k spares the compactions altogether.
struct TopKBuffer<T: KFloat> {
    /// Neighbours kept per row.
    let depth: Int
    /// Candidates a row holds before it is compacted to ``depth``.
    let capacity: Int
    /// Rows in the block.
    let rows: Int
    let entries: UnsafeMutablePointer<TopKEntry<T>>
    /// float32 rows keep their candidates here instead, packed as `orderedBits(key) << 32 | index`:
    /// one unsigned comparison orders by key, then index, so quickselect runs branch-free.
    let packed: UnsafeMutablePointer<UInt64>
    /// Scratch space for the bucket sort of one float32 row (``capacity`` entries).
    let scratch: UnsafeMutablePointer<UInt64>
    let counts: UnsafeMutablePointer<Int>
    /// Per row: keys must be strictly below this to enter (`+∞` until the first compaction).
    let thresholds: UnsafeMutablePointer<T>
    /// Per row: whether the threshold is in force (false: every non-NaN key enters).
    let bounded: UnsafeMutablePointer<Bool>
    /// Per float32 row: bounds on the ordered key bits of its entries (the bucket sort's range).
    let lowBits: UnsafeMutablePointer<UInt32>
    let highBits: UnsafeMutablePointer<UInt32>

    /// Allocates buffers for `rows` queries keeping `depth` neighbours each.
    init(rows: Int, depth: Int) {
        self.rows = rows
        self.depth = depth
        self.capacity = 2 * depth + 32
        entries = .allocate(capacity: T.self == Float.self ? 1 : rows * capacity)
        packed = .allocate(capacity: T.self == Float.self ? rows * capacity : 1)
        scratch = .allocate(capacity: T.self == Float.self ? capacity : 1)
        counts = .allocate(capacity: rows)
        thresholds = .allocate(capacity: rows)
        bounded = .allocate(capacity: rows)
        lowBits = .allocate(capacity: rows)
        highBits = .allocate(capacity: rows)
        reset()
    }

    /// Frees the buffers (call once, when the worker is done).
    func deallocate() {
        entries.deallocate()
        packed.deallocate()
        scratch.deallocate()
        counts.deallocate()
        thresholds.deallocate()
        bounded.deallocate()
        lowBits.deallocate()
        highBits.deallocate()
    }

    /// Empties every row.
    func reset() {
        counts.initialize(repeating: 0, count: rows)
        thresholds.initialize(repeating: T.infinity, count: rows)
        bounded.initialize(repeating: false, count: rows)
        lowBits.initialize(repeating: .max, count: rows)
        highBits.initialize(repeating: 0, count: rows)
    }

    /// Empties one row (its threshold back to `+∞`).
    func reset(row: Int) {
        counts[row] = 0
        thresholds[row] = T.infinity
        bounded[row] = false
        lowBits[row] = .max
        highBits[row] = 0
    }

    /// Starts `row` with a threshold guessed in advance (see ``ExactSearch``'s sampled thresholds):
    /// only keys strictly below `threshold` will enter. The guess may be too tight — the caller then
    /// finds fewer than ``depth`` entries and must search the row again after ``reset(row:)``.
    func prime(row: Int, threshold: T) {
        thresholds[row] = threshold
        bounded[row] = true
    }

    /// Offers the items of one float32 score row to a bounded `row` (a primed one): the keys
    /// strictly below the threshold are packed and appended, sixteen items at a time and without a
    /// branch per item (AVX-512 compresses the passing lanes in registers where the CPU has it); a
    /// full buffer is compacted to the best ``depth`` and the rest of the row scanned against the
    /// tighter threshold.
    ///
    /// - Parameters:
    ///   - kind: how raw inner products become keys (the same keys ``ExactSearch``'s scan computes).
    ///   - scores: `count` raw inner products with gallery items `firstSlot ..< firstSlot + count`.
    ///   - galleryFactor: their per-item factors (inverse or squared norms; `nil` for dot products).
    func append(row: Int, kind: SearchDistance, scores: UnsafePointer<Float>, galleryFactor: UnsafePointer<Float>?,
                queryFactor: Float, count: Int, firstSlot: Int) {
        let base = packed + row * capacity
        let mode: Int32 = switch kind {
        case .dotProduct: Int32(KD_TOPK_DOT)
        case .cosine: Int32(KD_TOPK_COSINE)
        case .euclidean, .squaredEuclidean: Int32(KD_TOPK_EUCLIDEAN)
        }
        var done = 0
        var n = counts[row]
        while done < count {
            if n + 16 > capacity {
                Self.selectPacked(base, count: n, kth: depth - 1)
                thresholds[row] = unsafeBitCast(Self.float(orderedBits: UInt32(truncatingIfNeeded: base[depth - 1] >> 32)), to: T.self)
                n = depth
            }
            var filled = n
            done += kd_topk_append(mode, scores + done, galleryFactor.map { $0 + done }, queryFactor, count - done,
                                   UInt32(truncatingIfNeeded: firstSlot + done), unsafeBitCast(thresholds[row], to: Float.self),
                                   base, &filled, capacity, lowBits + row, highBits + row)
            n = filled
        }
        counts[row] = n
    }

    /// Offers `(key, slot)` to `row`; the caller has already checked `key < thresholds[row]` (or
    /// that the row is not yet bounded and the key is not NaN).
    @inline(__always)
    func insert(row: Int, key: T, slot: Int) {
        var n = counts[row]
        if T.self == Float.self {
            let base = packed + row * capacity
            let bits = Self.orderedBits(unsafeBitCast(key, to: Float.self))
            lowBits[row] = Swift.min(lowBits[row], bits)
            highBits[row] = Swift.max(highBits[row], bits)
            base[n] = UInt64(bits) << 32 | UInt64(UInt32(truncatingIfNeeded: slot))
            n += 1
            if n == capacity {
                Self.selectPacked(base, count: n, kth: depth - 1)
                thresholds[row] = unsafeBitCast(Self.float(orderedBits: UInt32(truncatingIfNeeded: base[depth - 1] >> 32)), to: T.self)
                bounded[row] = true
                n = depth
            }
            counts[row] = n
            return
        }
        let base = entries + row * capacity
        base[n] = TopKEntry(key: key, slot: Int32(truncatingIfNeeded: slot))
        n += 1
        if n == capacity {
            Self.select(base, count: n, kth: depth - 1)
            thresholds[row] = base[depth - 1].key
            bounded[row] = true
            n = depth
        }
        counts[row] = n
    }

    /// Sorts `row`'s candidates, best first, and returns how many of them count: the ``depth`` best
    /// (fewer when fewer were offered). Read them with ``key(row:rank:)`` and ``slot(row:rank:)``.
    @inline(__always)
    func finish(row: Int) -> Int {
        var n = counts[row]
        if T.self == Float.self {
            // A bucket sort of every candidate (at most 2k + 32), ordered only as far as rank `depth`:
            // about what a quickselect to k alone would cost.
            Self.bucketSort(packed + row * capacity, count: n, keep: depth, keyBits: lowBits[row]...Swift.max(lowBits[row], highBits[row]),
                            scratch: scratch)
            return Swift.min(n, depth)
        }
        let base = entries + row * capacity
        if n > depth {
            Self.select(base, count: n, kth: depth - 1)
            n = depth
        }
        var sorted = UnsafeMutableBufferPointer(start: base, count: n)
        sorted.sort()
        return n
    }

    /// The key at `rank` (0-based) of a row sorted by ``finish(row:)``.
    @inline(__always)
    func key(row: Int, rank: Int) -> T {
        if T.self == Float.self {
            let e = packed[row * capacity + rank]
            return unsafeBitCast(Self.float(orderedBits: UInt32(truncatingIfNeeded: e >> 32)), to: T.self)
        }
        return entries[row * capacity + rank].key
    }

    /// The gallery index at `rank` (0-based) of a row sorted by ``finish(row:)``.
    @inline(__always)
    func slot(row: Int, rank: Int) -> Int {
        if T.self == Float.self { return Int(UInt32(truncatingIfNeeded: packed[row * capacity + rank])) }
        return Int(entries[row * capacity + rank].slot)
    }

    /// Unsigned bits that order like the float (−0 and +0 map alike; never called with NaN).
    @inline(__always)
    static func orderedBits(_ x: Float) -> UInt32 {
        let b = (x + 0).bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    /// Sorts packed entries ascending in a few linear passes: a counting sort into about 2–4 buckets
    /// per entry by the key's ordered bits (a monotone map; the bucket width is a power of two wide
    /// enough to span `keyBits`, which holds every entry's ordered key bits), then one insertion pass
    /// that orders each bucket's few entries by key and index — only as far as the bucket holding
    /// rank `keep`, since the entries past it are never read. A top-k row's keys spread over many
    /// buckets; when they do not (many equal keys), the comparison sort is used instead.
    ///
    /// Afterwards `a[0 ..< min(keep, n)]` holds the smallest entries in ascending order; the rest is
    /// a permutation of the others, in no particular order.
    static func bucketSort(_ a: UnsafeMutablePointer<UInt64>, count n: Int, keep: Int, keyBits: ClosedRange<UInt32>,
                           scratch: UnsafeMutablePointer<UInt64>) {
        var all = UnsafeMutableBufferPointer(start: a, count: n)
        if n < 96 || n >= Int(Int32.max) {
            all.sort()
            return
        }
        let lo = keyBits.lowerBound, hi = keyBits.upperBound
        let span = hi &- lo
        // 2^bits buckets at most (2n to 4n, capped at 16384): most hold one entry or none.
        let bits = Swift.min(14, (Int.bitWidth - n.leadingZeroBitCount) + 1)
        let shift = UInt32(Swift.max(0, (32 - span.leadingZeroBitCount) - bits))
        let buckets = Int(span >> shift) + 1
        let sorted: Bool = withUnsafeTemporaryAllocation(of: Int32.self, capacity: buckets) { histogram in
            guard let h = histogram.baseAddress else { return false }
            h.initialize(repeating: 0, count: buckets)
            for i in 0..<n { h[Int((UInt32(truncatingIfNeeded: a[i] &>> 32) &- lo) &>> shift)] &+= 1 }
            // Bucket starts, and where the bucket holding rank `keep` ends.
            var offset: Int32 = 0, largest: Int32 = 0, sortedCount = n
            let wanted = Int32(Swift.min(keep, n))
            for b in 0..<buckets {
                let c = h[b]
                largest = Swift.max(largest, c)
                h[b] = offset
                offset &+= c
                if offset >= wanted && sortedCount == n { sortedCount = Int(offset) }
            }
            if largest > 64 { return false }
            for i in 0..<n {
                let x = a[i]
                let b = Int((UInt32(truncatingIfNeeded: x &>> 32) &- lo) &>> shift)
                scratch[Int(h[b])] = x
                h[b] &+= 1
            }
            // Entries are now in bucket order; the insertion pass only moves entries within a bucket.
            insertionSort(scratch, from: 0, through: sortedCount - 1)
            a.update(from: scratch, count: n)
            return true
        }
        if !sorted { all.sort() }
    }

    /// The float whose ``orderedBits(_:)`` are `u`.
    @inline(__always)
    static func float(orderedBits u: UInt32) -> Float {
        Float(bitPattern: u & 0x8000_0000 != 0 ? u & 0x7FFF_FFFF : ~u)
    }

    /// Quickselect on packed entries with a branch-free Lomuto partition (see ``select(_:count:kth:)``).
    static func selectPacked(_ a: UnsafeMutablePointer<UInt64>, count: Int, kth: Int) {
        var lo = 0, hi = count - 1
        while hi > lo {
            if hi - lo < 16 {
                insertionSort(a, from: lo, through: hi)
                return
            }
            // Median of three, moved to `hi` as the pivot.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[mid] < a[hi] { a.swapAt(hi, mid) }
            let pivot = a[hi]
            var store = lo
            for i in lo..<hi {
                let x = a[i]
                a[i] = a[store]
                a[store] = x
                store &+= x < pivot ? 1 : 0
            }
            a[hi] = a[store]
            a[store] = pivot
            if kth < store {
                hi = store - 1
            } else if kth > store {
                lo = store + 1
            } else {
                return
            }
        }
    }

    /// Quickselect: afterwards `a[kth]` is the entry a full sort would put there, entries before it are
    /// smaller and entries after it larger. Entries are distinct (each gallery index occurs once).
    static func select(_ a: UnsafeMutablePointer<TopKEntry<T>>, count: Int, kth: Int) {
        var lo = 0, hi = count - 1
        while hi > lo {
            if hi - lo < 16 {
                insertionSort(a, from: lo, through: hi)
                return
            }
            // Median of three as the pivot, then Hoare partition.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while pivot < a[j] { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if kth <= j {
                hi = j
            } else if kth >= i {
                lo = i
            } else {
                return
            }
        }
    }
}

/// Sorts `a[lo...hi]` ascending by insertion: the leaves of both quickselects and the bucket sort's
/// final pass (cheap when entries are already close to their places).
@inline(__always)
private func insertionSort<E: Comparable>(_ a: UnsafeMutablePointer<E>, from lo: Int, through hi: Int) {
    guard hi > lo else { return }
    for i in (lo + 1)...hi {
        let x = a[i]
        var j = i - 1
        while j >= lo && x < a[j] {
            a[j + 1] = a[j]
            j -= 1
        }
        a[j + 1] = x
    }
}

extension UnsafeMutablePointer where Pointee: Comparable {
    @inline(__always)
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
