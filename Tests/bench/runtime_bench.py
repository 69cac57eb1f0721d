#!/usr/bin/env python3
"""Side-by-side benchmark of OCI runtimes on the same busybox bundle.

For each runtime (berth-runtime, crun, runc) on the same machine in one run:
  - `run` of /bin/true, N containers (default 100), interleaved across runtimes in a shuffled
    order, plus the two modes that median falls between: `run` after 30 ms of quiet (cold: the
    first cgroup migration waits for an RCU grace period) and right after its own run (warm)
  - create, start and delete timed separately
  - peak RSS of the runtime process itself (ru_maxrss from wait4)
Prints medians, p90 and ratios against crun. Run it under
Tests/fixtures/cgroup-v1-only.sh: crun refuses this machine's hybrid layout.
"""
import argparse, ctypes, glob, os, random, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_BUNDLE = os.path.join(HERE, "..", "fixtures", "make-bundle.sh")

def timed(argv, cwd=None):
    """Runs argv, returns (seconds, exit status, peak RSS in KiB of that process)."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
    ]) if cwd is None else None
    _, status, ru = os.wait4(pid, 0)
    return time.perf_counter() - t0, os.waitstatus_to_exitcode(status), ru.ru_maxrss

def build_maxrss(work):
    exe = os.path.join(work, "maxrss")
    subprocess.run(["cc", "-O2", "-static", "-o", exe, os.path.join(HERE, "maxrss.c")], check=True)
    return exe

def peak_rss(maxrss, argv):
    """Peak RSS in KiB of one runtime invocation, measured by a tiny static parent."""
    out = subprocess.run([maxrss] + argv, capture_output=True, text=True, check=True).stdout.split()
    if out[0] != "0":
        sys.exit(f"{argv} failed with status {out[0]}")
    return int(out[1])

def reap_all():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", required=True)
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--runtimes", default="berth,crun,runc")
    args = ap.parse_args()

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphaned container inits come to us

    paths = {"berth": args.berth, "crun": shutil.which("crun"), "runc": shutil.which("runc")}
    names = [r for r in args.runtimes.split(",") if paths.get(r)]
    work = tempfile.mkdtemp(prefix="berth-bench.")
    # State on tmpfs for every runtime, as in production (/run): no disk in the measurement.
    states = tempfile.mkdtemp(prefix="berth-bench.", dir="/run")
    bundle = os.path.join(work, "bundle")
    subprocess.run([MAKE_BUNDLE, bundle, "/bin/true"], check=True, stdout=subprocess.DEVNULL)
    maxrss = build_maxrss(work)
    res = {r: {"run": [], "cold": [], "warm": [], "create": [], "start": [], "delete": [], "rss": []} for r in names}
    rng = random.Random(5736)
    try:
        for i in range(args.n):
            # A runtime's first cgroup write may pay an RCU grace period (~8 ms here),
            # depending on how long ago the previous runtime wrote one, and runc's slow
            # steps after its write make the next runtime pay it more often. A rotation of
            # three puts one runtime after runc in two iterations of three, so the order is
            # shuffled instead (fixed seed): every runtime follows every other equally often.
            order = names[:]
            rng.shuffle(order)
            for r in order:
                root = os.path.join(states, "state-" + r)
                base = [paths[r], "--root", root]
                cid = f"b{r}{i}"
                t, code, rss = timed(base + ["run", "--bundle", bundle, cid])
                if code != 0:
                    sys.exit(f"{r} run failed with status {code}")
                res[r]["run"].append(t)
                # The two modes the interleaved median falls between, each on its own: after
                # 30 ms of quiet (the grace period is paid) and straight after our own run.
                time.sleep(0.03)
                for mode in ("cold", "warm"):
                    t, code, _ = timed(base + ["run", "--bundle", bundle, f"{mode[0]}{r}{i}"])
                    if code != 0:
                        sys.exit(f"{r} run failed with status {code}")
                    res[r][mode].append(t)
                cid = f"c{r}{i}"
                t, code, rss = timed(base + ["create", "--bundle", bundle, cid])
                if code != 0:
                    sys.exit(f"{r} create failed with status {code}")
                res[r]["create"].append(t)
                t, code, rss = timed(base + ["start", cid])
                res[r]["start"].append(t)
                # Reap the init (it was reparented to us) so delete sees it stopped.
                deadline = time.time() + 5
                while time.time() < deadline:
                    st = subprocess.run(base + ["state", cid], capture_output=True, text=True).stdout
                    if '"stopped"' in st:
                        break
                    reap_all(); time.sleep(0.001)
                t, code, rss = timed(base + ["delete", cid])
                res[r]["delete"].append(t)
                reap_all()
                if i % 10 == 0:
                    res[r]["rss"].append(peak_rss(maxrss, base + ["run", "--bundle", bundle, f"r{r}{i}"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        # The bundle has no cgroupsPath: berth-runtime used /berth/<id>; its parent stays behind.
        for d in glob.glob("/sys/fs/cgroup/*/berth") + glob.glob("/sys/fs/cgroup/unified/berth"):
            try:
                os.rmdir(d)
            except OSError:
                pass
        shutil.rmtree(states, ignore_errors=True)

    def ms(v): return f"{v * 1000:7.2f}"
    print(f"\nOCI runtime benchmark: {args.n} containers per runtime, busybox bundle, /bin/true")
    print(f"{'runtime':8} {'run med':>8} {'run p90':>8} {'cold':>8} {'warm':>8} {'create':>8} {'start':>8} {'delete':>8} {'peak RSS':>10}")
    for r in names:
        d = res[r]
        p90 = sorted(d["run"])[int(len(d["run"]) * 0.9) - 1]
        print(f"{r:8} {ms(statistics.median(d['run']))} {ms(p90)} {ms(statistics.median(d['cold']))} {ms(statistics.median(d['warm']))} "
              f"{ms(statistics.median(d['create']))} {ms(statistics.median(d['start']))} {ms(statistics.median(d['delete']))} "
              f"{max(d['rss']) / 1024:8.1f}MB")
    print("(run: interleaved with the other runtimes; cold: after 30 ms of quiet; warm: right after its own run)")
    if "crun" in res and "berth" in res:
        b, c = res["berth"], res["crun"]
        print("\nberth / crun ratios (below 1.0 is faster/leaner):")
        for k in ("run", "cold", "warm", "create", "start", "delete"):
            print(f"  {k:7} {statistics.median(b[k]) / statistics.median(c[k]):.2f}")
        print(f"  peak RSS {max(b['rss']) / max(c['rss']):.2f}")
    if "runc" in res and "berth" in res:
        print(f"berth / runc run ratio: {statistics.median(res['berth']['run']) / statistics.median(res['runc']['run']):.2f}")

if __name__ == "__main__":
    main()
