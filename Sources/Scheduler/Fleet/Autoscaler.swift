/// A pool's autoscaler, as KServe/Knative scale on concurrency: the replicas wanted are the
/// requests in the pool (running and waiting) over the target per replica, within min...max.
/// It acts only after the wish has held for a stabilisation window (short up, long down), one
/// step at a time, and new replicas serve after their cold start.
struct Autoscaler {
    let spec: AutoscaleSpec
    private var upFor = 0.0
    private var downFor = 0.0

    init(spec: AutoscaleSpec) { self.spec = spec }

    static func desired(load: Int, spec: AutoscaleSpec) -> Int {
        let wanted = (Double(load) / spec.targetPerReplica).rounded(.up)
        return min(spec.maxReplicas, max(spec.minReplicas, Int(wanted)))
    }

    /// The change to make now (0 for none), given the pool's load and its provisioned replicas.
    mutating func decide(load: Int, provisioned: Int, dt: Double) -> Int {
        let want = Self.desired(load: load, spec: spec)
        if want > provisioned {
            upFor += dt; downFor = 0
            if upFor >= spec.scaleUpAfter {
                upFor = 0
                return min(spec.step, want - provisioned)
            }
        } else if want < provisioned {
            downFor += dt; upFor = 0
            if downFor >= spec.scaleDownAfter {
                downFor = 0
                return -1
            }
        } else {
            upFor = 0; downFor = 0
        }
        return 0
    }
}
