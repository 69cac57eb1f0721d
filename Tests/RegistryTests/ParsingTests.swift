import Images
import XCTest
@testable import Registry

/// The registry client's pure parts: challenges, URLs, links, error bodies, base64, errors.
final class ParsingTests: XCTestCase {
    func testAuthChallengeParse() throws {
        let c = try XCTUnwrap(AuthChallenge.parse(#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push""#))
        XCTAssertEqual(c.scheme, "bearer")
        XCTAssertEqual(c.parameters, ["realm": "https://auth.example.com/token", "service": "registry.example.com",
                                      "scope": "repository:a/b:pull,push"])
        // Unquoted values, spaces after commas, keys in any case, an escaped quote.
        let u = try XCTUnwrap(AuthChallenge.parse(#"Basic Realm=berth, charset="UTF-8", note="say \"hi\"""#))
        XCTAssertEqual(u.scheme, "basic")
        XCTAssertEqual(u.parameters, ["realm": "berth", "charset": "UTF-8", "note": #"say "hi""#])
        // A comma inside quotes belongs to the value; several scopes are space-separated.
        let s = try XCTUnwrap(AuthChallenge.parse(#"Bearer scope="repository:x:pull,push repository:y:pull",error="insufficient_scope""#))
        XCTAssertEqual(s.parameters["scope"], "repository:x:pull,push repository:y:pull")
        XCTAssertEqual(s.parameters["error"], "insufficient_scope")
        XCTAssertEqual(AuthChallenge.parse("Negotiate"), AuthChallenge(scheme: "negotiate", parameters: [:]))
        XCTAssertNil(AuthChallenge.parse(""))
        XCTAssertNil(AuthChallenge.parse("   "))
    }

    func testScopesMergeByResource() {
        XCTAssertEqual(Authenticator.merge(["repository:b/y:pull", "repository:b/y:pull,push", "repository:a/x:pull"]),
                       ["repository:b/y:pull,push", "repository:a/x:pull"])
        XCTAssertEqual(Authenticator.merge(["repository:127.0.0.1:5000/x:push", "", "registry:catalog:*", "odd"]),
                       ["repository:127.0.0.1:5000/x:push", "registry:catalog:*", "odd"])
        XCTAssertEqual(Authenticator.merge([]), [])
    }

    /// The scopes of a mount's token are the same whichever request met the challenge.
    func testTokenScopesPutTheRequestsOwnFirst() {
        let needed = ["repository:m:pull,push", "repository:b:pull"]
        for named in [["repository:m:push,pull"], ["repository:m:pull"], []] {
            XCTAssertEqual(Authenticator.tokenScopes(needed: needed, named: named), needed, "\(named)")
        }
        XCTAssertEqual(Authenticator.tokenScopes(needed: ["repository:m:pull"], named: ["registry:catalog:*"]),
                       ["repository:m:pull", "registry:catalog:*"])
    }

    func testHTTPURLParsing() throws {
        let a = try HTTPURL(parsing: "https://Registry.example.com/v2/x?y=1")
        XCTAssertEqual(a, HTTPURL(scheme: "https", host: "Registry.example.com", port: 443, target: "/v2/x?y=1"))
        XCTAssertEqual(a.authority, "Registry.example.com")
        let b = try HTTPURL(parsing: "HTTP://127.0.0.1:5000")
        XCTAssertEqual(b, HTTPURL(scheme: "http", host: "127.0.0.1", port: 5000, target: "/"))
        XCTAssertEqual(b.description, "http://127.0.0.1:5000/")
        XCTAssertEqual(try HTTPURL(parsing: "http://h?q=1").target, "/?q=1")
        XCTAssertEqual(try HTTPURL(parsing: "http://h").port, 80)
        let v6 = try HTTPURL(parsing: "https://[::1]:8443/token")
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 8443)
        XCTAssertEqual(v6.authority, "[::1]:8443")
        XCTAssertEqual(try HTTPURL(parsing: "https://[fe80::1]/").authority, "[fe80::1]")
        for bad in ["ftp://h/", "h:5000/x", "http://h:99999/", "http://h:x/", "http://[::1/", "http://[::1]x/", "http:///x"] {
            XCTAssertThrowsError(try HTTPURL(parsing: bad), bad)
        }
        XCTAssertEqual(try HTTPURL.splitHostPort("example.com", defaultPort: 443).1, 443)
        XCTAssertEqual(HTTPURL.escape("repository:a/b:pull,push"), "repository%3Aa%2Fb%3Apull%2Cpush")
        XCTAssertEqual(HTTPURL.escape("A-z_0.9~"), "A-z_0.9~")
    }

    func testHTTPURLResolving() throws {
        let base = try HTTPURL(parsing: "http://127.0.0.1:5000/v2/a/blobs/uploads/?x=1")
        XCTAssertEqual(try base.resolving("https://cdn.example.com/blob?sig=1").description, "https://cdn.example.com/blob?sig=1")
        XCTAssertEqual(try base.resolving("//other:81/p").description, "http://other:81/p")
        XCTAssertEqual(try base.resolving("/v2/a/blobs/uploads/u1?_state=s").description, "http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=s")
        XCTAssertEqual(try base.resolving("u2?_state=t").description, "http://127.0.0.1:5000/v2/a/blobs/uploads/u2?_state=t")
        XCTAssertEqual(try HTTPURL(parsing: "http://h/v2").resolving("x").target, "/x")
        XCTAssertTrue(base.sameOrigin(try base.resolving("/other")))
        XCTAssertFalse(base.sameOrigin(try base.resolving("https://127.0.0.1:5000/")))
    }

    func testInsecureRegistries() {
        XCTAssertTrue(RegistryClient.isInsecure(domain: "127.0.0.1:5000", host: "127.0.0.1", insecure: []))
        XCTAssertTrue(RegistryClient.isInsecure(domain: "127.1.2.3", host: "127.1.2.3", insecure: []))
        XCTAssertTrue(RegistryClient.isInsecure(domain: "localhost:5000", host: "localhost", insecure: []))
        XCTAssertTrue(RegistryClient.isInsecure(domain: "[::1]:5000", host: "::1", insecure: []))
        XCTAssertFalse(RegistryClient.isInsecure(domain: "127.example.com", host: "127.example.com", insecure: []))
        XCTAssertFalse(RegistryClient.isInsecure(domain: "127.0.0.256", host: "127.0.0.256", insecure: []))
        XCTAssertFalse(RegistryClient.isInsecure(domain: "10.0.0.1:5000", host: "10.0.0.1", insecure: []))
        XCTAssertTrue(RegistryClient.isInsecure(domain: "10.0.0.1:5000", host: "10.0.0.1", insecure: ["10.0.0.1:5000"]))
        XCTAssertTrue(RegistryClient.isInsecure(domain: "reg.lan:5000", host: "reg.lan", insecure: ["reg.lan"]))
        XCTAssertFalse(RegistryClient.isInsecure(domain: "reg.lan:5000", host: "reg.lan", insecure: ["reg.lan:6000"]))
    }

    func testClientPicksSchemeByRegistry() throws {
        XCTAssertEqual(try RegistryClient(domain: "127.0.0.1:5000").base.description, "http://127.0.0.1:5000/")
        XCTAssertEqual(try RegistryClient(domain: "reg.example.com").base.description, "https://reg.example.com/")
        XCTAssertEqual(try RegistryClient(domain: "reg.lan:5000", insecure: ["reg.lan:5000"]).base.description, "http://reg.lan:5000/")
        XCTAssertEqual(try RegistryClient(domain: "docker.io").base.description, "https://registry-1.docker.io/")
        XCTAssertThrowsError(try RegistryClient(domain: "reg.lan:http"))
    }

    func testNextPage() {
        XCTAssertEqual(RegistryClient.nextPage(#"</v2/x/tags/list?n=100&last=b>; rel="next""#), "/v2/x/tags/list?n=100&last=b")
        XCTAssertNil(RegistryClient.nextPage(#"</v2/x/tags/list?n=100&last=b>; rel="prev""#))
        XCTAssertNil(RegistryClient.nextPage(#"<https://elsewhere/v2/x/tags/list>; rel="next""#))
        XCTAssertNil(RegistryClient.nextPage(#"rel="next""#))
    }

    func testErrorText() {
        XCTAssertEqual(RegistryClient.errorText(Array(#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#.utf8)),
                       "manifest unknown: manifest unknown")
        XCTAssertEqual(RegistryClient.errorText(Array(#"{"errors":[{"code":"DENIED"}]}"#.utf8)), "denied")
        XCTAssertNil(RegistryClient.errorText(Array(#"{"errors":[]}"#.utf8)))
        XCTAssertNil(RegistryClient.errorText(Array("<html>bad gateway</html>".utf8)))
    }

    func testBase64() {
        XCTAssertEqual(Base64.encode([]), "")
        XCTAssertEqual(Base64.encode(Array("f".utf8)), "Zg==")
        XCTAssertEqual(Base64.encode(Array("fo".utf8)), "Zm8=")
        XCTAssertEqual(Base64.encode(Array("foo".utf8)), "Zm9v")
        XCTAssertEqual(Base64.encode(Array("alice:s3cret".utf8)), "YWxpY2U6czNjcmV0")
        XCTAssertEqual(Base64.encode([0xfb, 0xff, 0xbf]), "+/+/")
        XCTAssertEqual(Base64.decode("+/+/"), [0xfb, 0xff, 0xbf])
        XCTAssertEqual(Base64.decode("-_-_"), [0xfb, 0xff, 0xbf], "URL-safe alphabet")
        XCTAssertEqual(Base64.decode("Zm8="), Array("fo".utf8))
        XCTAssertEqual(Base64.decode("Zm8"), Array("fo".utf8), "padding is optional")
        XCTAssertEqual(Base64.decode("Zm9v\nYmFy"), Array("foobar".utf8))
        XCTAssertNil(Base64.decode("Zm9v!"))
        XCTAssertNil(Base64.decode("Z"), "a lone sextet is no byte")
        XCTAssertNil(Base64.decode("Zg==Zg=="), "data after padding")
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(Base64.decode(Base64.encode(all)), all)
        XCTAssertEqual(RegistryCredentials(username: "alice", password: "s3cret").basicHeader, "Basic YWxpY2U6czNjcmV0")
    }

    func testRegistryErrorKinds() {
        XCTAssertTrue(RegistryError.transport("reset").isRetryable)
        XCTAssertTrue(RegistryError.status(500, "x").isRetryable)
        XCTAssertTrue(RegistryError.status(503, "x").isRetryable)
        XCTAssertTrue(RegistryError.status(429, "x").isRetryable)
        XCTAssertFalse(RegistryError.status(400, "x").isRetryable)
        XCTAssertFalse(RegistryError.unauthorized("x").isRetryable)
        XCTAssertFalse(RegistryError.tls("x").isRetryable)
        XCTAssertFalse(RegistryError.invalid("x").isRetryable)
        XCTAssertEqual(RegistryError.notFound("x").httpStatus, 404)
        XCTAssertEqual(RegistryError.unauthorized("x").httpStatus, 404)
        XCTAssertEqual(RegistryError.invalid("x").httpStatus, 400)
        XCTAssertEqual(RegistryError.unsupported("x").httpStatus, 400)
        XCTAssertEqual(RegistryError.status(429, "x").httpStatus, 429)
        XCTAssertEqual(RegistryError.status(502, "x").httpStatus, 500)
        XCTAssertEqual(RegistryError.transport("x").httpStatus, 500)
        XCTAssertEqual(RegistryError.tls("x").httpStatus, 500)
        XCTAssertEqual(RegistryError.store(.notFound("x")).httpStatus, 404)
        XCTAssertEqual(RegistryError.store(.conflict("x")).httpStatus, 409)
        XCTAssertEqual(RegistryError.status(418, "teapot says no").description, "teapot says no")
    }

    func testMountCandidates() {
        let refs = ["reg:5000/team/app@sha256:" + String(repeating: "a", count: 64), "reg:5000/other/base:1", "busybox:latest",
                    "reg:5000/team/app:v2", "reg:5000/team/web:latest", "elsewhere:5000/team/app:v1", "reg:5000/team/api:v1"]
        XCTAssertEqual(Pusher.mountCandidates(domain: "reg:5000", target: "team/app", references: refs), ["team/web", "team/api", "other/base"])
        XCTAssertEqual(Pusher.mountCandidates(domain: "reg:5000", target: "team/app", references: refs, limit: 1), ["team/web"])
        XCTAssertEqual(Pusher.mountCandidates(domain: "docker.io", target: "me/box", references: refs), ["library/busybox"])
        XCTAssertEqual(Pusher.mountCandidates(domain: "reg:5000", target: "x", references: ["not a reference", "reg:5000/x:1"]), [])
    }

    func testRangeEnd() {
        XCTAssertEqual(RegistryClient.rangeEnd("0-1023"), 1023)
        XCTAssertEqual(RegistryClient.rangeEnd("bytes=0-9"), 9)
        XCTAssertEqual(RegistryClient.rangeEnd("0-0"), 0)
        XCTAssertNil(RegistryClient.rangeEnd("5-9"))
        XCTAssertNil(RegistryClient.rangeEnd("0-"))
        XCTAssertNil(RegistryClient.rangeEnd("junk"))
    }
}
