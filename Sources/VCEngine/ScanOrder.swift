/// The four snake scans of PlainMamba2D over an H×W token grid (official `get_permute_order`).
///
/// Orders are data, computed once per grid and shared by the engine, the views and the exports.
/// Token p = i·W + j. Direction codes: 0 start, 1 right, 2 left, 3 up, 4 down; `directions[k][t]`
/// is the move that led from `orders[k][t-1]` to `orders[k][t]` (0 at t = 0).
public struct ScanOrders: Sendable, Equatable {
    public let height: Int
    public let width: Int
    /// orders[k][t] = token read at step t of scan k (k = 0..3 for the official scans 1..4).
    public let orders: [[Int]]
    /// inverse[k][p] = step at which scan k reads token p.
    public let inverse: [[Int]]
    public let directions: [[Int]]

    public static let directionNames = ["start", "right", "left", "up", "down"]

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
        let h = height, w = width
        var orders: [[Int]] = [], dirs: [[Int]] = []

        // Scan 1: row snake from the top-left.
        var o: [Int] = [], d: [Int] = [0]
        for i in 0..<h {
            let cols = i % 2 == 0 ? Array(0..<w) : Array((0..<w).reversed())
            for (n, j) in cols.enumerated() {
                if !o.isEmpty { d.append(n == 0 ? 4 : (i % 2 == 0 ? 1 : 2)) }
                o.append(i * w + j)
            }
        }
        orders.append(o); dirs.append(d)

        // Scan 2: row snake from the bottom row, starting at its right end when H is odd (so it is
        // scan 1 reversed), at its left end when H is even; moving up.
        o = []; d = [0]
        var goingLeft = h % 2 == 1
        for i in stride(from: h - 1, through: 0, by: -1) {
            let cols = goingLeft ? Array((0..<w).reversed()) : Array(0..<w)
            for (n, j) in cols.enumerated() {
                if !o.isEmpty { d.append(n == 0 ? 3 : (goingLeft ? 2 : 1)) }
                o.append(i * w + j)
            }
            goingLeft.toggle()
        }
        orders.append(o); dirs.append(d)

        // Scan 3: column snake from the top-left.
        o = []; d = [0]
        for j in 0..<w {
            let rows = j % 2 == 0 ? Array(0..<h) : Array((0..<h).reversed())
            for (n, i) in rows.enumerated() {
                if !o.isEmpty { d.append(n == 0 ? 1 : (j % 2 == 0 ? 4 : 3)) }
                o.append(i * w + j)
            }
        }
        orders.append(o); dirs.append(d)

        // Scan 4: column snake from the last column, starting at its bottom when W is odd, at its
        // top when W is even; moving left.
        o = []; d = [0]
        var goingUp = w % 2 == 1
        for j in stride(from: w - 1, through: 0, by: -1) {
            let rows = goingUp ? Array((0..<h).reversed()) : Array(0..<h)
            for (n, i) in rows.enumerated() {
                if !o.isEmpty { d.append(n == 0 ? 2 : (goingUp ? 3 : 4)) }
                o.append(i * w + j)
            }
            goingUp.toggle()
        }
        orders.append(o); dirs.append(d)

        self.orders = orders
        self.directions = dirs
        self.inverse = orders.map { order in
            var inv = [Int](repeating: 0, count: order.count)
            for (t, p) in order.enumerated() { inv[p] = t }
            return inv
        }
    }

    /// A plain raster scan used by the ablation "no snakes": every direction reads p = t.
    public static func raster(height: Int, width: Int) -> ScanOrders {
        ScanOrders(height: height, width: width, raster: true)
    }

    private init(height: Int, width: Int, raster: Bool) {
        self.height = height
        self.width = width
        let l = height * width
        let o = Array(0..<l)
        var d = [0]
        for p in 1..<max(l, 1) where l > 1 { d.append(p % width == 0 ? 4 : 1) }
        orders = [o, o, o, o]
        inverse = [o, o, o, o]
        directions = [d, d, d, d]
    }
}
