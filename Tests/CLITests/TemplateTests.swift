import JSON
import XCTest
@testable import CLICore
import LinuxSys

/// The Go text/template subset, checked against what Go (and the docker CLI's functions) produce.
final class TemplateTests: XCTestCase {
    private let doc: JSONValue = {
        let text = """
        {"Id":"abc123","Name":"/web","State":{"Status":"running","Running":true,"Pid":4242,"ExitCode":0,"Health":null},
         "Config":{"Labels":{"com.example.vendor":"ACME","b":"2"},"Env":["A=1","B=2"],"Entrypoint":null,"Tty":false},
         "HostConfig":{"Binds":null,"Memory":536870912},
         "Mounts":[{"Type":"volume","Source":"/var/lib/x","Destination":"/data"},{"Type":"bind","Source":"/etc","Destination":"/e"}],
         "NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}],"443/tcp":null}},
         "Ratio":1.5,"Empty":[],"Text":"a<b>&c"}
        """
        return (try? JSON.parse(Array(text.utf8))) ?? .null
    }()

    private func run(_ t: String, missingKeyError: Bool = false) throws -> String {
        var tmpl = try Template(t)
        tmpl.missingKeyError = missingKeyError
        return try tmpl.execute(.from(doc))
    }

    private func check(_ t: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let out = try run(t)
            XCTAssertEqual(out, expected, t, file: file, line: line)
        } catch {
            XCTFail("\(t): \(error)", file: file, line: line)
        }
    }

    private func failure(_ t: String, missingKeyError: Bool = false) -> String {
        do {
            let out = try run(t, missingKeyError: missingKeyError)
            return "no error: \(out)"
        } catch {
            return "\(error)"
        }
    }

    func testFieldsAndPrinting() {
        check("{{.State.Status}} {{.Id}}", "running abc123")
        check("{{.State.Pid}} {{.State.Running}} {{.Ratio}}", "4242 true 1.5")
        check("{{.Config.Env}}", "[A=1 B=2]")
        check("{{.Config.Labels}}", "map[b:2 com.example.vendor:ACME]")
        check("{{.Missing}}", "<no value>")
        check("{{.State.Health}}", "<nil>")
        // Nil slices and maps of Docker's types print as Go prints them.
        check("{{.HostConfig.Binds}} {{.Config.Entrypoint}}", "[] []")
        check("{{.NetworkSettings.Ports}}", "map[443/tcp:[] 80/tcp:[{0.0.0.0 8080}]]")
        check("{{.Mounts}}", "[{volume /var/lib/x /data} {bind /etc /e}]")
    }

    func testJSONFunction() {
        check("{{json .Config.Labels}}", #"{"b":"2","com.example.vendor":"ACME"}"#)
        check("{{json .State}}", #"{"Status":"running","Running":true,"Pid":4242,"ExitCode":0,"Health":null}"#)
        check("{{json .Text}}", #""a<b>&c""#)
        check("{{json .Missing}}", "null")
        check("{{json .Empty}}", "[]")
    }

    func testIndexRangeWithIf() {
        check(#"{{index .Config.Labels "b"}}|{{index .Config.Labels "nope"}}|"#, "2||")
        check("{{index .Mounts 1}}", "{bind /etc /e}")
        check("{{(index .Mounts 0).Source}}", "/var/lib/x")
        check("{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}", "/var/lib/x:/data /etc:/e ")
        check("{{range $i, $m := .Mounts}}{{$i}}={{$m.Type}};{{end}}", "0=volume;1=bind;")
        check("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}", "b=2,com.example.vendor=ACME,")
        check("{{range .Empty}}x{{else}}none{{end}}", "none")
        check("{{range .Mounts}}{{if eq .Type \"bind\"}}{{break}}{{end}}{{.Type}}{{end}}", "volume")
        check("{{range .Mounts}}{{if eq .Type \"volume\"}}{{continue}}{{end}}{{.Type}}{{end}}", "bind")
        check("{{if .State.Running}}up{{else}}down{{end}}", "up")
        check("{{if not .State.Running}}a{{else if .Config.Tty}}b{{else}}c{{end}}", "c")
        check("{{with .State}}{{.Status}}{{end}}|{{with .Missing}}x{{else}}none{{end}}", "running|none")
        check("{{$s := .State.Status}}{{$s}}-{{$s = \"x\"}}{{$s}}", "running-x")
        check("{{range .Mounts}}{{$.Id}}{{end}}", "abc123abc123")
        check("{{range 3}}{{.}}{{end}}", "012")
    }

    func testFunctions() {
        check("{{.Name | upper}} {{lower \"ABC\"}} {{title \"hello world\"}}", "/WEB abc Hello World")
        check(#"{{split .Name "e"}} {{join .Config.Env ","}} {{join (split "a:b" ":") "-"}}"#, "[/w b] A=1,B=2 a-b")
        check(#"[{{pad "x" 1 2}}][{{pad "" 1 2}}] {{truncate "abcdef" 3}} {{truncate "ab" 3}}"#, "[ x  ][] abc ab")
        check("{{len .Mounts}} {{len .Config.Labels}} {{len .Name}}", "2 2 4")
        check(#"{{printf "%s-%d-%5.2f|%-4s|%q|%v|%x" .Name .State.Pid 3.14159 "ab" .Name .State.Running 255}}"#,
              "/web-4242- 3.14|ab  |\"/web\"|true|ff")
        check(#"{{printf "%05d %t %%" 42 true}}"#, "00042 true %")
        check(#"{{printf "%d"}}"#, "%!d(MISSING)")
        check(#"{{print 1 2 "a" "b" 3}} {{println "x" 1}}"#, "1 2ab3 x 1\n")
        check(#"{{eq .State.Status "running"}} {{eq 1 2 1}} {{ne .Id "x"}} {{lt 1 2}} {{ge 2.5 2.0}} {{le "a" "b"}}"#,
              "true true true true true true")
        check("{{and 1 0 2}} {{or 0 \"\" \"x\"}} {{and .State.Running .Config.Tty}}", "0 x false")
        check(#"{{slice "abcdef" 1 3}} {{slice .Config.Env 1}}"#, "bc [B=2]")
    }

    func testWhitespaceTrimAndComments() {
        check("a  {{- .Id -}}  b", "aabc123b")
        check("{{/* a comment */}}x{{- /* trimmed */ -}}  y", "xy")
        check("{{ .Id }}", "abc123")
    }

    func testParseErrors() {
        XCTAssertEqual(failure("{{foo .Id}}"), "template: :1: function \"foo\" not defined")
        XCTAssertEqual(failure("{{.Id"), "template: :1: unclosed action")
        XCTAssertEqual(failure("{{if .Id}}x"), "template: :1: unexpected EOF")
        XCTAssertTrue(failure("{{end}}").hasPrefix("template: :1: unexpected"))
    }

    func testExecutionErrorsCarryPositionAndContext() {
        XCTAssertEqual(failure("{{.Missing.Deeper}}"), "no error: <no value>")
        XCTAssertEqual(failure("{{.Foo.Bar}}", missingKeyError: true),
                       "template: :1:6: executing \"\" at <.Foo.Bar>: map has no entry for key \"Foo\"")
        // A chain is reported where its first chained field starts (the docker CLI 28 prints
        // `:1:8:` for `{{.State.Health.Status}}`).
        XCTAssertEqual(failure("x\n{{.State.Health.Status}}"),
                       "template: :2:8: executing \"\" at <.State.Health.Status>: nil pointer evaluating interface {}.Status")
        XCTAssertEqual(failure("{{index .Mounts 5}}"),
                       "template: :1:2: executing \"\" at <index .Mounts 5>: error calling index: index out of range: 5")
        XCTAssertTrue(failure("{{eq .State.Pid \"x\"}}").contains("incompatible types for comparison"))
    }

    func testContextObjectsAndHeaders() throws {
        let c = (try? JSON.parse(Array(#"{"Id":"0123456789abcdef","Names":["/web"],"Labels":{"com.x":"1"},"Command":"sh -c 'sleep 1000000000'","Created":0}"#.utf8))) ?? .null
        let row = TValue.object(ContainerContext(c: c, trunc: true, now: WallTime(seconds: 90)))
        XCTAssertEqual(try Template(#"{{.ID}} {{.Names}} {{.Label "com.x"}} {{.Command}} {{.RunningFor}}"#).execute(row),
                       "0123456789ab web 1 \"sh -c 'sleep 100000…\" About a minute ago")
        XCTAssertThrowsError(try Template("{{.Foo}}").execute(row)) {
            XCTAssertEqual("\($0)", "template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.ContainerContext")
        }
        var header = try Template(#"{{.ID}}\t{{upper .Names}}\t{{.Label "com.example.my-label"}}"#.replacingAll("\\t", "\t"))
        header.headerMode = true
        XCTAssertEqual(try header.execute(.object(HeaderContext(headers: ContainerContext.headers))), "CONTAINER ID\tNAMES\tmy label")
    }

    /// The docker CLI formats Go structs: zero values for what the daemon left out, Go field
    /// names, declaration order in json, embedded structs inlined (what `docker inspect`
    /// printed for a busybox container on the same JSON).
    func testGoStructs() throws {
        let c = try JSON.parse(Array(#"{"Id":"abc","State":{"Running":true,"Pid":7,"Status":"running"},"Config":{"Image":"busybox","Cmd":["sh"],"ExposedPorts":{"80/tcp":{}}},"HostConfig":{"Memory":0,"Dns":[]},"NetworkSettings":{"Networks":{"bridge":{"IPAddress":"10.0.0.2"}}}}"#.utf8))
        func typed(_ t: String) throws -> String { try Template(t).execute(.object(GoStruct(.containerInspect, c))) }
        XCTAssertEqual(try typed("{{.ID}} {{.State}}"), "abc {running true false false false false 7 0    <nil>}")
        XCTAssertEqual(try typed("{{.Config.User}}|{{.Config.Entrypoint}}|{{.Config.ExposedPorts}}|{{.Config.Volumes}}|{{.Config.Healthcheck}}"),
                       "|[]|map[80/tcp:{}]|map[]|<nil>")
        XCTAssertEqual(try typed("{{json .State}}"),
                       #"{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":7,"ExitCode":0,"Error":"","StartedAt":"","FinishedAt":""}"#)
        XCTAssertEqual(try typed("{{.HostConfig.NanoCPUs}} {{.HostConfig.DNS}} {{.HostConfig.ConsoleSize}} {{.HostConfig.RestartPolicy}}"),
                       "0 [] [0 0] { 0}")
        XCTAssertEqual(try typed("{{.NetworkSettings.IPAddress}}|{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"), "|10.0.0.2")
        // JSON keys that are not Go names fail on the struct (inspect then tries the raw JSON).
        XCTAssertThrowsError(try typed("{{.Id}}"))
        XCTAssertThrowsError(try typed("{{.HostConfig.CpuShares}}"))
        XCTAssertEqual(GoTime(text: "2024-05-01T10:20:30.500Z").goText, "2024-05-01 10:20:30.5 +0000 UTC")
    }
}
