import Foundation
import KindredTensor

/// A point-region quadtree over 2-D points with each cell's centre of mass, for Barnes–Hut t-SNE.
///
/// The root is the smallest square holding every point; a cell with more than one point is split
/// into its four quadrants (empty ones are dropped) until each leaf holds one point, or only
/// coincident points, or the cell is 64 levels deep. Each cell keeps its point count, the mean of
/// its points (the centre of mass) and its side length; the points of a cell are a contiguous run of
/// ``order``, so a cell's points are `order[node.points]`.
///
/// ```swift
/// let tree = QuadTree(points: y)                         // y: [x0, y0, x1, y1, …]
/// let (forces, z) = tree.repulsiveForces(angle: 0.5)
/// ```
public struct QuadTree: Sendable {
    /// One cell of the tree.
    public struct Node: Sendable, Equatable {
        /// Mean x of the cell's points.
        public var centerX: Double
        /// Mean y of the cell's points.
        public var centerY: Double
        /// Side length of the cell's square.
        public var width: Double
        /// The cell's points as positions in ``QuadTree/order``.
        public var points: Range<Int>
        /// The child cells as positions in ``QuadTree/nodes`` (empty for a leaf).
        public var children: Range<Int>
        /// Number of points in the cell.
        public var count: Int { points.count }
        /// Whether the cell has no children (its points are visited one by one).
        public var isLeaf: Bool { children.isEmpty }
    }

    /// The cells, the root first.
    public private(set) var nodes: [Node] = []
    /// The point indices, grouped so that every cell's points are contiguous.
    public private(set) var order: [Int]
    /// The coordinates, `[x0, y0, x1, y1, …]`.
    public let points: [Double]

    /// Deepest level split (a cell this deep is a leaf whatever its count).
    public static let maximumDepth = 64

    /// Builds the tree over `points` (`2 × N` values, row-major).
    public init(points: [Double]) {
        precondition(points.count % 2 == 0, "QuadTree needs [x0, y0, x1, y1, …]")
        self.points = points
        let n = points.count / 2
        order = Array(0..<n)
        guard n > 0 else { return }
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for i in 0..<n {
            minX = Swift.min(minX, points[2 * i]); maxX = Swift.max(maxX, points[2 * i])
            minY = Swift.min(minY, points[2 * i + 1]); maxY = Swift.max(maxY, points[2 * i + 1])
        }
        let side = Swift.max(maxX - minX, maxY - minY)
        nodes.reserveCapacity(2 * n)
        nodes.append(Node(centerX: 0, centerY: 0, width: side, points: 0..<n, children: 0..<0))
        var scratch = [Int](repeating: 0, count: n)
        build(0, left: minX, bottom: minY, depth: 0, scratch: &scratch)
    }

    /// Fills in node `index` (its points already set) and splits it.
    private mutating func build(_ index: Int, left: Double, bottom: Double, depth: Int, scratch: inout [Int]) {
        let range = nodes[index].points, half = nodes[index].width / 2
        var sx = 0.0, sy = 0.0
        var coincident = true
        let first = order[range.lowerBound]
        for s in range {
            let p = order[s]
            sx += points[2 * p]
            sy += points[2 * p + 1]
            if points[2 * p] != points[2 * first] || points[2 * p + 1] != points[2 * first + 1] { coincident = false }
        }
        nodes[index].centerX = sx / Double(range.count)
        nodes[index].centerY = sy / Double(range.count)
        guard range.count > 1, !coincident, depth < Self.maximumDepth, half > 0 else { return }
        // Counting sort of the cell's points into quadrants 0 (left bottom) … 3 (right top).
        let midX = left + half, midY = bottom + half
        func quadrant(_ p: Int) -> Int { (points[2 * p] >= midX ? 1 : 0) + (points[2 * p + 1] >= midY ? 2 : 0) }
        var counts = [0, 0, 0, 0]
        for s in range { counts[quadrant(order[s])] += 1 }
        var next = [range.lowerBound, 0, 0, 0]
        for q in 1..<4 { next[q] = next[q - 1] + counts[q - 1] }
        let starts = next
        for s in range { let p = order[s]; let q = quadrant(p); scratch[next[q]] = p; next[q] += 1 }
        for s in range { order[s] = scratch[s] }
        let firstChild = nodes.count
        var children: [(quadrant: Int, node: Int)] = []
        for q in 0..<4 where counts[q] > 0 {
            children.append((q, nodes.count))
            nodes.append(Node(centerX: 0, centerY: 0, width: half, points: starts[q]..<(starts[q] + counts[q]), children: 0..<0))
        }
        nodes[index].children = firstChild..<nodes.count
        for (q, child) in children {
            build(child, left: q & 1 == 1 ? midX : left, bottom: q & 2 == 2 ? midY : bottom, depth: depth + 1, scratch: &scratch)
        }
    }

    /// The Barnes–Hut repulsion on point `i`: `F = Σ_j w_ij² (y_i − y_j)` and `Z_i = Σ_j w_ij` over
    /// `j ≠ i` with `w_ij = 1 / (1 + ‖y_i − y_j‖²)`, where a cell of width `w` whose centre of mass
    /// is at squared distance `d²` from `y_i` stands for all its points when `w² < angle² · d²`.
    /// With `angle` 0 every pair is visited (exact).
    public func repulsion(on i: Int, angle: Double) -> (x: Double, y: Double, z: Double) {
        guard !nodes.isEmpty else { return (0, 0, 0) }
        return nodes.withUnsafeBufferPointer { np in
            order.withUnsafeBufferPointer { op in
                points.withUnsafeBufferPointer { pp in
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * Self.maximumDepth + 8) { stack in
                        Self.repulsion(on: i, angle: angle, nodes: np, order: op, points: pp, stack: stack)
                    }
                }
            }
        }
    }

    /// The tree walk of ``repulsion(on:angle:)`` over raw buffers (`stack`: room for 4 entries per level).
    private static func repulsion(on i: Int, angle: Double, nodes: UnsafeBufferPointer<Node>, order: UnsafeBufferPointer<Int>,
                                  points: UnsafeBufferPointer<Double>, stack: UnsafeMutableBufferPointer<Int>) -> (x: Double, y: Double, z: Double) {
        let px = points[2 * i], py = points[2 * i + 1], theta2 = angle * angle
        var fx = 0.0, fy = 0.0, z = 0.0
        stack[0] = 0
        var top = 1
        while top > 0 {
            top -= 1
            let index = stack[top]
            let dx = px - nodes[index].centerX, dy = py - nodes[index].centerY, d2 = dx * dx + dy * dy
            let children = nodes[index].children, width = nodes[index].width
            if children.isEmpty {
                for s in nodes[index].points {
                    let j = order[s]
                    if j == i { continue }
                    let ex = px - points[2 * j], ey = py - points[2 * j + 1]
                    let w = 1 / (1 + ex * ex + ey * ey)
                    z += w
                    fx += w * w * ex
                    fy += w * w * ey
                }
            } else if width * width < theta2 * d2 {
                let w = 1 / (1 + d2), size = Double(nodes[index].points.count)
                z += size * w
                fx += size * w * w * dx
                fy += size * w * w * dy
            } else {
                var c = children.upperBound
                while c > children.lowerBound { c -= 1; stack[top] = c; top += 1 }
            }
        }
        return (fx, fy, z)
    }

    /// ``repulsion(on:angle:)`` for every point, computed in parallel (each point by one thread, so
    /// the result does not depend on the thread count).
    ///
    /// - Returns: the forces `[Fx0, Fy0, Fx1, …]` and `Z = Σ_i Z_i` (summed in point order).
    public func repulsiveForces(angle: Double) -> (forces: [Double], normalization: Double) {
        let n = points.count / 2
        var forces = [Double](repeating: 0, count: 2 * n), zs = [Double](repeating: 0, count: n)
        forces.withUnsafeMutableBufferPointer { fp in
            zs.withUnsafeMutableBufferPointer { zp in
                Parallel.forEachChunk(n, costPerItem: 1 << 12) { rows in
                    for i in rows {
                        let r = repulsion(on: i, angle: angle)
                        fp[2 * i] = r.x
                        fp[2 * i + 1] = r.y
                        zp[i] = r.z
                    }
                }
            }
        }
        var z = 0.0
        for v in zs { z += v }
        return (forces, z)
    }
}
