import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server (SwiftNIO) in front of a `ServedFleet`: keep-alive, one event
/// loop, no request bodies. Prometheus scrapes it like any exporter.
public final class MetricsHTTPServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The port bound (useful when asked for port 0).
    public let port: Int

    public static func start(host: String, port: Int, fleet: ServedFleet) throws -> MetricsHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(fleet: fleet))
                }
            }
        do {
            let channel = try bootstrap.bind(host: host, port: port).wait()
            return MetricsHTTPServer(group: group, channel: channel, port: channel.localAddress?.port ?? port)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int) {
        self.group = group; self.channel = channel; self.port = port
    }

    public func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let fleet: ServedFleet
    private var head: HTTPRequestHead?

    init(fleet: ServedFleet) { self.fleet = fleet }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            head = nil
            switch fleet.reply(method: h.method.rawValue, uri: h.uri) {
            case .answer(let r): answer(r, to: h, context: context)
            case .trickle(let r): trickle(r, to: h, context: context)
            case .silence: break
            case .reset: context.close(promise: nil)
            }
        }
    }

    private func responseHead(of r: ServedFleet.Response, for h: HTTPRequestHead) -> HTTPServerResponsePart {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: r.contentType)
        headers.add(name: "Content-Length", value: "\(r.body.utf8.count)")
        if let location = r.location { headers.add(name: "Location", value: location) }
        if !h.isKeepAlive { headers.add(name: "Connection", value: "close") }
        return .head(HTTPResponseHead(version: h.version, status: .init(statusCode: r.status), headers: headers))
    }

    private func answer(_ r: ServedFleet.Response, to h: HTTPRequestHead, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(responseHead(of: r, for: h)), promise: nil)
        if h.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: r.body.utf8.count)
            buffer.writeString(r.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        if !h.isKeepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
    }

    /// The headers, then one byte of the body every 200 ms until the body is sent or the
    /// client gives up (its close fails the write and ends the chain).
    private func trickle(_ r: ServedFleet.Response, to h: HTTPRequestHead, context: ChannelHandlerContext) {
        guard h.method != .HEAD else { return answer(r, to: h, context: context) }
        context.writeAndFlush(wrapOutboundOut(responseHead(of: r, for: h)), promise: nil)
        let bytes = Array(r.body.utf8)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        func send(_ i: Int) {
            let context = bound.value
            guard context.channel.isActive else { return }
            guard i < bytes.count else {
                let done = context.writeAndFlush(handler.value.wrapOutboundOut(.end(nil)))
                if !h.isKeepAlive { done.whenComplete { _ in context.close(promise: nil) } }
                return
            }
            var buffer = context.channel.allocator.buffer(capacity: 1)
            buffer.writeInteger(bytes[i])
            context.writeAndFlush(handler.value.wrapOutboundOut(.body(.byteBuffer(buffer)))).whenSuccess {
                context.eventLoop.scheduleTask(in: .milliseconds(200)) { send(i + 1) }
            }
        }
        send(0)
    }
}
