import KindredTensor

/// A strided sample of a float32 gallery from which ``ExactSearch`` guesses, for large `k`, each
/// query's k-th best key before the real scan starts.
///
/// With `k` in the hundreds (MAP@R reads as deep as the largest class), filling a buffer from an
/// open threshold lets thousands of items in and compacts it many times. Instead, one item of
/// every `s` consecutive gallery items (`s = k / 64`, or more for galleries beyond 64 · 4096 items
/// per 64 of k, at a hashed offset) is scored first; the key at rank `k / s + 3√(k / s) + 1` of that
/// sample — three standard deviations past the expected rank of the k-th best — becomes the row's
/// starting threshold. About `k + 3√(k·s)` items then pass the scan, which fits the buffer without a
/// compaction. The guess is only a filter: a row that lets fewer than `k` items through (a tight
/// guess, many excluded items, NaN scores) is searched again with no threshold, so the result is
/// exactly the one without a sample.
final class ThresholdSample {
    /// Sampled gallery items.
    let count: Int
    /// Their embeddings, `count × dim`, row-major.
    let rows: UnsafeMutablePointer<Float>
    /// Their per-row factors (inverse norms for cosine, squared norms for Euclidean; empty for dot products).
    let factors: [Float]
    /// The 0-based rank, in the sample, of the key taken as the threshold.
    let rank: Int
    /// The most items a sample holds (so a worker's tile holds at most `queryBlockSize × 4096` scores).
    static let maximumCount = 4096

    /// The sample for a search of depth `depth`, or `nil` when `k` is too small (below 128) or too close
    /// to the gallery size (more than a quarter of it) for a sample to pay off.
    init?(depth: Int, galleryCount: Int, gallery: Tensor, galleryFactor: [Float]) {
        guard depth >= 128, galleryCount >= 4 * depth, gallery.dtype == .float32 else { return nil }
        // At most `maximumCount` sampled items (their scores share the worker's tile), and enough of
        // them ahead of the k-th best for the guess to be worth making.
        let step = Swift.max(depth / 64, (galleryCount + Self.maximumCount - 1) / Self.maximumCount)
        let expected = Double(depth) / Double(step)
        guard expected >= 16 else { return nil }
        let rank = Int((expected + 3 * expected.squareRoot()).rounded(.up)) + 1
        // One item from each run of `step` consecutive items, at a hashed offset: a plain stride would
        // see only some labels when the gallery is ordered periodically (label = index mod C).
        let picked = stride(from: 0, to: galleryCount - step + 1, by: step).map { start -> Int in
            var z = UInt64(start) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
            return start + Int((z ^ (z &>> 31)) % UInt64(step))
        }
        guard rank < picked.count else { return nil }
        let dim = gallery.shape[1]
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, picked.count * dim))
        gallery.withUnsafeElementBytes { raw in
            let g = raw.bindMemory(to: Float.self)
            for (i, item) in picked.enumerated() {
                for c in 0..<dim { rows[i * dim + c] = g[item * dim + c] }
            }
        }
        self.count = picked.count
        self.rows = rows
        self.factors = galleryFactor.isEmpty ? [] : picked.map { galleryFactor[$0] }
        self.rank = rank
    }

    deinit { rows.deallocate() }

    /// The starting threshold of one query from its raw products with the sample (`scores`,
    /// ``count`` of them), or `nil` when too few sampled keys are numbers.
    ///
    /// Rather than select the key at ``rank`` exactly, the keys are counted into 256 equal-width
    /// buckets between their least and greatest value, and the upper edge of the bucket holding rank
    /// ``rank`` is returned: a slightly looser threshold (about one bucket of sampled items more), for
    /// a linear pass instead of a quickselect.
    func threshold(_ kind: SearchDistance, scores: UnsafePointer<Float>, queryFactor: Float) -> Float? {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { buffer -> Float? in
            guard let keys = buffer.baseAddress else { return nil }
            var valid = 0
            var lo = Float.infinity, hi = -Float.infinity
            for j in 0..<count {
                let s = scores[j]
                let key: Float
                switch kind {
                case .dotProduct: key = -s
                case .cosine: key = -(s * queryFactor * factors[j])
                case .euclidean, .squaredEuclidean: key = Swift.max(queryFactor + factors[j] - (s + s), 0)
                }
                if key.isNaN { continue }
                keys[valid] = key
                lo = Swift.min(lo, key)
                hi = Swift.max(hi, key)
                valid += 1
            }
            guard valid > rank, lo.isFinite, hi.isFinite else { return nil }
            guard hi > lo else { return hi.nextUp }
            let bins = 256
            let scale = Float(bins) / (hi - lo)
            return withUnsafeTemporaryAllocation(of: Int.self, capacity: bins) { histogram -> Float? in
                guard let h = histogram.baseAddress else { return nil }
                h.initialize(repeating: 0, count: bins)
                for j in 0..<valid { h[Swift.min(bins - 1, Int((keys[j] - lo) * scale))] += 1 }
                var seen = 0
                for b in 0..<bins {
                    seen += h[b]
                    if seen > rank {
                        // The bucket's upper edge, nudged up one step for rounding in the map above.
                        return b == bins - 1 ? hi.nextUp : (lo + Float(b + 1) / scale).nextUp
                    }
                }
                return hi.nextUp
            }
        }
    }
}
