#!/usr/bin/env python3
"""Side-by-side benchmark of berth-supervisor + berth-shim against containerd 1.6.

Both daemons run privately (their own sockets, roots and state directories under a
temporary directory and /run), on the same busybox rootfs made by make-bundle.sh:

  - lifecycle: create+start+wait+delete of /bin/true, N times each, interleaved;
      containerd: ctr --address A run --rm --rootfs ROOTFS ID /bin/true
      berth:      berth-ctl --address A run --rm BUNDLE ID
  - one idle shim (a container running sleep): VmHWM and VmRSS of
    containerd-shim-runc-v2 and of berth-shim
  - 50 running containers (sleep): VmHWM and VmRSS of containerd and of
    berth-supervisor, and the shims' total RSS and PSS (shared binary pages split)

Prints medians, p90 and berth/containerd ratios (below 1.0: berth is faster or leaner).
containerd uses runc; berth uses berth-runtime, and with --berth-runtimes also others
(e.g. berth-runtime,runc to compare the daemons on the same runtime).

Usage: supervisor_bench.py --bin DIR [-n 30] [--containers 50] [--berth-runtimes LIST]
  DIR holds berth-supervisor, berth-shim, berth-ctl and berth-runtime (e.g. .build/release).
Needs root, containerd and ctr (Debian's containerd package) and runc.
"""
import argparse, glob, os, shutil, signal, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_BUNDLE = os.path.join(HERE, "..", "fixtures", "make-bundle.sh")


def quiet(argv, check=True, timeout=120):
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def stop_all(items, name=lambda x: x.name):
    """Stops each of `items` (daemons, systems), reporting a failure and going on with the rest."""
    for x in items:
        try:
            x.stop()
        except Exception as e:  # keep cleaning up the others
            print(f"stop {name(x)}: {e}", file=sys.stderr)


def timed(argv):
    """Seconds for argv to run to completion; fails on a non-zero exit."""
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.decode(errors='replace').strip()}")
    return t


def mem(pid):
    """(VmHWM, VmRSS) of pid in KiB."""
    hwm = rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return hwm, rss


def pss(pid):
    """Proportional set size in KiB: shared pages (a binary's text) split among their users."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def ppid(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("PPid:"):
                return int(line.split()[1])
    return 0


def wait_for_socket(path, proc, what, timeout=30):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start with status {proc.returncode}")
        if time.time() > deadline:
            raise RuntimeError(f"{what} did not create {path} within {timeout} s")
        time.sleep(0.02)


class Containerd:
    name = "containerd"

    def __init__(self, work, run_dir):
        self.dir = os.path.join(work, "containerd")
        self.state = os.path.join(run_dir, "containerd")
        os.makedirs(self.dir)
        self.address = os.path.join(self.state, "c.sock")
        self.config = os.path.join(self.dir, "config.toml")
        with open(self.config, "w") as f:
            f.write(f'''version = 2
root = "{self.dir}/root"
state = "{self.state}"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{self.address}"
[ttrpc]
  address = "{self.address}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
''')
        self.log = open(os.path.join(self.dir, "containerd.log"), "w")
        self.proc = subprocess.Popen(["containerd", "--config", self.config], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, start_new_session=True)
        wait_for_socket(self.address, self.proc, "containerd")
        # The socket appears before every plugin is loaded: wait until ctr gets an answer.
        deadline = time.time() + 30
        while quiet(self.ctr("version"), check=False).returncode != 0:
            if time.time() > deadline:
                raise RuntimeError("containerd does not answer ctr version")
            time.sleep(0.05)
        self.ids = []

    def ctr(self, *args):
        return ["ctr", "--address", self.address] + list(args)

    def lifecycle(self, bundle, cid):
        return self.ctr("run", "--rm", "--rootfs", os.path.join(bundle, "rootfs"), cid, "/bin/true")

    def start_sleeper(self, bundle, cid):
        quiet(self.ctr("run", "-d", "--rootfs", os.path.join(bundle, "rootfs"), cid, "/bin/sleep", "100000"))
        self.ids.append(cid)

    def task_pid(self, cid):
        out = quiet(self.ctr("task", "ls")).stdout.split("\n")[1:]
        for line in out:
            f = line.split()
            if f and f[0] == cid:
                return int(f[1])
        raise RuntimeError(f"ctr task ls: no task {cid}")

    def shim_pid(self, cid):
        return ppid(self.task_pid(cid))

    def daemon_pid(self):
        return self.proc.pid

    def cleanup(self):
        for cid in self.ids:
            quiet(self.ctr("task", "kill", "-s", "SIGKILL", cid), check=False)
        for cid in self.ids:
            for _ in range(100):
                if quiet(self.ctr("task", "delete", cid), check=False).returncode == 0:
                    break
                time.sleep(0.05)
            quiet(self.ctr("container", "delete", cid), check=False)
        self.ids = []

    def stop(self):
        self.cleanup()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Berth:
    def __init__(self, work, run_dir, bindir, runtime, tag):
        self.name = f"berth({os.path.basename(runtime)})"
        self.dir = os.path.join(work, "berth-" + tag)
        run = os.path.join(run_dir, "berth-" + tag)
        os.makedirs(self.dir)
        os.makedirs(run)
        self.address = os.path.join(run, "s.sock")
        self.ctl_bin = os.path.join(bindir, "berth-ctl")
        self.log = open(os.path.join(self.dir, "supervisor.log"), "w")
        self.proc = subprocess.Popen([os.path.join(bindir, "berth-supervisor"), "--address", self.address,
                                      "--root", os.path.join(self.dir, "root"), "--shim-dir", os.path.join(run, "shims"),
                                      "--shim", os.path.join(bindir, "berth-shim"), "--runtime", runtime,
                                      "--runtime-root", os.path.join(run, "runtime")],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, start_new_session=True)
        wait_for_socket(self.address, self.proc, "berth-supervisor")
        self.ids = []

    def ctl(self, *args):
        return [self.ctl_bin, "--address", self.address] + list(args)

    def lifecycle(self, bundle, cid):
        return self.ctl("run", "--rm", bundle, cid)

    def start_sleeper(self, bundle, cid):
        quiet(self.ctl("run", "-d", bundle, cid))
        self.ids.append(cid)

    def info(self, cid):
        import json
        return json.loads(quiet(self.ctl("get", cid)).stdout)

    def shim_pid(self, cid):
        return self.info(cid)["shimPid"]

    def daemon_pid(self):
        return self.proc.pid

    def cleanup(self):
        for cid in self.ids:
            quiet(self.ctl("kill", "-s", "KILL", cid), check=False)
        for cid in self.ids:
            quiet(self.ctl("wait", cid), check=False, timeout=30)
            quiet(self.ctl("delete", cid), check=False)
        self.ids = []

    def stop(self):
        self.cleanup()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def ms(v):
    return f"{v * 1000:8.1f}"


def mib(kib):
    return f"{kib / 1024:8.1f}"


def p90(xs):
    s = sorted(xs)
    return s[min(len(s) - 1, int(len(s) * 0.9))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="directory with berth-supervisor, berth-shim, berth-ctl, berth-runtime")
    ap.add_argument("-n", type=int, default=30, help="lifecycles per system (default 30)")
    ap.add_argument("--containers", type=int, default=50, help="running containers for the daemon RSS (default 50)")
    ap.add_argument("--berth-runtimes", default="berth-runtime",
                    help="comma-separated runtimes for berth: berth-runtime (from --bin), runc, crun or paths")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("supervisor_bench: needs root")
    for tool in ("containerd", "ctr", "containerd-shim-runc-v2", "runc"):
        if not shutil.which(tool):
            sys.exit(f"supervisor_bench: {tool} not found (apt-get install containerd runc)")
    bindir = os.path.abspath(args.bin)
    runtimes = []
    for r in args.berth_runtimes.split(","):
        path = os.path.join(bindir, "berth-runtime") if r == "berth-runtime" else shutil.which(r) or r
        if not os.access(path, os.X_OK):
            sys.exit(f"supervisor_bench: runtime {r} not found")
        runtimes.append(path)

    work = tempfile.mkdtemp(prefix="berth-sbench.")
    run_dir = tempfile.mkdtemp(prefix="berth-sbench.", dir="/run")
    os.chmod(work, 0o755)
    bundle = os.path.join(work, "bundle")
    subprocess.run([MAKE_BUNDLE, bundle, "/bin/true"], check=True, stdout=subprocess.DEVNULL)
    # ctr puts containers under the namespace's cgroup, /default: remove it after us if it is new.
    cgroups_before = set(glob.glob("/sys/fs/cgroup/*/default") + glob.glob("/sys/fs/cgroup/default"))
    systems = []
    try:
        systems.append(Containerd(work, run_dir))
        for i, r in enumerate(runtimes):
            systems.append(Berth(work, run_dir, bindir, r, str(i)))
        times = {s.name: [] for s in systems}

        # Warm caches (binaries, the rootfs, cgroup hierarchies) before measuring.
        for s in systems:
            for k in range(2):
                timed(s.lifecycle(bundle, f"w{k}-{systems.index(s)}"))
        for i in range(args.n):
            order = systems[i % len(systems):] + systems[:i % len(systems)]
            for s in order:
                times[s.name].append(timed(s.lifecycle(bundle, f"l{i}-{systems.index(s)}")))

        idle = {}
        for s in systems:
            cid = f"idle-{systems.index(s)}"
            s.start_sleeper(bundle, cid)
            time.sleep(0.5)
            idle[s.name] = mem(s.shim_pid(cid))
            s.cleanup()

        loaded = {}
        for s in systems:
            t0 = time.perf_counter()
            for k in range(args.containers):
                s.start_sleeper(bundle, f"m{k}-{systems.index(s)}")
            took = time.perf_counter() - t0
            time.sleep(0.5)
            shim_pids = [s.shim_pid(cid) for cid in s.ids]
            loaded[s.name] = (mem(s.daemon_pid()), sum(mem(p)[1] for p in shim_pids), took,
                              sum(pss(p) for p in shim_pids))
            s.cleanup()
    finally:
        stop_all(systems)
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        for d in set(glob.glob("/sys/fs/cgroup/*/default") + glob.glob("/sys/fs/cgroup/default")) - cgroups_before:
            try:
                os.rmdir(d)
            except OSError:
                pass

    base = systems[0].name
    print(f"\nSupervisor benchmark: busybox rootfs, {args.n} lifecycles of /bin/true per system, "
          f"{args.containers} running containers")
    print(f"\n{'system':22} {'lifecycle med':>13} {'p90':>8}   (ms; create+start+wait+delete through the CLI)")
    for s in systems:
        t = times[s.name]
        print(f"{s.name:22} {ms(statistics.median(t)):>13} {ms(p90(t))}")
    print(f"\n{'system':22} {'idle shim HWM':>13} {'RSS':>8}   (MiB)")
    for s in systems:
        hwm, rss = idle[s.name]
        print(f"{s.name:22} {mib(hwm):>13} {mib(rss)}")
    print(f"\n{'system':22} {'daemon HWM':>13} {'RSS':>8} {'shims RSS':>10} {'shims PSS':>10} {'start all':>10}   "
          f"(MiB; s, {args.containers} containers running)")
    for s in systems:
        (hwm, rss), shims, took, shims_pss = loaded[s.name]
        print(f"{s.name:22} {mib(hwm):>13} {mib(rss)} {mib(shims):>10} {mib(shims_pss):>10} {took:10.2f}")
    print(f"\nratios against {base} (below 1.0: faster / leaner):")
    for s in systems[1:]:
        lc = statistics.median(times[s.name]) / statistics.median(times[base])
        shim = idle[s.name][0] / idle[base][0]
        dh = loaded[s.name][0][0] / loaded[base][0][0]
        dr = loaded[s.name][0][1] / loaded[base][0][1]
        print(f"  {s.name}: lifecycle {lc:.2f} (goal < 0.5)   idle shim HWM {shim:.2f} (goal < 0.33)   "
              f"daemon with {args.containers}: HWM {dh:.2f}, RSS {dr:.2f}   "
              f"all shims RSS {loaded[s.name][1] / loaded[base][1]:.2f}, PSS {loaded[s.name][3] / loaded[base][3]:.2f}")


if __name__ == "__main__":
    main()
