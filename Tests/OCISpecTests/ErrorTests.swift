import Foundation
import OCISpec
import XCTest

final class ErrorTests: XCTestCase {
    func specError(_ json: String, file: String = "config.json") -> SpecError? {
        do {
            _ = try SpecFile.decode(Spec.self, from: Data(json.utf8), file: file)
            XCTFail("decoding succeeded: \(json)")
        } catch let error as SpecError {
            return error
        } catch {
            XCTFail("not a SpecError: \(error)")
        }
        return nil
    }

    func testMissingRequiredFieldNamesPath() {
        let e = specError(#"{"ociVersion":"1.2.0","process":{"user":{"gid":0},"cwd":"/"}}"#)
        XCTAssertEqual(e?.field, "process.user.uid")
        XCTAssertEqual(e?.description, "config.json: process.user.uid: required field is missing")

        XCTAssertEqual(specError(#"{"process":{"user":{"uid":0,"gid":0}}}"#)?.field, "ociVersion")
        XCTAssertEqual(specError(#"{"ociVersion":"1","process":{"cwd":"/"}}"#)?.field, "process.user")
    }

    func testArrayIndicesAndMapKeysInPath() {
        let mounts = specError(#"{"ociVersion":"1","mounts":[{"destination":"/a"},{"type":"tmpfs"}]}"#)
        XCTAssertEqual(mounts?.description, "config.json: mounts[1].destination: required field is missing")

        let op = specError(#"{"ociVersion":"1","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1}]}]}}}"#)
        XCTAssertEqual(op?.field, "linux.seccomp.syscalls[0].args[0].op")

        let pids = specError(#"{"ociVersion":"1","linux":{"resources":{"pids":{}}}}"#)
        XCTAssertEqual(pids?.field, "linux.resources.pids.limit")

        let rdma = specError(#"{"ociVersion":"1","linux":{"resources":{"rdma":{"mlx5_0":{"hcaHandles":"many"}}}}}"#)
        XCTAssertEqual(rdma?.field, "linux.resources.rdma.mlx5_0.hcaHandles")
    }

    func testTypeMismatch() {
        let e = specError(#"{"ociVersion":"1","process":{"user":{"uid":"0","gid":0},"cwd":"/"}}"#)
        XCTAssertEqual(e?.description, "config.json: process.user.uid: expected a number, found a string")

        let args = specError(#"{"ociVersion":"1","process":{"user":{"uid":0,"gid":0},"args":"sh"}}"#)
        XCTAssertEqual(args?.field, "process.args")
        XCTAssertEqual(args?.reason, "expected an array, found a string")

        let root = specError(#"{"ociVersion":"1","root":"rootfs"}"#)
        XCTAssertEqual(root?.field, "root")
        XCTAssertEqual(root?.reason, "expected an object, found a string")

        let flag = specError(#"{"ociVersion":"1","root":{"path":"r","readonly":"yes"}}"#)
        XCTAssertEqual(flag?.description, "config.json: root.readonly: expected a boolean, found a string")
        XCTAssertEqual(specError(#"{"ociVersion":1}"#)?.description, "config.json: ociVersion: expected a string, found a number")
        XCTAssertEqual(specError(#"{"ociVersion":"1","mounts":{}}"#)?.reason, "expected an array, found an object")
        XCTAssertEqual(specError(#"{"ociVersion":"1","hostname":true}"#)?.reason, "expected a string, found a boolean")
    }

    func testNullForRequiredValue() {
        let e = specError(#"{"ociVersion":"1","process":{"user":null,"cwd":"/"}}"#)
        XCTAssertEqual(e?.field, "process.user")
        XCTAssertEqual(e?.reason, "expected an object, found null")
    }

    func testNumberOutOfRange() {
        let e = specError(#"{"ociVersion":"1","process":{"user":{"uid":4294967296,"gid":0},"cwd":"/"}}"#)
        XCTAssertEqual(e?.field, "process.user.uid")
        let neg = specError(#"{"ociVersion":"1","linux":{"uidMappings":[{"containerID":0,"hostID":-1,"size":1}]}}"#)
        XCTAssertEqual(neg?.field, "linux.uidMappings[0].hostID")
    }

    func testInvalidJSON() {
        let e = specError(#"{"ociVersion": "1", "#)
        XCTAssertNil(e?.field)
        XCTAssertTrue(e?.description.hasPrefix("config.json: invalid JSON") == true, e?.description ?? "")
        let empty = specError("")
        XCTAssertTrue(empty?.description.hasPrefix("config.json: invalid JSON") == true, empty?.description ?? "")
    }

    func testMissingFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try Spec.load(from: dir + "/config.json")
            XCTFail("loaded a missing file")
        } catch let e as SpecError {
            XCTAssertEqual(e.errno, ENOENT)
            XCTAssertEqual(e.call, "open")
            XCTAssertEqual(e.description, "open \(dir)/config.json: no such file or directory")
        }
        do {
            _ = try Spec.load(from: dir)
            XCTFail("loaded a directory")
        } catch let e as SpecError {
            XCTAssertEqual(e.errno, EISDIR)
            XCTAssertEqual(e.description, "read \(dir): is a directory")
        }
    }

    func testFileNameAppearsInDecodeErrors() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/process.json"
        try Data(#"{"user":{"uid":0,"gid":"x"}}"#.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SpecFile.load(OCISpec.Process.self, from: path)) { error in
            XCTAssertEqual("\(error)", "\(path): user.gid: expected a number, found a string")
        }
    }
}

/// Errors JSONDecoder reports without a location on Linux; JSONDiagnostics recovers it.
final class DiagnosticsTests: XCTestCase {
    func error(_ json: String) -> String {
        do {
            _ = try SpecFile.decode(Spec.self, from: Data(json.utf8), file: "config.json")
            return "decoded"
        } catch {
            return "\(error)"
        }
    }

    func testSyntaxErrorsGiveLineAndColumn() {
        XCTAssertEqual(error("{\n  \"ociVersion\": \"1\",\n  \"hostname\": \"h\"\n  \"root\": {}\n}"),
                       "config.json: invalid JSON at line 4, column 3: expected ',' or '}' after the value of \"hostname\"")
        XCTAssertEqual(error(#"{"ociVersion": "1", : 2}"#), "config.json: invalid JSON at line 1, column 21: expected a string for an object key")
        XCTAssertEqual(error(#"{"ociVersion": "1""#), "config.json: invalid JSON at line 1, column 19: unexpected end of input")
        XCTAssertEqual(error(#"{"ociVersion": "1\"#), "config.json: invalid JSON at line 1, column 18: unterminated string")
        XCTAssertEqual(error(""), "config.json: invalid JSON at line 1, column 1: unexpected end of input, expected a value")
        XCTAssertEqual(error(#"{"ociVersion": "1", "process": {"user": {"uid": 01}}}"#),
                       "config.json: invalid JSON at line 1, column 50: number with a leading zero")
        XCTAssertEqual(error(#"{"ociVersion": tru}"#), "config.json: invalid JSON at line 1, column 19: invalid literal, expected true")
        XCTAssertEqual(error(#"{"ociVersion": "\q"}"#), "config.json: invalid JSON at line 1, column 17: invalid escape \\'q' in string")
        XCTAssertEqual(error(#"{} x"#), "config.json: invalid JSON at line 1, column 4: unexpected 'x' after the top-level value")
        XCTAssertEqual(error(String(repeating: "[", count: 600)), "config.json: invalid JSON at line 1, column 513: nesting deeper than 512 levels")
    }

    func testUnrepresentableNumberNamesField() {
        XCTAssertEqual(error(#"{"ociVersion":"1","process":{"user":{"uid":4294967296,"gid":0},"cwd":"/"}}"#),
                       "config.json: process.user.uid: number 4294967296 is out of range")
        XCTAssertEqual(error(#"{"ociVersion":"1","linux":{"uidMappings":[{"containerID":0,"hostID":-1,"size":1}]}}"#),
                       "config.json: linux.uidMappings[0].hostID: number -1 is out of range")
        XCTAssertEqual(error(#"{"ociVersion":"1","linux":{"resources":{"memory":{"swap":-1,"limit":1.5}}}}"#),
                       "config.json: linux.resources.memory.limit: number 1.5 is not a whole number")
        // Two bad numbers: the first in the document is reported.
        XCTAssertEqual(error(#"{"ociVersion":"1","mounts":[],"process":{"user":{"uid":-2,"gid":-3},"cwd":"/"}}"#),
                       "config.json: process.user.uid: number -2 is out of range")
        // Valid large numbers elsewhere are not blamed.
        XCTAssertEqual(error(#"{"ociVersion":"1","linux":{"resources":{"memory":{"limit":9223372036854775807}},"seccomp":{"defaultAction":"A","syscalls":[{"names":[],"action":"A","args":[{"index":0,"value":18446744073709551615,"op":"o"},{"index":-1,"value":0,"op":"o"}]}]}}}"#),
                       "config.json: linux.seccomp.syscalls[0].args[1].index: number -1 is out of range")
    }
}
