import FleetCore

/// Dollars per million input and output tokens on a hosted API.
public struct APIPrice: Sendable, Equatable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion; self.outputPerMillion = outputPerMillion
    }
}

/// The cost panel's figures for a watched pool: what its nodes cost per hour (a node bills
/// whether or not it answers), the requests it serves, and what the same tokens would cost
/// on the API baseline.
public enum PoolPricing {
    public static func cost(pool: String, nodes: Int, nodeHourPrice: Double?, requestsPerSecond: Double,
                            promptTokensPerSecond: Double, generationTokensPerSecond: Double, baseline: APIPrice?) -> PoolCost {
        let baselinePerHour = baseline.map {
            (promptTokensPerSecond * $0.inputPerMillion + generationTokensPerSecond * $0.outputPerMillion) / 1_000_000 * 3600
        } ?? 0
        return PoolCost(pool: pool, dollarsPerHour: Double(nodes) * (nodeHourPrice ?? 0), requestsPerHour: requestsPerSecond * 3600,
                        apiBaselinePerHour: baselinePerHour)
    }
}
