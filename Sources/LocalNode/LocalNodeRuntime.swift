import Foundation
import LocalInference

/// A running local node and the overlay that shows it.
public final class LocalNodeRuntime: Sendable {
    public let node: LocalInferenceNode
    public let overlay: LocalNodeOverlay

    private init(node: LocalInferenceNode, overlay: LocalNodeOverlay) {
        self.node = node
        self.overlay = overlay
    }

    /// Loads the model (an error names the file and what is wrong with it) and starts serving.
    public static func start(_ config: LocalNodeConfig) throws -> LocalNodeRuntime {
        let t0 = Date()
        let generator: TextGenerator
        do {
            // One thread unless the config asks for more: the console's render loop and the
            // sources share the cores, and the runtime's workers spin between products.
            generator = try TextGenerator(modelPath: config.model, contextCapacity: config.context,
                                          runner: ParallelRunner(threads: config.threads ?? 1))
        } catch let e as LocalInferenceError {
            throw LocalNodeError("local node: \(e.description)")
        } catch {
            throw LocalNodeError("local node: \(error)")
        }
        let node = LocalInferenceNode(generator: generator, workload: LocalWorkload(requestsPerSecond: config.requestsPerSecond))
        let overlay = LocalNodeOverlay(node: node, config: config, loadSeconds: Date().timeIntervalSince(t0))
        node.start()
        return LocalNodeRuntime(node: node, overlay: overlay)
    }

    public func stop() { node.stop() }
}

/// Why the local node could not start, in words for the operator.
public struct LocalNodeError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
