import Foundation
import XCTest
import Wire
import ShimAPI
import SupervisorAPI

/// Protocols/examples/<service>/*.json against the Swift message types and the schemas:
/// every example decodes and re-encodes to itself, validates against its schema, and
/// every method and event of the service has examples.
final class GoldenTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let protocols = root.appendingPathComponent("Protocols")
    static let validator = root.appendingPathComponent("Tests/fixtures/validate-frames.py")

    /// Decodes a JSON value as T and encodes it back the way the daemons do.
    struct Shape: Sendable {
        let name: String
        let roundTrip: @Sendable (Data) throws -> Data
        /// The server's path: `params` of a whole request frame, which may omit it.
        let paramsOfFrame: @Sendable ([UInt8]) throws -> Void
        init<T: Codable & Sendable>(_ t: T.Type) {
            name = "\(T.self)"
            roundTrip = { d in Data(try WireJSON.encode(try JSONDecoder().decode(T.self, from: d))) }
            paramsOfFrame = { f in _ = try WireJSON.params(T.self, from: f) }
        }
    }

    struct Service: Sendable {
        let name: String
        let methods: [String: (params: Shape, result: Shape)]
        let events: [String: Shape]
        /// The method and event names as the API module spells them.
        let apiMethods: [String]
        let apiEvents: [String]
    }

    static let shim = Service(
        name: "shim",
        methods: [
            "Hello": (Shape(HelloParams.self), Shape(HelloResult.self)),
            ShimMethod.create: (Shape(ShimCreateParams.self), Shape(PidResult.self)),
            ShimMethod.start: (Shape(ProcessRef.self), Shape(PidResult.self)),
            ShimMethod.state: (Shape(ProcessRef.self), Shape(ProcessState.self)),
            ShimMethod.kill: (Shape(KillParams.self), Shape(Empty.self)),
            ShimMethod.wait: (Shape(ProcessRef.self), Shape(ExitResult.self)),
            ShimMethod.exec: (Shape(ExecParams.self), Shape(Empty.self)),
            ShimMethod.resizePty: (Shape(ResizeParams.self), Shape(Empty.self)),
            ShimMethod.closeStdin: (Shape(ProcessRef.self), Shape(Empty.self)),
            ShimMethod.attach: (Shape(AttachParams.self), Shape(Empty.self)),
            ShimMethod.writeStdin: (Shape(WriteStdinParams.self), Shape(Empty.self)),
            ShimMethod.pause: (Shape(Empty.self), Shape(Empty.self)),
            ShimMethod.resume: (Shape(Empty.self), Shape(Empty.self)),
            ShimMethod.update: (Shape(UpdateParams.self), Shape(Empty.self)),
            ShimMethod.stats: (Shape(Empty.self), Shape(StatsResult.self)),
            ShimMethod.pids: (Shape(Empty.self), Shape(PidsResult.self)),
            ShimMethod.delete: (Shape(ProcessRef.self), Shape(ExitResult.self)),
            ShimMethod.shutdown: (Shape(Empty.self), Shape(Empty.self)),
            ShimMethod.subscribe: (Shape(SubscribeParams.self), Shape(Empty.self)),
        ],
        events: [
            ShimEvent.taskStart: Shape(TaskEvent.self), ShimEvent.taskExit: Shape(TaskEvent.self),
            ShimEvent.taskOOM: Shape(TaskEvent.self), ShimEvent.execStarted: Shape(TaskEvent.self),
            ShimEvent.taskPaused: Shape(TaskEvent.self), ShimEvent.taskResumed: Shape(TaskEvent.self),
            ShimEvent.output: Shape(OutputEvent.self), ShimEvent.closed: Shape(StreamClosedEvent.self),
        ],
        apiMethods: ["Hello", ShimMethod.create, ShimMethod.start, ShimMethod.state, ShimMethod.kill, ShimMethod.wait,
                     ShimMethod.exec, ShimMethod.resizePty, ShimMethod.closeStdin, ShimMethod.attach, ShimMethod.writeStdin,
                     ShimMethod.pause, ShimMethod.resume, ShimMethod.update, ShimMethod.stats, ShimMethod.pids,
                     ShimMethod.delete, ShimMethod.shutdown, ShimMethod.subscribe],
        apiEvents: [ShimEvent.taskStart, ShimEvent.taskExit, ShimEvent.taskOOM, ShimEvent.execStarted,
                    ShimEvent.taskPaused, ShimEvent.taskResumed, ShimEvent.output, ShimEvent.closed])

    static let supervisor = Service(
        name: "supervisor",
        methods: [
            "Hello": (Shape(HelloParams.self), Shape(HelloResult.self)),
            SupervisorMethod.create: (Shape(TaskCreateParams.self), Shape(TaskInfo.self)),
            SupervisorMethod.start: (Shape(TaskRef.self), Shape(PidResult.self)),
            SupervisorMethod.kill: (Shape(TaskKillParams.self), Shape(Empty.self)),
            SupervisorMethod.wait: (Shape(TaskRef.self), Shape(ExitResult.self)),
            SupervisorMethod.delete: (Shape(TaskRef.self), Shape(ExitResult.self)),
            SupervisorMethod.exec: (Shape(TaskExecParams.self), Shape(Empty.self)),
            SupervisorMethod.list: (Shape(Empty.self), Shape(TaskListResult.self)),
            SupervisorMethod.get: (Shape(TaskRef.self), Shape(TaskInfo.self)),
            SupervisorMethod.pause: (Shape(TaskRef.self), Shape(Empty.self)),
            SupervisorMethod.resume: (Shape(TaskRef.self), Shape(Empty.self)),
            SupervisorMethod.update: (Shape(TaskUpdateParams.self), Shape(Empty.self)),
            SupervisorMethod.stats: (Shape(TaskRef.self), Shape(StatsResult.self)),
            SupervisorMethod.resizePty: (Shape(TaskResizeParams.self), Shape(Empty.self)),
            SupervisorMethod.closeStdin: (Shape(TaskRef.self), Shape(Empty.self)),
            SupervisorMethod.subscribe: (Shape(SubscribeParams.self), Shape(Empty.self)),
        ],
        events: Dictionary(uniqueKeysWithValues: SupervisorEvent.all.map { ($0, Shape(TaskEvent.self)) }),
        apiMethods: ["Hello", SupervisorMethod.create, SupervisorMethod.start, SupervisorMethod.kill, SupervisorMethod.wait,
                     SupervisorMethod.delete, SupervisorMethod.exec, SupervisorMethod.list, SupervisorMethod.get,
                     SupervisorMethod.pause, SupervisorMethod.resume, SupervisorMethod.update, SupervisorMethod.stats,
                     SupervisorMethod.resizePty, SupervisorMethod.closeStdin, SupervisorMethod.subscribe],
        apiEvents: SupervisorEvent.all)

    func testShimExamples() throws { try check(Self.shim) }
    func testSupervisorExamples() throws { try check(Self.supervisor) }

    func testErrorCodesMatchTheSchemas() throws {
        for svc in ["shim", "supervisor"] {
            let schema = try Self.schema(svc)
            let defs = schema["$defs"] as? [String: Any]
            let codes = (defs?["ErrorCode"] as? [String: Any])?["enum"] as? [String]
            XCTAssertEqual(codes, ErrorCode.allCases.map(\.rawValue), svc)
        }
    }

    func testValidatorRejectsFramesThatBreakTheSchema() throws {
        let lines = [
            #"{"id": 1, "method": "Hello", "params": {"protocol": "berth.supervisor", "version": 1}}"#,
            #"{"id": 2, "method": "Task.Create", "params": {"id": "c1"}}"#,
            #"{"id": 2, "result": {"pid": "x"}}"#,
            #"{"event": "TaskExit", "params": {"id": "c1", "exitedAt": "now"}}"#,
            #"{"id": 3, "method": "Task.Nope"}"#,
        ]
        let (status, _, err) = try Self.validate(schema: "supervisor", lines: lines)
        XCTAssertEqual(status, 1, err)
        XCTAssertTrue(err.contains("Task.Create request: 'bundle' is a required property"), err)
        XCTAssertTrue(err.contains("Task.Create response"), err)
        XCTAssertTrue(err.contains("TaskExit event"), err)
        XCTAssertTrue(err.contains("unknown method 'Task.Nope'"), err)
    }

    // MARK: - the checks

    private func check(_ svc: Service) throws {
        let dir = Self.protocols.appendingPathComponent("examples/\(svc.name)")
        let schema = try Self.schema(svc.name)
        let schemaMethods = try XCTUnwrap(schema["methods"] as? [String: Any])
        let schemaEvents = try XCTUnwrap(schema["events"] as? [String: Any])
        XCTAssertEqual(Set(schemaMethods.keys), Set(svc.apiMethods), "schema methods vs \(svc.name) API")
        XCTAssertEqual(Set(schemaEvents.keys), Set(svc.apiEvents), "schema events vs \(svc.name) API")
        XCTAssertEqual(Set(svc.methods.keys), Set(svc.apiMethods))
        XCTAssertEqual(Set(svc.events.keys), Set(svc.apiEvents))

        var frames: [String] = []
        var known: Set<String> = []
        for method in svc.apiMethods.sorted() {
            guard let shapes = svc.methods[method] else { continue }
            let reqName = "\(method).request.json", resName = "\(method).response.json", errName = "\(method).error.json"
            known.formUnion([reqName, resName, errName])
            let req = try load(dir, reqName)
            XCTAssertEqual(req["method"] as? String, method, reqName)
            let id = try XCTUnwrap(req["id"] as? Int, reqName)
            let params = req["params"] ?? [String: Any]()
            try assertRoundTrip(params, shapes.params, reqName)
            try assertRequiredFields(params, shapes.params, schema: schema, ref: schemaMethods[method], key: "params", reqName)
            let frame = try Data(contentsOf: dir.appendingPathComponent(reqName))
            XCTAssertNoThrow(try shapes.params.paramsOfFrame(Array(frame)), reqName)

            let res = try load(dir, resName)
            XCTAssertEqual(res["id"] as? Int, id, "\(resName) must answer \(reqName)")
            let result = try XCTUnwrap(res["result"], resName)
            try assertRoundTrip(result, shapes.result, resName)
            try assertRequiredFields(result, shapes.result, schema: schema, ref: schemaMethods[method], key: "result", resName)
            frames += [try line(req), try line(res)]

            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(errName).path) {
                let e = try load(dir, errName)
                XCTAssertEqual(e["id"] as? Int, id, "\(errName) must answer \(reqName)")
                try assertErrorRoundTrip(e, errName)
                frames += [try line(req), try line(e)]
            }
        }
        for event in svc.apiEvents.sorted() {
            let name = "\(event).event.json"
            known.insert(name)
            let ev = try load(dir, name)
            XCTAssertEqual(ev["event"] as? String, event, name)
            let params = try XCTUnwrap(ev["params"], name)
            let shape = try XCTUnwrap(svc.events[event])
            try assertRoundTrip(params, shape, name)
            try assertRequiredFields(params, shape, schema: schema, ref: schemaEvents[event], key: "params", name)
            frames.append(try line(ev))
        }
        // Anything else in the folder is an error answer to no request (id null).
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
        for f in files where !known.contains(f) {
            XCTAssertTrue(f.hasSuffix(".error.json"), "\(f): not an example of any method or event of \(svc.name)")
            let e = try load(dir, f)
            XCTAssertTrue(e["id"] is NSNull, "\(f): an error example without a method must have id null")
            try assertErrorRoundTrip(e, f)
            frames.append(try line(e))
        }

        let (status, out, err) = try Self.validate(schema: svc.name, lines: frames)
        XCTAssertEqual(status, 0, "validate-frames.py:\n\(err)")
        let summary = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        XCTAssertEqual(summary?["invalid"] as? Int, 0)
        XCTAssertEqual(summary?["frames"] as? Int, frames.count)
    }

    private func assertRoundTrip(_ value: Any, _ shape: Shape, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let original = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
        let again: Data
        do {
            again = try shape.roundTrip(original)
        } catch {
            return XCTFail("\(what): does not decode as \(shape.name): \(error)", file: file, line: line)
        }
        let a = try JSONSerialization.jsonObject(with: original, options: [.fragmentsAllowed]) as? NSObject
        let b = try JSONSerialization.jsonObject(with: again, options: [.fragmentsAllowed]) as? NSObject
        XCTAssertEqual(a, b, "\(what): re-encoded as \(String(decoding: again, as: UTF8.self))", file: file, line: line)
    }

    private func assertErrorRoundTrip(_ e: [String: Any], _ what: String) throws {
        let body = try JSONSerialization.data(withJSONObject: try XCTUnwrap(e["error"], what))
        let err = try JSONDecoder().decode(WireError.self, from: body)
        let again = try JSONSerialization.jsonObject(with: Data(WireJSON.encode(err))) as? NSObject
        XCTAssertEqual(again, try JSONSerialization.jsonObject(with: body) as? NSObject, what)
    }

    /// The schema's `required` must be exactly what Swift cannot decode without: dropping a
    /// required field fails, dropping any other one does not.
    private func assertRequiredFields(_ value: Any, _ shape: Shape, schema: [String: Any], ref entry: Any?,
                                      key: String, _ what: String) throws {
        guard let object = value as? [String: Any] else { return }
        let defs = schema["$defs"] as? [String: Any] ?? [:]
        guard let refObj = (entry as? [String: Any])?[key] as? [String: Any], let ref = refObj["$ref"] as? String else {
            return XCTFail("\(what): the schema has no $ref for \(key)")
        }
        let def = defs[String(ref.split(separator: "/").last ?? "")] as? [String: Any] ?? [:]
        let required = Set(def["required"] as? [String] ?? [])
        for field in object.keys {
            var without = object
            without.removeValue(forKey: field)
            let decodes = (try? shape.roundTrip(JSONSerialization.data(withJSONObject: without))) != nil
            XCTAssertEqual(!decodes, required.contains(field),
                           "\(what): \(shape.name).\(field) is \(decodes ? "optional" : "required") in Swift but not in \(ref)")
        }
        XCTAssertTrue(required.isSubset(of: object.keys), "\(what): the example lacks required fields \(required.subtracting(object.keys))")
    }

    // MARK: - helpers

    static func schema(_ svc: String) throws -> [String: Any] {
        let data = try Data(contentsOf: protocols.appendingPathComponent("\(svc).v1.schema.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func load(_ dir: URL, _ name: String) throws -> [String: Any] {
        let url = dir.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url) else { throw Missing(name: url.path) }
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], name)
    }

    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "missing golden example \(name)" }
    }

    private func line(_ obj: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Runs validate-frames.py over `lines`: (exit status, stdout, stderr).
    static func validate(schema svc: String, lines: [String]) throws -> (Int32, String, String) {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("golden-\(svc)-\(UUID().uuidString).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: tmp, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", validator.path, "--json", protocols.appendingPathComponent("\(svc).v1.schema.json").path, tmp.path]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
