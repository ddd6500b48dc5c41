import FleetCore
import Scheduler
import SimulatorServer
import Testing

/// `simulate --serve --hostile`: which nodes misbehave, how, and for how long.
@Suite struct HostileRotationTests {
    @Test func aTenthMisbehavesEachRoundADifferentTenth() {
        let rotation = HostileRotation(fraction: 0.1, period: 60)
        func hostile(at t: Double) -> Set<Int> { Set((0..<1000).filter { rotation.misbehaviour(ofNodeAt: $0, at: t) != nil }) }
        let first = hostile(at: 0), second = hostile(at: 60)
        #expect((70...130).contains(first.count) && (70...130).contains(second.count), "\(first.count), \(second.count)")
        #expect(hostile(at: 59.9) == first, "a node keeps its role through its period")
        #expect(first.intersection(second).count < 40, "the next round picks others")
        let kinds = Set((0..<1000).compactMap { rotation.misbehaviour(ofNodeAt: $0, at: 0) })
        #expect(kinds == Set(HostileRotation.Misbehaviour.allCases))
        #expect(HostileRotation(fraction: 0).misbehaviour(ofNodeAt: 3, at: 0) == nil)
        #expect(rotation.misbehaviour(ofNodeAt: 3, at: .nan) == nil)
    }

    @Test func aHostileNodeMisbehavesAndTheRestAnswer() throws {
        let fleet = ServedFleet(advertisedAddress: "127.0.0.1:9", hostile: HostileRotation(fraction: 0.5))
        let nodes = (0..<40).map { NodeExposition(node: "n\($0)", pool: "p", model: "m", version: "v1", state: .up) }
        fleet.update(nodes)
        var answered = 0, misbehaved = 0
        for n in nodes {
            let reply = fleet.reply(method: "GET", uri: ServedFleet.metricsPath(ofNode: n.node))
            if case .answer(let r) = reply, r.status == 200, r.body.contains(#"vllm:num_requests_running{engine="0""#) {
                answered += 1
            } else {
                misbehaved += 1
            }
        }
        #expect(answered > 5 && misbehaved > 5, "\(answered) answered, \(misbehaved) misbehaved")
        // Service discovery and the index are never hostile.
        #expect(fleet.reply(method: "GET", uri: "/targets") == .answer(fleet.respond(method: "GET", uri: "/targets")))
        #expect(HostilePayloads.flood.utf8.count >= 14 << 20 - 64)
        #expect(HostilePayloads.labelBomb.contains("l99999=\"v\""))
    }
}
