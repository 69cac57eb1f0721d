"""The two daemons engine_bench.py compares, run privately, and what it needs around them:
an HTTP client over a unix socket, their processes' memory, a sampler of its peak, and the
host state a private dockerd may touch (put back afterwards)."""
import glob, http.client, json, os, shutil, signal, socket, subprocess, sys, threading, time

from supervisor_bench import mem, pss, quiet

DOCKER_CLI = "/usr/local/bin/docker" if os.access("/usr/local/bin/docker", os.X_OK) else shutil.which("docker")
CGROUP_GLOBS = ("/sys/fs/cgroup/*/docker", "/sys/fs/cgroup/docker")


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout=300):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def proc_field(pid, name):
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read()
    except OSError:
        return b""


class Daemon:
    """What both daemons share: the CLI, the API, their processes, teardown of leftovers."""
    exes = ()

    def __init__(self, root):
        self.root = root
        os.makedirs(root)
        self.sock = os.path.join(root, "d.sock")
        self.host = "unix://" + self.sock
        self.cli_config = os.path.join(root, "docker-config")
        self.proc = None
        self.log = open(os.path.join(root, "daemon.log"), "w")

    def docker(self, *args):
        return [DOCKER_CLI, "--config", self.cli_config, "-H", self.host] + list(args)

    def api(self, method, path, body=None, timeout=300):
        c = UnixHTTP(self.sock, timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            c.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start with status {self.proc.returncode}; log in {self.log.name}")
            try:
                if self.api("GET", "/_ping", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"{self.name} does not answer /_ping within {timeout} s")
            time.sleep(0.05)

    def pids(self):
        """The daemon's own processes: its binaries whose command line names our root."""
        out = []
        key = self.root.encode()
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                exe = os.path.basename(os.readlink(f"/proc/{d}/exe"))
            except OSError:
                continue
            if exe in self.exes and (int(d) == self.proc.pid or key in proc_field(d, "cmdline")):
                out.append(int(d))
        return out

    def footprint(self):
        """{exe: [count, RSS, HWM, PSS]} in KiB over the daemon's processes right now."""
        f = {e: [0, 0, 0, 0] for e in self.exes}
        for pid in self.pids():
            try:
                exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
                hwm, rss = mem(pid)
            except OSError:
                continue
            v = f[exe]
            v[0] += 1; v[1] += rss; v[2] += hwm; v[3] += pss(pid)
        return f

    def remove_all(self):
        st, body = self.api("GET", "/containers/json?all=1")
        ids = [c["Id"] for c in json.loads(body)] if st == 200 else []
        parallel(lambda i: self.api("DELETE", f"/containers/{i}?force=1"), ids)

    def stop(self):
        try:
            self.remove_all()
        except Exception as e:
            print(f"{self.name}: removing containers: {e}", file=sys.stderr)
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Whatever still runs from our root (supervisor, shims, containerd), then its mounts.
        key = self.root.encode()
        left = [int(d) for d in os.listdir("/proc") if d.isdigit() and key in proc_field(d, "cmdline")]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in left:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.time() + 5
            while time.time() < deadline and any(os.path.exists(f"/proc/{p}") for p in left):
                time.sleep(0.05)
        with open("/proc/self/mountinfo") as f:
            mounts = [line.split()[4] for line in f]
        for m in sorted((m for m in mounts if m.startswith(self.root + "/")), reverse=True):
            subprocess.run(["umount", "-l", m], stderr=subprocess.DEVNULL)
        self.log.close()


class Berthd(Daemon):
    name = "berthd"
    exes = ("berthd", "berth-supervisor", "berth-shim")

    def __init__(self, root, bindir, config=None):
        super().__init__(root)
        with open(os.path.join(root, "daemon.json"), "w") as f:
            json.dump(config or {}, f)
        self.proc = subprocess.Popen(
            [os.path.join(bindir, "berthd"), "--data-root", os.path.join(root, "data"),
             "--exec-root", os.path.join(root, "exec"), "-H", self.host, "--pidfile", os.path.join(root, "d.pid"),
             "--dns", "127.0.0.1", "--config-file", os.path.join(root, "daemon.json")],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, start_new_session=True)
        self.wait_ready()

    def stop(self):
        ids = os.listdir(os.path.join(self.root, "data", "containers")) if os.path.isdir(
            os.path.join(self.root, "data", "containers")) else []
        super().stop()   # berthd leaves its supervisor running: Daemon.stop ends it by its root
        for cid in ids:
            for d in glob.glob(f"/sys/fs/cgroup/*/berth/{cid}") + glob.glob(f"/sys/fs/cgroup/berth/{cid}"):
                try:
                    os.rmdir(d)
                except OSError:
                    pass


class Dockerd(Daemon):
    name = "dockerd"
    exes = ("dockerd", "containerd", "containerd-shim-runc-v2")

    def __init__(self, root, insecure_registries=(), extra=None):
        super().__init__(root)
        config = os.path.join(root, "daemon.json")
        with open(config, "w") as f:
            # dockerd 20.10 writes its trust key to /etc/docker/key.json unless told otherwise.
            json.dump({"deprecated-key-path": os.path.join(root, "key.json"),
                       "insecure-registries": list(insecure_registries), **(extra or {})}, f)
        # No --containerd: with no /run/containerd/containerd.sock dockerd starts its own
        # containerd with state under the exec root and data under the data root.
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", os.path.join(root, "data"), "--exec-root", os.path.join(root, "exec"),
             "-H", self.host, "--pidfile", os.path.join(root, "d.pid"), "--config-file", config,
             "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
             "--dns", "127.0.0.1"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, start_new_session=True)
        self.wait_ready()
        if not any(p != self.proc.pid for p in self.pids()):
            raise RuntimeError("dockerd did not start a private containerd (is a system containerd at "
                               "/run/containerd/containerd.sock?)")


class HostState:
    """What a private dockerd may leave on the host, to put back afterwards."""

    def __init__(self):
        self.cgroups = self.docker_cgroups()
        self.paths = {p: os.path.exists(p) for p in ("/run/docker", "/etc/docker/key.json", "/var/lib/docker")}
        self.dockerd = self.dockerd_pids()
        self.ip_forward = open("/proc/sys/net/ipv4/ip_forward").read().strip()

    @staticmethod
    def docker_cgroups():
        return {d for g in CGROUP_GLOBS for d in glob.glob(g)}

    @staticmethod
    def dockerd_pids():
        return set(quiet(["pgrep", "-x", "dockerd"], check=False).stdout.split())

    def restore(self):
        others = self.dockerd_pids()
        # Another dockerd (someone else's, started during our run) shares /run/docker, the
        # docker cgroups and the key: leave those to it.
        if not others:
            for top in self.docker_cgroups() - self.cgroups:
                for d, _, _ in sorted(os.walk(top), key=lambda w: -len(w[0])):
                    try:
                        os.rmdir(d)
                    except OSError:
                        pass
            for p, existed in self.paths.items():
                if not existed and os.path.lexists(p):
                    shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)
        problems = []
        if others - self.dockerd:
            problems.append(f"dockerd running that was not before the run (another user's?): {sorted(others - self.dockerd)}")
        if open("/proc/sys/net/ipv4/ip_forward").read().strip() != self.ip_forward:
            problems.append("net.ipv4.ip_forward changed")
        if os.path.exists("/sys/class/net/docker0"):
            problems.append("docker0 exists")
        for p in problems:
            print(f"engine_bench: host check: {p}", file=sys.stderr)


def parallel(fn, items, workers=4):
    """fn over items on a few threads; the first exception is raised."""
    items = list(items)
    errors = []
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not items or errors:
                    return
                it = items.pop()
            try:
                fn(it)
            except Exception as e:
                with lock:
                    errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


class Sampler:
    """Peak of the summed VmRSS of a daemon's processes, sampled every `period` s while active."""

    def __init__(self, daemon, period=0.1):
        self.daemon, self.period = daemon, period
        self.peak = 0
        self.peak_at = None
        self.stop_flag = threading.Event()

    def sample(self):
        f = self.daemon.footprint()
        total = sum(v[1] for v in f.values())
        if total > self.peak:
            self.peak, self.peak_at = total, f
        return f

    def __enter__(self):
        def loop():
            while not self.stop_flag.is_set():
                self.sample()
                self.stop_flag.wait(self.period)
        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()
        self.sample()
