extension Scenario {
    /// The same fleet with `total` GPU nodes, spread over its GPU pools in proportion to their
    /// sizes (largest remainder, at least one each), and the offered load scaled by the same
    /// factor so utilisation stays where the scenario put it. For `simulate --nodes`.
    public func resized(toNodes total: Int) -> Scenario {
        let gpuPools = pools.indices.compactMap { i -> (index: Int, nodes: Int)? in
            if case .gpu(let g) = pools[i].kind { return (i, g.nodes) }
            return nil
        }
        let current = gpuPools.reduce(0) { $0 + $1.nodes }
        guard current > 0, total >= gpuPools.count, total != current else { return self }
        let shares = gpuPools.map { Double($0.nodes) * Double(total) / Double(current) }
        var counts = shares.map { max(1, Int($0.rounded(.down))) }
        // Hand out what rounding down left, largest remainder first; take back any excess
        // the one-node minimum added, from the largest pools.
        let byRemainder = shares.indices.sorted { shares[$0] - shares[$0].rounded(.down) > shares[$1] - shares[$1].rounded(.down) }
        var k = 0
        while counts.reduce(0, +) < total { counts[byRemainder[k % byRemainder.count]] += 1; k += 1 }
        while counts.reduce(0, +) > total, let i = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[i] > 1 { counts[i] -= 1 }
        var out = self
        for (j, p) in gpuPools.enumerated() {
            if case .gpu(var g) = out.pools[p.index].kind {
                g.nodes = counts[j]
                out.pools[p.index].kind = .gpu(g)
            }
        }
        out.workload.peakRate *= Double(total) / Double(current)
        return out
    }
}
