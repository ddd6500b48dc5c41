// swift-tools-version:6.0
import PackageDescription

/// The fuzz targets have no top-level code: their entry point is `@_cdecl("TARGET_main")`
/// (Sources/FuzzSupport), in fuzzing builds and replaying builds alike.
let fuzzTarget: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "fleetdeck",
    products: [
        .executable(name: "fleetdeck", targets: ["fleetdeck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // C libraries, each behind a module map. ncursesw, seen by the console's terminal backend alone.
        .systemLibrary(
            name: "CNcursesw",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        // zlib, for gzip recordings (Debian zlib1g-dev).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // glibc's malloc.h (mallinfo2, mallopt), for the process's own heap.
        .systemLibrary(name: "CMalloc"),
        // Value types every module shares. No I/O.
        .target(
            name: "FleetCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // The embedded scheduler model: the fleet simulator and its scenarios.
        .target(
            name: "Scheduler",
            dependencies: [
                "FleetCore",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            // Single-threaded and hot: the dynamic exclusivity checks on its classes' properties
            // cost ~15% of a fleet simulation (perf, `bench simulate --scenario content`).
            // Optimised in debug builds too: the advisor forks and runs the fleet eight times a
            // round, which unoptimised takes ten times longer (the demo and the tests run it).
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
                            .unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // Parsers for the wire formats fleets expose: Prometheus text and OpenMetrics, the
        // Prometheus HTTP API's JSON, Redis INFO, fleetdeck's NDJSON. No I/O, so the fuzzers
        // build it without the network stack.
        .target(name: "MetricsFormats", dependencies: ["FleetCore"]),
        // libFuzzer target for the parsers (Docs/telemetry.md, "Fuzzing"); a replayer otherwise.
        // What the libFuzzer targets share: the driver and the replayer of saved inputs.
        .target(name: "FuzzSupport"),
        .executableTarget(name: "PrometheusTextFuzzer", dependencies: ["MetricsFormats", "FuzzSupport"], swiftSettings: fuzzTarget),
        // libFuzzer targets for recordings (plain and gzip), NDJSON, GGUF models, scenario (and
        // profile and engine) files, and traces; replayers of saved inputs otherwise.
        .executableTarget(name: "RecordingFuzzer", dependencies: ["FleetCore", "Recording", "FuzzSupport"], swiftSettings: fuzzTarget),
        .executableTarget(name: "NDJSONFuzzer", dependencies: ["FleetCore", "MetricsFormats", "FuzzSupport"], swiftSettings: fuzzTarget),
        .executableTarget(name: "GGUFFuzzer", dependencies: ["LocalInference", "FuzzSupport"], swiftSettings: fuzzTarget),
        .executableTarget(name: "ScenarioFuzzer", dependencies: ["FleetCore", "Scheduler", "FuzzSupport"], swiftSettings: fuzzTarget),
        .executableTarget(name: "TraceFuzzer", dependencies: ["FleetCore", "Scheduler", "FuzzSupport"], swiftSettings: fuzzTarget),
        // The aggregator: sources, per-stack mappings, aggregation into snapshots.
        .target(
            name: "Telemetry",
            dependencies: [
                "FleetCore", "MetricsFormats",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // `simulate --serve`: simulated nodes as vLLM /metrics pages plus Prometheus HTTP SD.
        .target(
            name: "SimulatorServer",
            dependencies: [
                "FleetCore", "Scheduler",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Recordings: the line format, the writer (plain or gzip), the indexed reader and the
        // replay driver that publishes snapshots like any source.
        .target(
            name: "Recording",
            dependencies: ["FleetCore", "CZlib"]
        ),
        // Operator actions: guards, the audit log, the exec, http and routing actuators.
        .target(name: "Actions", dependencies: [
            "FleetCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Local inference: a pure-Swift GGUF/llama runtime, the fleet's local node. Its kernels
        // are SIMD8<Float> code that needs AVX2, FMA and F16C to be fast (x86-64-v3; loading a
        // model checks the CPU and says what it lacks).
        .target(
            name: "LocalInference",
            swiftSettings: [
                .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-Xcc", "-mbmi2"]),
                // Optimised in debug builds too: unoptimised SIMD code runs a 135M-parameter
                // model ~100x slower, and the test suite runs it.
                .unsafeFlags(["-O"], .when(configuration: .debug)),
            ]
        ),
        // The local inference node as a fleet member: its `local:` config, its runtime, and the
        // overlay that adds it to whatever source's snapshots.
        // `fleetdeck load`: an open-loop Poisson load of streamed completions, timed by the client.
        .target(name: "LoadGenerator", dependencies: [
            "FleetCore", "Telemetry",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "LocalNode", dependencies: ["FleetCore", "LocalInference"]),
        // The TUI: canvas, widgets, screens, themes; Terminal/ is the only ncurses code.
        .target(
            name: "Console",
            dependencies: ["FleetCore", "CNcursesw"]
        ),
        // Argument parsing and wiring; Bench/ holds the benchmarks (`fleetdeck bench`).
        .executableTarget(
            name: "fleetdeck",
            dependencies: [
                "FleetCore", "Scheduler", "Console", "Telemetry", "MetricsFormats", "SimulatorServer", "Recording", "Actions", "LocalInference", "LocalNode", "LoadGenerator", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What several test targets share: the repository's root.
        .target(name: "FleetdeckTestSupport", path: "Tests/FleetdeckTestSupport"),
        .testTarget(name: "FleetCoreTests", dependencies: ["FleetCore"]),
        .testTarget(name: "LoadGeneratorTests", dependencies: ["LoadGenerator", "FleetCore"]),
        .testTarget(name: "SchedulerTests", dependencies: ["FleetdeckTestSupport", "Scheduler", "FleetCore"]),
        .testTarget(name: "ConsoleTests", dependencies: ["FleetdeckTestSupport", "Console", "FleetCore", "Scheduler", "Actions"], exclude: ["Golden"]),
        .testTarget(name: "MetricsFormatsTests", dependencies: ["FleetdeckTestSupport", "MetricsFormats"]),
        .testTarget(name: "TelemetryTests", dependencies: ["FleetdeckTestSupport", "Telemetry", "MetricsFormats"]),
        .testTarget(name: "ActionsTests", dependencies: ["FleetdeckTestSupport", "Actions", "FleetCore", "Scheduler"]),
        .testTarget(name: "SimulatorServerTests", dependencies: ["SimulatorServer", "Scheduler", "FleetCore"]),
        .testTarget(name: "RecordingTests", dependencies: ["FleetdeckTestSupport", "Recording", "FleetCore", "Scheduler"]),
        .testTarget(name: "LocalInferenceTests", dependencies: ["FleetdeckTestSupport", "LocalInference", "LocalNode", "FleetCore"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FleetdeckTestSupport", "FleetCore", "Telemetry", "MetricsFormats", "Actions", "LocalInference", "LoadGenerator"]),
    ],
    swiftLanguageModes: [.v6]
)
