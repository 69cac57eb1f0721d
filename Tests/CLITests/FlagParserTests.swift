import XCTest
@testable import CLICore

/// pflag's parsing as the docker CLI configures it.
final class FlagParserTests: XCTestCase {
    private let runFlags = ContainerFlags.shared + ContainerFlags.runOnly

    private func parse(_ args: [String], _ flags: [Flag]? = nil, interspersed: Bool = false) throws -> (ParsedFlags, [String]) {
        try FlagParser(flags: flags ?? runFlags, interspersed: interspersed).parse(args)
    }

    private func error(_ args: [String], _ flags: [Flag]? = nil) -> String {
        do {
            _ = try parse(args, flags)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testCombinedShortsAndAttachedValues() throws {
        let (f, rest) = try parse(["-it", "-p8080:80", "-e", "A=1", "-eB=2", "busybox", "sh"])
        XCTAssertTrue(f.bool("interactive"))
        XCTAssertTrue(f.bool("tty"))
        XCTAssertEqual(f.list("publish"), ["8080:80"])
        // `-eB=2`: the value is everything after the letter, `=` included in it.
        XCTAssertEqual(f.list("env"), ["A=1", "B=2"])
        XCTAssertEqual(rest, ["busybox", "sh"])
    }

    func testShortBoolClusterEndingInValueFlag() throws {
        let (f, rest) = try parse(["-itu", "1000", "img"])
        XCTAssertTrue(f.bool("interactive") && f.bool("tty"))
        XCTAssertEqual(f.string("user"), "1000")
        XCTAssertEqual(rest, ["img"])
    }

    func testLongFormsAndRepeats() throws {
        let (f, _) = try parse(["--name=web", "--name", "web2", "-l", "a=1", "--label=b=2", "--rm", "--init=false", "x"])
        XCTAssertEqual(f.string("name"), "web2", "the last value of a plain flag wins")
        XCTAssertEqual(f.list("label"), ["a=1", "b=2"])
        XCTAssertTrue(f.bool("rm"))
        XCTAssertTrue(f.changed("init"))
        XCTAssertFalse(f.bool("init"))
        XCTAssertFalse(f.changed("tty"))
    }

    func testShortWithEquals() throws {
        let (f, _) = try parse(["-d=false", "-t=true", "x"])
        XCTAssertFalse(f.bool("detach"))
        XCTAssertTrue(f.changed("detach"))
        XCTAssertTrue(f.bool("tty"))
    }

    func testFlagsStopAtTheImageForRun() throws {
        let (f, rest) = try parse(["-d", "busybox", "ls", "-la", "--rm"])
        XCTAssertTrue(f.bool("detach"))
        XCTAssertFalse(f.bool("rm"), "--rm after the image belongs to the container's command")
        XCTAssertEqual(rest, ["busybox", "ls", "-la", "--rm"])
    }

    func testInterspersedFlagsForOtherVerbs() throws {
        let flags = [Flag("force", "f", .bool, ""), Flag("volumes", "v", .bool, "")]
        let (f, rest) = try parse(["a", "-f", "b", "--", "-v"], flags, interspersed: true)
        XCTAssertTrue(f.bool("force"))
        XCTAssertFalse(f.bool("volumes"), "after -- everything is an argument")
        XCTAssertEqual(rest, ["a", "b", "-v"])
    }

    func testValueMayLookLikeAFlag() throws {
        let (f, rest) = try parse(["--entrypoint", "-x", "-w", "--rm", "img"])
        XCTAssertEqual(f.string("entrypoint"), "-x")
        XCTAssertEqual(f.string("workdir"), "--rm")
        XCTAssertEqual(rest, ["img"])
    }

    func testTypedValues() throws {
        let (f, _) = try parse(["-m", "512m", "--memory-swap=-1", "--cpus", "1.5", "--health-interval", "1m30s",
                                "--shm-size", "1g", "--pids-limit", "-1", "x"])
        XCTAssertEqual(f.bytes("memory"), 512 * 1024 * 1024)
        XCTAssertEqual(f.memSwap("memory-swap"), -1)
        XCTAssertEqual(f.nanoCPUs("cpus"), 1_500_000_000)
        XCTAssertEqual(f.duration("health-interval"), 90_000_000_000)
        XCTAssertEqual(f.bytes("shm-size"), 1 << 30)
        XCTAssertEqual(f.int64("pids-limit"), -1)
    }

    func testErrorsWordedAsPflag() {
        XCTAssertEqual(error(["--bogus", "x"]), "unknown flag: --bogus")
        XCTAssertEqual(error(["-x", "img"]), "unknown shorthand flag: 'x' in -x")
        XCTAssertEqual(error(["-iX"]), "unknown shorthand flag: 'X' in -iX")
        XCTAssertEqual(error(["--name"]), "flag needs an argument: --name")
        XCTAssertEqual(error(["-e"]), "flag needs an argument: 'e' in -e")
        XCTAssertEqual(error(["-m", "10q", "x"]), "invalid argument \"10q\" for \"-m, --memory\" flag: invalid suffix: 'q'")
        XCTAssertEqual(error(["--stop-timeout", "x", "y"]),
                       "invalid argument \"x\" for \"--stop-timeout\" flag: strconv.ParseInt: parsing \"x\": invalid syntax")
        XCTAssertEqual(error(["--rm=maybe", "x"]),
                       "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax")
        XCTAssertEqual(error(["--health-interval", "5", "x"]),
                       "invalid argument \"5\" for \"--health-interval\" flag: time: missing unit in duration \"5\"")
        XCTAssertEqual(error(["--cpus", "1.0000000001", "x"]), "invalid argument \"1.0000000001\" for \"--cpus\" flag: value is too precise")
        XCTAssertEqual(error(["---x"]), "bad flag syntax: ---x")
        XCTAssertEqual(error(["--blkio-weight", "70000", "x"]),
                       "invalid argument \"70000\" for \"--blkio-weight\" flag: strconv.ParseUint: parsing \"70000\": value out of range")
    }

    func testFilterFlagNeedsNameValue() {
        let flags = [Flag("filter", "f", .filter, "")]
        XCTAssertEqual(error(["-f", "status"], flags),
                       "invalid argument \"status\" for \"-f, --filter\" flag: bad format of filter (expected name=value)")
    }
}
