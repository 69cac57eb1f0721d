import Foundation
import Glibc
import XCTest
import Wire

/// Event fan-out by topic, and RPCClient's handling of events between responses.
final class EventTests: XCTestCase {
    struct Note: Codable, Sendable, Equatable { var id: String; var n: Int }

    private var server: TestServer!

    override func setUpWithError() throws {
        server = try TestServer { s in
            // Publishes while the caller waits for its response: the event comes first.
            s.register("Publish") { [unowned s] call in
                let p = try call.params(PublishParams.self)
                for (i, name) in p.events.enumerated() { s.publish(name, Note(id: "c1", n: i)) }
                return Empty()
            }
        }
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    struct PublishParams: Codable { var events: [String] }

    private func subscriber(_ topics: String?) throws -> RawClient {
        let c = try RawClient(server.path)
        XCTAssertOK(try c.hello())
        if let topics { XCTAssertOK(try c.call("Events.Subscribe", "{\"topics\": \(topics)}")) }
        return c
    }

    private func eventsBeforeNextResponse(_ c: RawClient) throws -> [String] {
        try c.sendJSON(#"{"id": 999, "method": "Ping"}"#)
        return try c.response(id: 999).events.compactMap { $0["event"] as? String }
    }

    func testEventsReachSubscribersOnlyByTopic() throws {
        let exits = try subscriber(#"["TaskExit"]"#)
        let all = try subscriber("[]")
        let two = try subscriber(#"["TaskStart", "TaskOOM"]"#)
        let none = try subscriber(nil)
        let publisher = try subscriber(nil)
        XCTAssertOK(try publisher.call("Publish", #"{"events": ["TaskStart", "TaskExit", "TaskOOM", "TaskExit"]}"#))

        XCTAssertEqual(try eventsBeforeNextResponse(exits), ["TaskExit", "TaskExit"])
        XCTAssertEqual(try eventsBeforeNextResponse(all), ["TaskStart", "TaskExit", "TaskOOM", "TaskExit"])
        XCTAssertEqual(try eventsBeforeNextResponse(two), ["TaskStart", "TaskOOM"])
        XCTAssertEqual(try eventsBeforeNextResponse(none), [])
        XCTAssertEqual(try eventsBeforeNextResponse(publisher), [])
    }

    func testEventEnvelopeAndParams() throws {
        let c = try subscriber("[]")
        server.server.publish("TaskExit", Note(id: "c7", n: 3))
        let m = try c.read()
        XCTAssertEqual(m["event"] as? String, "TaskExit")
        XCTAssertJSON(m["params"], #"{"id": "c7", "n": 3}"#)
        XCTAssertNil(m["id"])
    }

    func testSubscribingAgainReplacesTheTopics() throws {
        let c = try subscriber(#"["TaskExit"]"#)
        XCTAssertOK(try c.call("Events.Subscribe", #"{"topics": ["TaskStart"]}"#))
        server.server.publish("TaskExit", Note(id: "c1", n: 0))
        server.server.publish("TaskStart", Note(id: "c1", n: 1))
        XCTAssertEqual(try eventsBeforeNextResponse(c), ["TaskStart"])
    }

    func testPublishingToDepartedSubscribersDoesNotDisturbOthers() throws {
        let stay = try subscriber("[]")
        for _ in 0..<20 {
            let gone = try subscriber("[]")
            gone.conn.close()
        }
        for i in 0..<50 { server.server.publish("TaskExit", Note(id: "c1", n: i)) }
        // New connections may reuse the departed ones' descriptors: they get nothing they did not ask for.
        let fresh = try subscriber(nil)
        XCTAssertEqual(try eventsBeforeNextResponse(fresh), [])
        XCTAssertEqual(try eventsBeforeNextResponse(stay).count, 50)
    }

    func testRPCClientSkipsInterleavedEventsAndQueuesThem() throws {
        let client = try RPCClient(path: server.path, protocolName: "berth.test", version: 1, clientName: "wire-tests")
        defer { client.close() }
        XCTAssertEqual(client.server.server, "test-server 1.0")
        _ = try client.call("Events.Subscribe", TopicsParams(topics: []), Empty.self)
        _ = try client.call("Publish", PublishParams(events: ["TaskStart", "TaskExit"]), Empty.self)
        let echoed = try client.call("Echo", EchoParams(text: "after events", count: nil), EchoParams.self)
        XCTAssertEqual(echoed.text, "after events")
        let first = try client.nextEvent()
        XCTAssertEqual(first.name, "TaskStart")
        let body = try JSONSerialization.jsonObject(with: Data(first.frame)) as? [String: Any]
        XCTAssertJSON(body?["params"], #"{"id": "c1", "n": 0}"#)
        XCTAssertEqual(try client.nextEvent().name, "TaskExit")
        // Then it blocks for live ones.
        server.server.publish("TaskOOM", Note(id: "c1", n: 9))
        XCTAssertEqual(try client.nextEvent().name, "TaskOOM")
    }

    func testRPCClientRawCallAlsoQueuesEvents() throws {
        let client = try RPCClient(path: server.path, protocolName: "berth.test", version: 1, clientName: "wire-tests")
        defer { client.close() }
        _ = try client.call("Events.Subscribe", TopicsParams(topics: nil), Empty.self)
        let raw = try client.callRaw("Publish", PublishParams(events: ["TaskPaused"]))
        let m = try JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any]
        XCTAssertNotNil(m?["result"])
        XCTAssertEqual(try client.nextEvent().name, "TaskPaused")
    }

    func testRPCClientReportsErrorsAndMismatches() throws {
        XCTAssertThrowsError(try RPCClient(path: server.path, protocolName: "berth.shim", version: 1, clientName: "t")) { e in
            XCTAssertEqual((e as? WireError)?.code, .failedPrecondition)
        }
        XCTAssertThrowsError(try RPCClient(path: server.dir + "/nothing.sock", protocolName: "berth.test", version: 1, clientName: "t")) { e in
            XCTAssertEqual((e as? WireError)?.code, .unavailable)
            XCTAssertTrue("\(e)".contains("nothing.sock"), "\(e)")
        }
        let client = try RPCClient(path: server.path, protocolName: "berth.test", version: 1, clientName: "t")
        defer { client.close() }
        XCTAssertThrowsError(try client.call("Nope", Empty(), Empty.self)) { e in
            XCTAssertEqual((e as? WireError)?.code, .unimplemented)
        }
        // A result of the wrong shape is the server's fault: Internal, naming the method.
        XCTAssertThrowsError(try client.call("Ping", Empty(), EchoParams.self)) { e in
            XCTAssertEqual((e as? WireError)?.code, .internalError)
            XCTAssertTrue("\(e)".contains("Ping"), "\(e)")
        }
        XCTAssertEqual(try client.call("Echo", EchoParams(text: "ok"), EchoParams.self).text, "ok")
    }

    func testRPCClientTraceNamesEachFrame() throws {
        let lines = TraceLines()
        let client = try RPCClient(path: server.path, protocolName: "berth.test", version: 1, clientName: "tracer",
                                   trace: { lines.add($0) })
        defer { client.close() }
        _ = try client.call("Ping", Empty(), Empty.self)
        let all = lines.all
        XCTAssertEqual(all.count, 4, "\(all)")
        XCTAssertTrue(all[0].hasPrefix("tracer #\(getpid())."), all[0])
        XCTAssertTrue(all[0].contains(" > {\"id\":0,\"method\":\"Hello\""), all[0])
        XCTAssertTrue(all[1].contains(" < {"), all[1])
    }
}

final class TraceLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ l: String) { lock.lock(); lines.append(l); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
