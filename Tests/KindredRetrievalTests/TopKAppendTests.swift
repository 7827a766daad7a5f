import CKindredTopK
import KindredTensor
import XCTest

/// The candidate collection kernel of the deep top-k (`kd_topk_append`): its AVX-512 and portable
/// forms against a plain loop, bit for bit.
final class TopKAppendTests: XCTestCase {
    /// The plain loop: keys as the Swift scan computes them, kept when strictly below the threshold.
    private func reference(kind: Int32, scores: [Float], factors: [Float], queryFactor: Float, firstSlot: UInt32,
                           threshold: Float) -> [UInt64] {
        var out: [UInt64] = []
        for (j, s) in scores.enumerated() {
            var key: Float
            switch kind {
            case Int32(KD_TOPK_DOT): key = -s
            case Int32(KD_TOPK_COSINE): key = -(s * queryFactor * factors[j])
            default:
                key = queryFactor + factors[j] - (s + s)
                if key < 0 { key = 0 }
            }
            guard key < threshold else { continue }
            let b = (key + 0).bitPattern
            let bits = b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
            out.append(UInt64(bits) << 32 | UInt64(firstSlot + UInt32(j)))
        }
        return out
    }

    private typealias Append = (Int32, UnsafePointer<Float>?, UnsafePointer<Float>?, Float, Int, UInt32, Float,
                                UnsafeMutablePointer<UInt64>?, UnsafeMutablePointer<Int>?, Int,
                                UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?) -> Int

    /// Runs `append` over the whole row, emptying the buffer whenever it reports it full.
    private func collect(_ append: Append, kind: Int32, scores: [Float], factors: [Float], queryFactor: Float,
                         firstSlot: UInt32, threshold: Float, capacity: Int) -> (entries: [UInt64], low: UInt32, high: UInt32) {
        var out = [UInt64](repeating: 0, count: capacity)
        var entries: [UInt64] = []
        var low = UInt32.max, high = UInt32.min
        var done = 0
        while done < scores.count {
            var count = 5  // a buffer that already holds a few entries
            let consumed = scores.withUnsafeBufferPointer { s in
                factors.withUnsafeBufferPointer { f in
                    append(kind, s.baseAddress! + done, f.baseAddress! + done, queryFactor, scores.count - done,
                           firstSlot + UInt32(done), threshold, &out, &count, capacity, &low, &high)
                }
            }
            XCTAssertTrue(consumed == scores.count - done || consumed % 16 == 0, "stops only at a group of 16")
            XCTAssertLessThanOrEqual(count, capacity)
            entries += out[5..<count]
            done += consumed
            if consumed == 0 { XCTFail("no progress"); break }
        }
        return (entries, low, high)
    }

    func testVectorizedAndPortableEqualThePlainLoop() {
        var rng = RandomGenerator(seed: 5)
        for kind in [Int32(KD_TOPK_DOT), Int32(KD_TOPK_COSINE), Int32(KD_TOPK_EUCLIDEAN)] {
            for n in [0, 1, 15, 16, 17, 250, 1003] {
                var scores = Tensor.normal([Swift.max(n, 1)], generator: &rng).doubles.prefix(n).map { Float($0) }
                // Signed zeros, NaNs and repeated values (ties at the threshold) in the row.
                for j in stride(from: 0, to: n, by: 13) { scores[j] = .nan }
                for j in stride(from: 5, to: n, by: 17) { scores[j] = -0.0 }
                for j in stride(from: 7, to: n, by: 11) { scores[j] = 0.5 }
                let factors = Tensor.uniform([Swift.max(n, 1)], low: 0.5, high: 2, generator: &rng).doubles.prefix(n).map { Float($0) }
                let queryFactor: Float = kind == Int32(KD_TOPK_EUCLIDEAN) ? 1.5 : 0.75
                let threshold: Float = kind == Int32(KD_TOPK_EUCLIDEAN) ? 1.25 : kind == Int32(KD_TOPK_COSINE) ? -0.375 : -0.5
                let expected = reference(kind: kind, scores: scores, factors: factors, queryFactor: queryFactor, firstSlot: 1000,
                                         threshold: threshold)
                for capacity in [5 + 16, 64, 4096] {
                    for (name, append) in [("dispatching", kd_topk_append as Append), ("portable", kd_topk_append_portable as Append)] {
                        let got = collect(append, kind: kind, scores: scores, factors: factors, queryFactor: queryFactor, firstSlot: 1000,
                                          threshold: threshold, capacity: capacity)
                        let label = "\(name) kind \(kind) n \(n) capacity \(capacity)"
                        XCTAssertEqual(got.entries, expected, label)
                        let bits = expected.map { UInt32(truncatingIfNeeded: $0 >> 32) }
                        XCTAssertEqual(got.low, bits.min() ?? .max, label)
                        XCTAssertEqual(got.high, bits.max() ?? .min, label)
                    }
                }
            }
        }
    }
}
