import Foundation
import LocalInference
import Telemetry

/// A real llama.cpp `llama-server` on a loopback port, serving SmolLM2 with `--metrics`: the
/// serving engine the real-fleet tests watch. Built by Scripts/build-llama-server (which
/// Scripts/test runs) into the user's cache; `FLEETDECK_LLAMA_SERVER` names another binary.
final class LlamaServer {
    static let version = "0.3.36"

    static var binary: String {
        let env = ProcessInfo.processInfo.environment
        if let b = env["FLEETDECK_LLAMA_SERVER"], !b.isEmpty { return b }
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
        return "\(cache)/fleetdeck/llama.cpp/\(version)/bin/llama-server"
    }

    let port: Int
    let pid: pid_t
    private let log: String
    private var stopped = false

    var address: String { "127.0.0.1:\(port)" }
    var url: String { "http://\(address)" }

    /// Starts a server with `slots` parallel sequences on one thread (two cores: the test, the
    /// console and the load share them) and waits until it answers /health.
    init(slots: Int = 2, contextPerSlot: Int = 512) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw HarnessError("no llama-server at \(Self.binary): run Scripts/build-llama-server (Scripts/test does)")
        }
        let model = ModelLocator.defaultModelPath
        guard FileManager.default.fileExists(atPath: model) else {
            throw HarnessError("the SmolLM2 model is missing at \(model): run Scripts/fetch-model")
        }
        port = try Harness.freePort()
        (pid, log) = try Harness.spawn(Self.binary, [
            "-m", model, "--host", "127.0.0.1", "--port", "\(port)", "--metrics", "--no-webui",
            "-t", "1", "-tb", "1", "-np", "\(slots)", "-c", "\(slots * contextPerSlot)",
        ])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if healthy() { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                stopped = true
                throw HarnessError("llama-server exited at start: \(tail())")
            }
            usleep(200_000)
        }
        stop()
        throw HarnessError("llama-server did not answer /health on \(port) within 60 s: \(tail())")
    }

    deinit { stop() }

    /// SIGKILL: the server vanishes as a crashed one does, mid-request if there is one.
    func kill() {
        guard !stopped else { return }
        stopped = true
        Foundation.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        cleanUp()
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        Harness.stop(pid)
        cleanUp()
    }

    private func cleanUp() {
        unlink(log + ".out")
        unlink(log + ".err")
    }

    private func healthy() -> Bool {
        guard let fd = Loopback.connect(port: port) else { return false }
        defer { close(fd) }
        let request = "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
        guard request.withCString({ write(fd, $0, strlen($0)) }) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = read(fd, &buffer, buffer.count)
        return n > 0 && String(decoding: buffer[0..<n], as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }

    private func tail() -> String {
        let text = (try? String(contentsOfFile: log + ".err", encoding: .utf8)) ?? ""
        return String(text.suffix(600))
    }
}
