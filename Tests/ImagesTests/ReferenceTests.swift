import XCTest
import Digest
import Images
import LinuxSys

/// Cases from distribution/reference's reference_test.go and normalize_test.go.
final class ReferenceTests: XCTestCase {
    private let ff = String(repeating: "f", count: 64)

    func testParseValid() throws {
        // input, domain, path, tag, digest
        let cases: [(String, String, String, String?, String?)] = [
            ("test_com", "", "test_com", nil, nil),
            ("test.com:tag", "", "test.com", "tag", nil),
            ("test.com:5000", "", "test.com", "5000", nil),
            ("test.com/repo:tag", "test.com", "repo", "tag", nil),
            ("test:5000/repo", "test:5000", "repo", nil, nil),
            ("test:5000/repo:tag", "test:5000", "repo", "tag", nil),
            ("test:5000/repo@sha256:\(ff)", "test:5000", "repo", nil, "sha256:\(ff)"),
            ("test:5000/repo:tag@sha256:\(ff)", "test:5000", "repo", "tag", "sha256:\(ff)"),
            ("lowercase:Uppercase", "", "lowercase", "Uppercase", nil),
            (String(repeating: "a/", count: 127) + "a:tag-puts-this-over-max", "a",
             String(repeating: "a/", count: 126) + "a", "tag-puts-this-over-max", nil),
            ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", nil, nil),
            ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", nil),
            ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", nil),
            ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", nil),
            ("foo_bar.com:8080", "", "foo_bar.com", "8080", nil),
            ("foo/foo_bar.com:8080", "foo", "foo_bar.com", "8080", nil),
            ("192.168.1.1", "", "192.168.1.1", nil, nil),
            ("192.168.1.1:tag", "", "192.168.1.1", "tag", nil),
            ("192.168.1.1:5000", "", "192.168.1.1", "5000", nil),
            ("192.168.1.1/repo", "192.168.1.1", "repo", nil, nil),
            ("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", nil, nil),
            ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", nil),
            ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", nil, nil),
            ("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", nil),
            ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", nil, nil),
            ("[2001:db8::1]:5000/repo:tag@sha256:\(ff)", "[2001:db8::1]:5000", "repo", "tag", "sha256:\(ff)"),
            ("[::1]:5000/repo", "[::1]:5000", "repo", nil, nil),
            ("dock__er/docker", "", "dock__er/docker", nil, nil),
            ("docker---rules/docker", "docker---rules", "docker", nil, nil), // a valid host name, so the domain
        ]
        for (input, domain, path, tag, digest) in cases {
            let r = try Reference.parse(input)
            XCTAssertEqual(r.domain, domain, input)
            XCTAssertEqual(r.path, path, input)
            XCTAssertEqual(r.tag, tag, input)
            XCTAssertEqual(r.digest?.encoded, digest, input)
            XCTAssertEqual(r.description, input, "round trip")
        }
    }

    func testParseInvalid() {
        let cases: [(String, String)] = [
            ("", "repository name must have at least one component"),
            (":justtag", "invalid reference format"),
            ("@sha256:\(ff)", "invalid reference format"),
            ("repo@sha256:" + String(repeating: "f", count: 34), "invalid checksum digest length"),
            ("validname@invaliddigest:\(ff)", "unsupported digest algorithm"),
            ("Uppercase:tag", "invalid reference format: repository name must be lowercase"),
            ("test:5000/Uppercase/lowercase:tag", "invalid reference format: repository name must be lowercase"),
            (String(repeating: "a/", count: 128) + "a:tag", "repository name must not be more than 255 characters"),
            ("aa/asdf$$^/aa", "invalid reference format"),
            ("[2001:db8::1]", "invalid reference format"),
            ("[2001:db8::1]:5000", "invalid reference format"),
            ("[2001:db8::1]:tag", "invalid reference format"),
            ("[fe80::1%eth0]:5000/repo", "invalid reference format"),
            ("[fe80::1%@invalidzone]:5000/repo", "invalid reference format"),
            ("repo:", "invalid reference format"),
            ("repo:-tag", "invalid reference format"),
            ("repo:" + String(repeating: "t", count: 129), "invalid reference format"),
            ("____/____", "invalid reference format"),
            ("dock..er/docker", "invalid reference format"),
        ]
        for (input, message) in cases {
            XCTAssertThrowsError(try Reference.parse(input), input) { error in
                XCTAssertEqual("\(error)", message, input)
            }
        }
    }

    func testParseNormalized() throws {
        // input, full form, familiar form
        let cases: [(String, String, String)] = [
            ("busybox", "docker.io/library/busybox", "busybox"),
            ("busybox:latest", "docker.io/library/busybox:latest", "busybox:latest"),
            ("docker.io/busybox", "docker.io/library/busybox", "busybox"),
            ("index.docker.io/library/debian", "docker.io/library/debian", "debian"),
            ("library/ubuntu", "docker.io/library/ubuntu", "ubuntu"),
            ("fooo/bar", "docker.io/fooo/bar", "fooo/bar"),
            ("index.docker.io/fooo/bar", "docker.io/fooo/bar", "fooo/bar"),
            ("library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar"),
            ("localhost/x", "localhost/x", "localhost/x"),
            ("localhost:5000/x:tag", "localhost:5000/x:tag", "localhost:5000/x:tag"),
            ("127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase"),
            ("example.com/privatebase", "example.com/privatebase", "example.com/privatebase"),
            ("Foo/bar", "Foo/bar", "Foo/bar"),
            ("[fc00::1]:5000/docker", "[fc00::1]:5000/docker", "[fc00::1]:5000/docker"),
            ("busybox:latest@sha256:\(ff)", "docker.io/library/busybox:latest@sha256:\(ff)", "busybox:latest@sha256:\(ff)"),
            ("docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
             "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
             "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"),
        ]
        for (input, full, familiar) in cases {
            let r = try Reference.parseNormalized(input)
            XCTAssertEqual(r.description, full, input)
            XCTAssertEqual(r.familiarString, familiar, input)
        }
        XCTAssertEqual(try Reference.parseNormalized("busybox").withDefaultTag.description, "docker.io/library/busybox:latest")
        XCTAssertEqual(try Reference.parseNormalized("busybox").withDefaultTag.familiarString, "busybox:latest")
        XCTAssertEqual(try Reference.parseNormalized("localhost:5000/x").familiarName, "localhost:5000/x")
    }

    func testParseNormalizedInvalid() {
        let hex = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"
        let cases: [(String, String?)] = [
            ("Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase"),
            ("docker/Docker", "invalid reference format: repository name (docker/Docker) must be lowercase"),
            (hex, "invalid repository name (\(hex)), cannot specify 64-byte hexadecimal strings"),
            ("https://github.com/docker/docker", nil),
            ("-docker", nil), ("-docker/docker", nil), ("-docker.io/docker/docker", nil), ("docker///docker", nil),
            ("docker.io/docker/Docker", nil), ("[fc00::1]", nil), ("[fc00::1]:5000", nil), ("fc00::1:5000/debian", nil),
            ("[2001:db8:3:4::192.0.2.33]:5000/debian", nil), ("docker-/docker", nil), ("_docker/_docker", nil),
            ("dock_.er/docker", nil), ("dock-.er/docker", nil), ("docker/", nil), ("", nil),
        ]
        for (input, message) in cases {
            XCTAssertThrowsError(try Reference.parseNormalized(input), input) { error in
                if let message { XCTAssertEqual("\(error)", message, input) }
            }
        }
    }

    func testParseDockerRefAndAny() throws {
        XCTAssertEqual(try Reference.parseDockerRef("busybox").description, "docker.io/library/busybox:latest")
        XCTAssertEqual(try Reference.parseDockerRef("busybox:1@sha256:\(ff)").description, "docker.io/library/busybox@sha256:\(ff)")
        let id = try Digest(sha256Hex: ff)
        XCTAssertEqual(try AnyReference.parse(ff), .id(id))
        XCTAssertEqual(try AnyReference.parse("sha256:\(ff)"), .id(id))
        XCTAssertEqual(try AnyReference.parse("dbcc1"), .named(try Reference.parse("docker.io/library/dbcc1")))
        XCTAssertEqual(try AnyReference.parse(String(ff.dropLast())), .named(try Reference.parse("docker.io/library/" + ff.dropLast())))
        XCTAssertThrowsError(try Reference.parse("busybox").withTag("-x"))
        XCTAssertEqual(try Reference.parse("busybox").withTag("x").description, "busybox:x")
    }

    func testFamiliarMatch() throws {
        let cases: [(String, String, Bool)] = [
            ("foo", "foo/**/ba[rz]", false),
            ("foo/any/bat", "foo/**/ba[rz]", false),
            ("foo/a/bar", "foo/**/ba[rz]", true),
            ("foo/b/baz", "foo/**/ba[rz]", true),
            ("foo/c/baz:tag", "foo/**/ba[rz]", true),
            ("foo/c/baz:tag", "foo/*/baz:tag", true),
            ("foo/c/baz:tag", "foo/c/baz:tag", true),
            ("example.com/foo/c/baz:tag", "*/foo/c/baz", true),
            ("example.com/foo/c/baz:tag", "example.com/foo/c/baz", true),
            ("busybox:latest", "busy*", true),
            ("busybox:latest", "busybox:l?test", true),
            ("busybox:latest", "busybox:[^l]*", false),
            ("busybox:latest", "b\\usybox", true),
        ]
        for (ref, pattern, expected) in cases {
            let r = try Reference.parseNormalized(ref)
            XCTAssertEqual(try r.familiarMatch(pattern), expected, "\(pattern) against \(ref)")
        }
        XCTAssertThrowsError(try Reference.parseNormalized("foo").familiarMatch("[-x]"))
        XCTAssertThrowsError(try PathMatch.match("a\\", "a"))
        XCTAssertEqual(try PathMatch.match("a*/b", "abc/b"), true)
        XCTAssertEqual(try PathMatch.match("a*", "ab/c"), false)
    }

    /// Whatever a client sends, parsing answers (a reference or an error) and never traps.
    func testRandomInputNeverTraps() throws {
        let alphabet = Array("aZ09:/@._-[]%*?\\^ ")
        var rng = SystemRandomNumberGenerator()
        var parsed = 0
        for _ in 0..<5_000 {
            let s = String((0..<Int.random(in: 0...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "a" })
            if let r = try? Reference.parse(s) {
                parsed += 1
                XCTAssertEqual(try Reference.parse(r.description), r, s)
            }
            _ = try? Reference.parseNormalized(s)
            _ = try? AnyReference.parse(s)
            _ = try? PathMatch.match(s, "a/b:c")
            _ = WallTime.parse(rfc3339: s)
            _ = WallTime.parseDateTime(s)
            _ = try? ImageConfigChanges.parse(["EXPOSE " + s, "ENV " + s, "HEALTHCHECK " + s])
        }
        XCTAssertGreaterThan(parsed, 0)
    }
}
