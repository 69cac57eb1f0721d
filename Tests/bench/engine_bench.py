#!/usr/bin/env python3
"""Side-by-side benchmark of berthd against dockerd (Debian's docker.io), through the docker CLI.

Both daemons run privately (own data root, exec root, socket and pidfile under one temporary
directory; dockerd with --bridge=none --iptables=false, its own managed containerd), both with
the same busybox image (Tests/fixtures/make-busybox-image.sh, `docker load`). The client for
both is the same docker CLI (/usr/local/bin/docker, -H unix://SOCKET):

  - run:  `docker run --rm busybox true`, end to end, N times each, interleaved
  - ps:   `docker ps -a` with 500 containers (created through the API), CLI and raw API time
  - logs: `docker logs` of a container that wrote 100 MiB of 100-byte lines to stdout
          (and the time that container took to write them, run -d to exit)
  - memory: VmRSS of the daemon processes (berthd + berth-supervisor + berth-shims;
          dockerd + containerd + containerd-shim-runc-v2s), sampled every 0.1 s:
          idle (busybox loaded, no containers), with 50 running `sleep` containers
          (peak while they start and steady with all 50), and the peak during `logs`

Prints medians, p90 and berth/dockerd ratios (below 1.0: berth is faster / leaner) with the
issue's goals: run at most 0.5x dockerd's median, memory at most half of dockerd's.
Without dockerd installed, berthd alone is measured ("dockerd not installed: no ratios").

Usage: engine_bench.py --bin DIR [-n 20] [--ps-containers 500] [--log-mib 100] [--running 50]
  DIR holds berthd, berth-supervisor, berth-shim and berth-runtime (e.g. .build/release).
Needs root, the docker CLI, and for the comparison dockerd (apt-get install docker.io).
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from supervisor_bench import p90, quiet, stop_all, timed  # noqa: E402
from engine_daemons import DOCKER_CLI, Berthd, Dockerd, HostState, Sampler, parallel  # noqa: E402

MAKE_IMAGE = os.path.join(HERE, "..", "fixtures", "make-busybox-image.sh")


def cli_bytes(argv):
    """(seconds, bytes on stdout) of argv run to completion; fails on a non-zero exit."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    n = 0
    fd = p.stdout.fileno()
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        n += len(b)
    err = p.stderr.read()
    p.wait()
    t = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {p.returncode}: {err.decode(errors='replace').strip()}")
    return t, n


def rotations(daemons, i):
    return daemons[i % len(daemons):] + daemons[:i % len(daemons)]


def bench_run(daemons, n, res):
    for d in daemons:
        for _ in range(2):
            timed(d.docker("run", "--rm", "busybox", "true"))
    for i in range(n):
        for d in rotations(daemons, i):
            res[d.name]["run"].append(timed(d.docker("run", "--rm", "busybox", "true")))


def bench_running(daemons, count, res):
    for d in daemons:
        with Sampler(d) as s:
            t0 = time.perf_counter()
            for k in range(count):
                quiet(d.docker("run", "-d", "--name", f"sleep{k}", "busybox", "sleep", "100000"))
            res[d.name]["start_all"] = time.perf_counter() - t0
            time.sleep(1)
            steady = s.sample()
        res[d.name]["running_peak"] = s.peak
        res[d.name]["running"] = steady
        t0 = time.perf_counter()
        quiet(d.docker("rm", "-f") + [f"sleep{k}" for k in range(count)], timeout=300)
        res[d.name]["rm_all"] = time.perf_counter() - t0


def bench_ps(daemons, count, n, res):
    for d in daemons:
        def create(k):
            st, body = d.api("POST", f"/containers/create?name=ps{k}", {"Image": "busybox", "Cmd": ["true"]})
            if st != 201:
                raise RuntimeError(f"{d.name}: create ps{k}: {st} {body[:200]!r}")
        t0 = time.perf_counter()
        parallel(create, range(count))
        res[d.name]["create_all"] = time.perf_counter() - t0
        t, size = cli_bytes(d.docker("ps", "-a", "-q"))
        if size != count * 13:
            raise RuntimeError(f"{d.name}: docker ps -a -q gave {size} bytes, expected {count * 13}")
    for i in range(n):
        for d in rotations(daemons, i):
            res[d.name]["ps"].append(cli_bytes(d.docker("ps", "-a"))[0])
            t0 = time.perf_counter()
            st, body = d.api("GET", "/containers/json?all=1")
            res[d.name]["ps_api"].append(time.perf_counter() - t0)
            if st != 200 or len(json.loads(body)) != count:
                raise RuntimeError(f"{d.name}: GET /containers/json?all=1: {st}, {len(body)} bytes")
    for d in daemons:
        t0 = time.perf_counter()
        st, body = d.api("POST", "/containers/prune")
        res[d.name]["prune"] = time.perf_counter() - t0
        if st != 200:
            raise RuntimeError(f"{d.name}: prune: {st} {body[:200]!r}")


def bench_logs(daemons, mib, n, res):
    size = mib << 20
    # 100-byte lines (99 characters and a newline): exactly `mib` MiB of whole lines.
    line = "0123456789" * 9 + "abcdefghi"
    for d in daemons:
        t0 = time.perf_counter()
        quiet(d.docker("run", "-d", "--name", "logs", "busybox", "sh", "-c", f"yes {line} | head -c {size}"))
        code = quiet(d.docker("wait", "logs"), timeout=600).stdout.strip()
        res[d.name]["log_write"] = time.perf_counter() - t0
        if code != "0":
            raise RuntimeError(f"{d.name}: the log writer exited with {code}")
    for d in daemons:
        res[d.name]["logs_before"] = total(d.footprint())
    for i in range(n):
        for d in rotations(daemons, i):
            with Sampler(d) as s:
                t, got = cli_bytes(d.docker("logs", "logs"))
            if got != size:
                raise RuntimeError(f"{d.name}: docker logs gave {got} bytes, expected {size}")
            res[d.name]["logs"].append(t)
            if s.peak > res[d.name].get("logs_peak", 0):
                res[d.name]["logs_peak"], res[d.name]["logs_peak_at"] = s.peak, s.peak_at
    for d in daemons:
        quiet(d.docker("rm", "-f", "logs"))


def kib(v):
    return f"{v / 1024:.1f} MiB"


def msec(v):
    return f"{v * 1000:.1f} ms"


def report(daemons, res, args):
    print(f"\nEngine benchmark: busybox image, docker CLI {quiet([DOCKER_CLI, '--version']).stdout.strip()}")
    for d in daemons:
        print(f"  {d.name}: {d.version}")

    rows = [("docker run --rm busybox true (med)", lambda r: msec(statistics.median(r["run"]))),
            ("  p90", lambda r: msec(p90(r["run"]))),
            (f"docker ps -a, {args.ps_containers} containers (med)", lambda r: msec(statistics.median(r["ps"]))),
            ("  GET /containers/json?all=1 (med)", lambda r: msec(statistics.median(r["ps_api"]))),
            (f"  create {args.ps_containers} (API, 4 threads)", lambda r: f"{r['create_all']:.2f} s"),
            (f"docker logs, {args.log_mib} MiB (med)", lambda r: msec(statistics.median(r["logs"]))),
            (f"  write {args.log_mib} MiB (run -d .. wait)", lambda r: f"{r['log_write']:.2f} s"),
            ("memory idle (RSS, all processes)", lambda r: kib(total(r["idle"]))),
            (f"memory with {args.running} running, steady", lambda r: kib(total(r["running"]))),
            (f"  peak while starting {args.running}", lambda r: kib(r["running_peak"])),
            (f"  of which shims ({args.running})", lambda r: kib(shims(r["running"]))),
            ("  PSS (shared pages split)", lambda r: kib(sum(v[3] for v in r["running"].values()))),
            (f"  start {args.running} (docker run -d, serial)", lambda r: f"{r['start_all']:.2f} s"),
            ("peak RSS during docker logs", lambda r: kib(r["logs_peak"])),
            ("  RSS before them (after the ps part)", lambda r: kib(r["logs_before"]))]
    w = max(len(r[0]) for r in rows) + 2
    print("\n" + "".ljust(w) + "".join(d.name.rjust(14) for d in daemons))
    for label, f in rows:
        print(label.ljust(w) + "".join(f(res[d.name]).rjust(14) for d in daemons))
    print("\nper process (RSS MiB; count):")
    for d in daemons:
        for phase in ("idle", "running", "logs_peak_at"):
            parts = ", ".join(f"{e} {v[1] / 1024:.1f}" + (f" ({v[0]})" if v[0] != 1 else "")
                              for e, v in res[d.name][phase].items())
            print(f"  {d.name} {phase.replace('_peak_at', ' (peak)')}: {parts}")

    if len(daemons) < 2:
        print("\n" + ("dockerd skipped (--no-dockerd)" if args.no_dockerd else "dockerd not installed") + ": no ratios")
        return
    b, k = res["berthd"], res["dockerd"]

    def ratio(x, y):
        return x / y if y else float("inf")

    run_r = ratio(statistics.median(b["run"]), statistics.median(k["run"]))
    idle_r = ratio(total(b["idle"]), total(k["idle"]))
    run50_r = ratio(total(b["running"]), total(k["running"]))
    peak_r = ratio(b["running_peak"], k["running_peak"])
    print("\nratios berthd / dockerd (below 1.0: faster / leaner):")
    print(f"  run --rm        {run_r:.2f}   goal <= 0.5: {'met' if run_r <= 0.5 else 'NOT met'}")
    print(f"  ps -a           {ratio(statistics.median(b['ps']), statistics.median(k['ps'])):.2f}"
          f"   (API alone {ratio(statistics.median(b['ps_api']), statistics.median(k['ps_api'])):.2f})")
    print(f"  logs            {ratio(statistics.median(b['logs']), statistics.median(k['logs'])):.2f}"
          f"   (writing them {ratio(b['log_write'], k['log_write']):.2f})")
    print(f"  memory idle     {idle_r:.2f}   goal <= 0.5: {'met' if idle_r <= 0.5 else 'NOT met'}")
    print(f"  memory with {args.running} {run50_r:.2f} (peak {peak_r:.2f}, PSS "
          f"{ratio(sum(v[3] for v in b['running'].values()), sum(v[3] for v in k['running'].values())):.2f})"
          f"   goal <= 0.5: {'met' if max(run50_r, peak_r) <= 0.5 else 'NOT met'}")
    print(f"  logs peak RSS   {ratio(b['logs_peak'], k['logs_peak']):.2f}")


def total(f):
    return sum(v[1] for v in f.values())


def shims(f):
    return sum(v[1] for e, v in f.items() if "shim" in e)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="directory with berthd, berth-supervisor, berth-shim, berth-runtime")
    ap.add_argument("-n", type=int, default=20, help="docker run --rm per daemon (default 20)")
    ap.add_argument("--ps-containers", type=int, default=500)
    ap.add_argument("--ps-runs", type=int, default=10)
    ap.add_argument("--log-mib", type=int, default=100)
    ap.add_argument("--log-runs", type=int, default=5)
    ap.add_argument("--running", type=int, default=50)
    ap.add_argument("--no-dockerd", action="store_true", help="measure berthd alone")
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("engine_bench: needs root")
    if not DOCKER_CLI:
        sys.exit("engine_bench: the docker CLI is not installed")
    bindir = os.path.abspath(args.bin)
    if not os.access(os.path.join(bindir, "berthd"), os.X_OK):
        sys.exit(f"engine_bench: no berthd in {bindir}")
    with_dockerd = not args.no_dockerd and shutil.which("dockerd") is not None

    # Short: berthd's shim sockets are EXEC_ROOT/shims/<64-hex id>.sock, within 107 bytes.
    work = tempfile.mkdtemp(prefix="beb.", dir="/tmp")
    os.chmod(work, 0o755)
    host = HostState()
    daemons = []
    res = {}
    try:
        images = os.path.join(work, "images")
        subprocess.run([MAKE_IMAGE, images, "latest"], check=True, stdout=subprocess.DEVNULL)
        archive = os.path.join(images, "busybox-docker-archive.tar")
        daemons.append(Berthd(os.path.join(work, "b"), bindir))
        if with_dockerd:
            daemons.append(Dockerd(os.path.join(work, "d")))
        for d in daemons:
            res[d.name] = {"run": [], "ps": [], "ps_api": [], "logs": []}
            quiet(d.docker("load", "-i", archive))
            d.version = quiet(d.docker("version", "--format", "{{.Server.Version}}")).stdout.strip()
        time.sleep(2)
        for d in daemons:
            with Sampler(d) as s:
                time.sleep(1)
            res[d.name]["idle"] = s.peak_at

        bench_run(daemons, args.n, res)
        bench_running(daemons, args.running, res)
        bench_ps(daemons, args.ps_containers, args.ps_runs, res)
        bench_logs(daemons, args.log_mib, args.log_runs, res)
    finally:
        stop_all(daemons)
        shutil.rmtree(work, ignore_errors=True)
        host.restore()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    report(daemons, res, args)


if __name__ == "__main__":
    main()
