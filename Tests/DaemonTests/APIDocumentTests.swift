import Foundation
import XCTest

/// Protocols/docker-engine-api.yaml against the code: the document lists exactly the
/// routes Sources/berthd registers, carries berthd's API version, and is valid Swagger 2.0.
/// No daemon runs; both sides are read as text.
final class APIDocumentTests: XCTestCase {
    struct Operation: Hashable, Comparable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
        static func < (a: Operation, b: Operation) -> Bool { (a.path, a.method) < (b.path, b.method) }
    }

    static let documentPath = Binaries.packageRoot + "/Protocols/docker-engine-api.yaml"
    static let sourcesDir = Binaries.packageRoot + "/Sources/berthd"

    func testDocumentListsExactlyTheRoutesBerthdRegisters() throws {
        let document = try Self.documentOperations(String(contentsOfFile: Self.documentPath, encoding: .utf8))
        var registered = Set<Operation>()
        var unreadable: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.sourcesDir).sorted() where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: "\(Self.sourcesDir)/\(file)", encoding: .utf8)
            let found = Self.registeredRoutes(text)
            registered.formUnion(found.routes)
            unreadable += found.unreadable.map { "\(file): \($0)" }
        }
        XCTAssertEqual(unreadable, [], "routes registered with a method or path that is not a string literal: "
                       + "this test cannot see them; register them with literals")
        // Guards against a parser that silently finds nothing on either side.
        XCTAssertGreaterThan(registered.count, 40, "found only \(registered.sorted()) in \(Self.sourcesDir)")
        XCTAssertGreaterThan(document.count, 40, "found only \(document.sorted()) in \(Self.documentPath)")
        XCTAssertEqual(registered.subtracting(document).sorted(), [],
                       "registered by berthd but missing from Protocols/docker-engine-api.yaml")
        XCTAssertEqual(document.subtracting(registered).sorted(), [],
                       "in Protocols/docker-engine-api.yaml but not registered by berthd")
    }

    func testDocumentVersionIsBerthdsAPIVersion() throws {
        let daemon = try String(contentsOfFile: Self.sourcesDir + "/Daemon.swift", encoding: .utf8)
        let apiVersion = try XCTUnwrap(Self.firstCapture(#"static let apiVersion = "([0-9.]+)""#, in: daemon),
                                       "no `static let apiVersion` in Sources/berthd/Daemon.swift")
        let yaml = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        let lines = yaml.components(separatedBy: "\n")
        let info = try XCTUnwrap(lines.firstIndex(of: "info:"), "no top-level info: in the document")
        let version = lines[(info + 1)...].prefix { $0.hasPrefix(" ") || $0.isEmpty }
            .compactMap { Self.firstCapture(#"^  version: "([0-9.]+)"$"#, in: $0) }.first
        XCTAssertEqual(version, apiVersion, "info.version")
        XCTAssertTrue(lines.contains("basePath: \"/v\(apiVersion)\""), "basePath should be /v\(apiVersion)")
    }

    /// Structure, every $ref resolving, parameters and examples against their schemas.
    func testDocumentIsValidSwagger() throws {
        let script = """
            import json, sys, yaml
            from openapi_spec_validator.validation import OpenAPIV2SpecValidator
            # json round trip: YAML integer keys (response codes) become strings, as in JSON.
            doc = json.loads(json.dumps(yaml.safe_load(open(sys.argv[1]))))
            try:
                errors = list(OpenAPIV2SpecValidator(doc).iter_errors())
            except Exception as e:  # an unresolvable $ref is raised, not listed
                print(type(e).__name__ + ": " + str(e)[:300])
                sys.exit(1)
            for e in errors[:20]:
                print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
            sys.exit(1 if errors else 0)
            """
        let probe = Self.python(["-c", "import yaml, openapi_spec_validator"])
        try XCTSkipIf(probe.status != 0, "python3 with PyYAML and openapi-spec-validator is not installed: \(probe.output)")
        let r = Self.python(["-c", script, Self.documentPath])
        XCTAssertEqual(r.status, 0, "Protocols/docker-engine-api.yaml is not valid Swagger 2.0:\n\(r.output)")
    }

    /// The two parsers on text whose answer is known, including what they must not take.
    func testParsersReadTheirFormats() {
        let yaml = """
            swagger: "2.0"
            definitions:
              Thing:
                properties:
                  get:
                    type: "string"
            paths:
              /things/{id}:
                parameters:
                  - name: "id"
                get:
                  responses:
                    "200":
                      description: "ok"
                    post:
                      description: "deeper than an operation"
                delete:
                  summary: "x"

              # a comment
              /_ping:
                head:
                  summary: "Ping"
            tags:
              - name: "x"
            """
        XCTAssertEqual(Self.documentOperations(yaml), [Operation(method: "GET", path: "/things/{id}"),
                                                       Operation(method: "DELETE", path: "/things/{id}"),
                                                       Operation(method: "HEAD", path: "/_ping")])
        let swift = #"""
            func route(_ method: String, _ pattern: String, _ h: Handler) {
                router.add(method, pattern, streamingBody: streamingBody) { req in h(req) }
            }
            route("GET", "/images/{name:.*}/json") { [self] req in x }
            route("POST", "/images/load", streamingBody: true) { req in y }
            route("HEAD", "/_ping", ping)
            router.add("PUT", "/raw") { _ in z }
            router.get("/plain") { _ in z }
            route(method, "/hidden") { _ in z }
            """#
        let found = Self.registeredRoutes(swift)
        XCTAssertEqual(found.routes, [Operation(method: "GET", path: "/images/{name}/json"),
                                      Operation(method: "POST", path: "/images/load"),
                                      Operation(method: "HEAD", path: "/_ping"),
                                      Operation(method: "PUT", path: "/raw"),
                                      Operation(method: "GET", path: "/plain")])
        XCTAssertEqual(found.unreadable, [#"route(method, "/hidden") { _ in z }"#])
    }

    // MARK: parsing

    static let methods: Set = ["get", "put", "post", "delete", "head", "patch", "options"]

    /// The operations under the top-level `paths:` key, in the layout the document keeps:
    /// a path at two spaces of indentation, its operations at four.
    static func documentOperations(_ yaml: String) -> Set<Operation> {
        var out = Set<Operation>()
        var inPaths = false
        var path: String?
        for line in yaml.components(separatedBy: "\n") {
            if let first = line.first, first != " ", first != "#" {
                inPaths = line == "paths:"
                path = nil
                continue
            }
            guard inPaths else { continue }
            if let p = firstCapture(#"^  (/[^ ]*):\s*$"#, in: line) {
                path = p
            } else if let path, let m = firstCapture(#"^    ([a-z]+):\s*$"#, in: line), methods.contains(m) {
                out.insert(Operation(method: m.uppercased(), path: path))
            }
        }
        return out
    }

    /// `route("METHOD", "/path", ...)`, `router.add("METHOD", "/path", ...)` and
    /// `router.get("/path", ...)` calls, with `{name:.*}` written `{name}` as the document
    /// does. `unreadable` holds calls whose method or path is not a literal, except the
    /// forwarding `router.add(method, pattern, ...)` inside `func route`.
    static func registeredRoutes(_ swift: String) -> (routes: Set<Operation>, unreadable: [String]) {
        var routes = Set<Operation>()
        var unreadable: [String] = []
        for raw in swift.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("//") || line.hasPrefix("func route(") { continue }
            if line.range(of: #"(^|[^A-Za-z0-9_.])route\("#, options: .regularExpression) != nil {
                if let m = captures(#"(?:^|[^A-Za-z0-9_.])route\("([A-Z]+)", "([^"]+)""#, in: line) {
                    routes.insert(Operation(method: m[0], path: normalize(m[1])))
                } else {
                    unreadable.append(line)
                }
            }
            if line.range(of: #"router\.(add|get|head|post|put|delete)\("#, options: .regularExpression) != nil {
                if let m = captures(#"router\.add\("([A-Z]+)", "([^"]+)""#, in: line) {
                    routes.insert(Operation(method: m[0], path: normalize(m[1])))
                } else if let m = captures(#"router\.(get|head|post|put|delete)\("([^"]+)""#, in: line) {
                    routes.insert(Operation(method: m[0].uppercased(), path: normalize(m[1])))
                } else if !line.hasPrefix("router.add(method, pattern") {
                    unreadable.append(line)
                }
            }
        }
        return (routes, unreadable)
    }

    static func normalize(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: #"\{([A-Za-z_]+):[^}]*\}"#, with: "{$1}", options: .regularExpression)
    }

    static func captures(_ pattern: String, in text: String) -> [String]? {
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (1..<m.numberOfRanges).map { i in Range(m.range(at: i), in: text).map { String(text[$0]) } ?? "" }
    }

    static func firstCapture(_ pattern: String, in text: String) -> String? {
        captures(pattern, in: text)?.first
    }

    static func python(_ args: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "cannot run python3: \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
