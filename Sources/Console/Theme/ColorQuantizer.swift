/// Maps 24-bit theme colours onto what the terminal has: the xterm 256-colour palette or the
/// 8 ANSI colours. Nearest by squared distance in RGB, which is what terminals' own
/// approximations do too.
public enum ColorQuantizer {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// Index 16...255 of the xterm palette nearest to (r, g, b): the 6x6x6 cube or the grey ramp.
    public static func xterm256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        func nearestLevel(_ v: UInt8) -> Int {
            var best = 0
            for i in 1..<6 where abs(cubeLevels[i] - Int(v)) < abs(cubeLevels[best] - Int(v)) { best = i }
            return best
        }
        let (ri, gi, bi) = (nearestLevel(r), nearestLevel(g), nearestLevel(b))
        let cube = 16 + 36 * ri + 6 * gi + bi
        let cubeDist = dist(r, g, b, cubeLevels[ri], cubeLevels[gi], cubeLevels[bi])
        let avg = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = max(0, min(23, (avg - 8 + 5) / 10))
        let grey = 8 + greyIndex * 10
        let greyDist = dist(r, g, b, grey, grey, grey)
        return greyDist < cubeDist ? 232 + greyIndex : cube
    }

    static let ansi: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
        (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    ]

    /// ANSI colour 0...7 nearest to (r, g, b).
    public static func ansi8(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        var best = 0
        var bestDist = Int.max
        for (i, c) in ansi.enumerated() {
            let d = dist(r, g, b, c.0, c.1, c.2)
            if d < bestDist { best = i; bestDist = d }
        }
        return best
    }

    static func dist(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ r2: Int, _ g2: Int, _ b2: Int) -> Int {
        let dr = Int(r) - r2, dg = Int(g) - g2, db = Int(b) - b2
        return dr * dr + dg * dg + db * db
    }
}
