#!/usr/bin/env python3
"""Pull and push speed of berthd against dockerd (Debian's docker.io) and skopeo, one local registry.

Debian's docker-registry runs on 127.0.0.1 with a private storage dir (Tests/fixtures/start-registry.sh).
The benchmark builds an image of about 200 MB in 5 gzip layers of random data (gzip cannot shrink it)
as an OCI layout and copies it there with skopeo. Each run, in rotating order:

  pull:  `docker pull` against a private berthd and a private dockerd (image removed first),
         `skopeo copy` to a fresh OCI layout, and the physical limit: the 5 blobs fetched with
         `curl -s -o /dev/null` all at once; and the floor of the work a verified pull must do
         (pull_floor.c: one thread a blob, OpenSSL's SHA-256 and zlib, no tar, no JSON) in three
         steps: the blob digest only, digest + gunzip + diff ID + layer written (what a daemon that
         keeps no blob must do), and that + the blob kept (what berthd does)
  push:  `docker push` from berthd and dockerd, `skopeo copy` from the OCI layout, each to a
         fresh registry (new storage dir) so no blob is already there or mountable

Prints medians of the runs and the ratios with the issue's goals: pull berth/dockerd at most 0.7,
berth/curl-parallel at most 1.5; and each floor's ratio to curl, which bounds what any pull can reach. Without dockerd installed, dockerd's column is left out.

Usage: registry_bench.py --bin DIR [-n 3] [--layers 5] [--layer-mib 40] [--json FILE]
Needs root, the docker CLI, docker-registry, skopeo, curl, cc with OpenSSL's and zlib's headers;
dockerd for the comparison.
"""
import argparse, gzip, hashlib, io, json, os, shutil, socket, statistics, subprocess, sys, tarfile, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from supervisor_bench import quiet, stop_all, timed  # noqa: E402
from engine_daemons import DOCKER_CLI, Berthd, Dockerd, HostState, UnixHTTP  # noqa: E402

START_REGISTRY = os.path.join(HERE, "..", "fixtures", "start-registry.sh")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Registry:
    def __init__(self, data, port=None):
        self.data, self.port = data, port or free_port()
        self.addr = f"127.0.0.1:{self.port}"
        quiet([START_REGISTRY, str(self.port), data])
        with open(os.path.join(data, "registry.pid")) as f:
            self.pid = int(f.read())

    def stop(self):
        try:
            os.kill(self.pid, 15)
            deadline = time.time() + 10
            while time.time() < deadline and os.path.exists(f"/proc/{self.pid}"):
                try:
                    os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                time.sleep(0.05)
        except ProcessLookupError:
            pass
        shutil.rmtree(self.data, ignore_errors=True)


def make_image(layout, layers, layer_mib):
    """An OCI layout of `layers` gzip layers of random data; returns the layer digests."""
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, d), "wb") as f:
            f.write(data)
        return "sha256:" + d, len(data)

    descs, diff_ids = [], []
    for i in range(layers):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
            payload = os.urandom(layer_mib << 20)
            info = tarfile.TarInfo(f"data{i}")
            info.size, info.mode = len(payload), 0o644
            t.addfile(info, io.BytesIO(payload))
        tar = raw.getvalue()
        diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
        d, n = put(gzip.compress(tar, compresslevel=1, mtime=0))
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": n})
    config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/data0"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cd, cs = put(json.dumps(config).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                "layers": descs}
    md, ms = put(json.dumps(manifest).encode())
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms,
            "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    return [d["digest"] for d in descs], diff_ids, sum(d["size"] for d in descs)


def curl_parallel(registry, digests):
    t0 = time.perf_counter()
    ps = [subprocess.Popen(["curl", "-sf", "-o", "/dev/null", f"http://{registry}/v2/big/blobs/{d}"])
          for d in digests]
    codes = [p.wait() for p in ps]
    t = time.perf_counter() - t0
    if any(codes):
        raise RuntimeError(f"curl of the blobs failed: exit codes {codes}")
    return t


def build_floor(work):
    exe = os.path.join(work, "pull_floor")
    subprocess.run(["cc", "-O2", "-pthread", "-o", exe, os.path.join(HERE, "pull_floor.c"), "-lcrypto", "-lz"],
                   check=True)
    return exe


def floor_parallel(exe, registry, digests, expect, out, flags):
    """pull_floor over the blobs with `flags`; checks the digests it computed against `expect`."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    argv = [exe]
    for f in flags:
        argv += [f] if f == "-v" else [f, out]
    host, port = registry.split(":")
    r = subprocess.run(argv + [host, port] + [f"/v2/big/blobs/{d}" for d in digests],
                       capture_output=True, text=True, check=True)
    lines = r.stdout.split("\n")
    for line, (digest, diff_id) in zip(lines[1:], expect):
        got = line.split()
        if got[0] != digest or ("-u" in flags and got[1] != diff_id):
            raise RuntimeError(f"pull_floor computed {got}, expected {digest} {diff_id}")
    shutil.rmtree(out, ignore_errors=True)
    return float(lines[0])


def timeline(d, image):
    """One pull through the API with each progress message timed: {phase: (first, last) s} over all
    layers, phases as Docker names them (Downloading, Download complete, Extracting, Pull complete)."""
    quiet(d.docker("rmi", "-f", image), check=False)
    repo, tag = image.rsplit(":", 1)
    c = UnixHTTP(d.sock, 600)
    phases = {}
    t0 = time.perf_counter()
    try:
        c.request("POST", f"/images/create?fromImage={repo}&tag={tag}")
        r = c.getresponse()
        for line in r:
            for part in line.split(b"\r\n"):
                if not part.strip():
                    continue
                m = json.loads(part)
                if "errorDetail" in m:
                    raise RuntimeError(f"{d.name} pull: {m['errorDetail']}")
                if "id" in m and "status" in m:
                    t = time.perf_counter() - t0
                    first, _ = phases.get(m["status"], (t, t))
                    phases[m["status"]] = (first, t)
    finally:
        c.close()
    phases["total"] = (0.0, time.perf_counter() - t0)
    return phases


def rotations(items, i):
    return items[i % len(items):] + items[:i % len(items)]


def median(xs):
    return statistics.median(xs) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="directory with berthd, berth-supervisor, berth-shim, berth-runtime")
    ap.add_argument("-n", type=int, default=3, help="runs of each measurement (default 3)")
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--layer-mib", type=int, default=40)
    ap.add_argument("--downloads", type=int, help="max-concurrent-downloads of both daemons (default theirs: 3)")
    ap.add_argument("--no-dockerd", action="store_true", help="leave dockerd out")
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("registry_bench: needs root")
    for tool in ("skopeo", "curl", "docker-registry"):
        if not shutil.which(tool):
            sys.exit(f"registry_bench: {tool} is not installed")
    if not DOCKER_CLI:
        sys.exit("registry_bench: the docker CLI is not installed")
    bindir = os.path.abspath(args.bin)
    if not os.access(os.path.join(bindir, "berthd"), os.X_OK):
        sys.exit(f"registry_bench: no berthd in {bindir}")
    with_dockerd = not args.no_dockerd and shutil.which("dockerd") is not None

    work = tempfile.mkdtemp(prefix="rgb.", dir="/tmp")
    os.chmod(work, 0o755)
    host = HostState()
    daemons, registries = [], []
    res = {k: [] for k in ("pull_berthd", "pull_dockerd", "pull_skopeo", "pull_curl", "floor_verify",
                           "floor_unpack", "floor_keep", "push_berthd", "push_dockerd", "push_skopeo")}
    try:
        layout = os.path.join(work, "layout")
        t0 = time.perf_counter()
        digests, diff_ids, size = make_image(layout, args.layers, args.layer_mib)
        floor = build_floor(work)
        print(f"image: {len(digests)} layers, {size / 1e6:.1f} MB compressed, built in "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
        src = Registry(os.path.join(work, "reg"))
        registries.append(src)
        image = f"{src.addr}/big:latest"
        quiet(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:latest", f"docker://{image}"],
              timeout=600)
        # The push target's port, fixed so dockerd can be told it is insecure; a fresh registry each run.
        push_port = free_port()
        push_addr = f"127.0.0.1:{push_port}"
        extra = {"max-concurrent-downloads": args.downloads} if args.downloads else {}
        daemons.append(Berthd(os.path.join(work, "b"), bindir, config=extra))
        if with_dockerd:
            daemons.append(Dockerd(os.path.join(work, "d"), insecure_registries=[src.addr, push_addr], extra=extra))
        for d in daemons:
            d.version = quiet(d.docker("version", "--format", "{{.Server.Version}}")).stdout.strip()

        def pull(d):
            def go():
                quiet(d.docker("rmi", "-f", image), check=False)
                return timed(d.docker("pull", "-q", image))
            return go

        def skopeo_pull():
            dst = os.path.join(work, "pulled")
            shutil.rmtree(dst, ignore_errors=True)
            t = timed(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{image}", f"oci:{dst}:latest"])
            shutil.rmtree(dst, ignore_errors=True)
            return t

        pulls = [(f"pull_{d.name}", pull(d)) for d in daemons]
        pulls += [("pull_skopeo", skopeo_pull), ("pull_curl", lambda: curl_parallel(src.addr, digests))]
        expect = list(zip(digests, diff_ids))
        for name, flags in (("floor_verify", ["-v"]), ("floor_unpack", ["-v", "-u"]),
                            ("floor_keep", ["-v", "-k", "-u"])):
            pulls.append((name, lambda flags=flags: floor_parallel(
                floor, src.addr, digests, expect, os.path.join(work, "floor"), flags)))
        for name, fn in pulls:   # warm-up: page cache of the registry's blobs, daemons' first pull
            fn()
        for i in range(args.n):
            for name, fn in rotations(pulls, i):
                res[name].append(fn())
                print(f"  run {i + 1} {name}: {res[name][-1]:.2f} s", file=sys.stderr)

        for d in daemons:
            res[f"timeline_{d.name}"] = timeline(d, image)
        for i in range(args.n):
            for who in rotations([d.name for d in daemons] + ["skopeo"], i):
                reg = Registry(os.path.join(work, f"push{i}{who}"), push_port)
                registries.append(reg)
                target = f"{push_addr}/{who}{i}:latest"
                try:
                    if who == "skopeo":
                        t = timed(["skopeo", "copy", "-q", "--dest-tls-verify=false",
                                   f"oci:{layout}:latest", f"docker://{target}"])
                    else:
                        d = next(d for d in daemons if d.name == who)
                        quiet(d.docker("tag", image, target))
                        t = timed(d.docker("push", target))
                        quiet(d.docker("rmi", target))
                finally:
                    reg.stop()
                    registries.remove(reg)
                res[f"push_{who}"].append(t)
                print(f"  run {i + 1} push_{who}: {t:.2f} s", file=sys.stderr)
    finally:
        stop_all(daemons)
        for r in registries:
            r.stop()
        shutil.rmtree(work, ignore_errors=True)
        host.restore()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    report(daemons, res, size, args)


def report(daemons, res, size, args):
    print(f"# registry_bench: {args.layers} layers x {args.layer_mib} MiB random data "
          f"({size / 1e6:.0f} MB compressed), {args.n} runs, medians; load {os.getloadavg()[0]:.2f}")
    for d in daemons:
        print(f"  {d.name} {d.version}")
    print(f"{'':14}{'median s':>10}{'MB/s':>8}  runs")
    for k, v in res.items():
        if v and not k.startswith("timeline"):
            m = median(v)
            print(f"{k:14}{m:10.2f}{size / 1e6 / m:8.0f}  " + " ".join(f"{x:.2f}" for x in v))

    def ratio(a, b, goal):
        if res[a] and res[b]:
            r = median(res[a]) / median(res[b])
            print(f"{a}/{b}: {r:.2f} (goal <= {goal}: {'met' if r <= goal else 'NOT met'})")
    ratio("pull_berthd", "pull_dockerd", 0.7)
    ratio("pull_berthd", "pull_curl", 1.5)
    for k, what in (("floor_verify", "blob digest only"), ("floor_unpack", "digest, gunzip, diff ID, layer written"),
                    ("floor_keep", "that and the blob kept, as berthd")):
        if res[k] and res["pull_curl"]:
            print(f"{k}/pull_curl: {median(res[k]) / median(res['pull_curl']):.2f} (the floor of a pull: {what})")
    if res["floor_keep"]:
        print(f"pull_berthd/floor_keep: {median(res['pull_berthd']) / median(res['floor_keep']):.2f}")
    for d in daemons:
        ph = res.get(f"timeline_{d.name}", {})
        print(f"{d.name} one pull, progress messages (first..last s after the request): " +
              ", ".join(f"{k} {a:.2f}..{b:.2f}" for k, (a, b) in ph.items()))
    if res["push_dockerd"]:
        r = median(res["push_berthd"]) / median(res["push_dockerd"])
        print(f"push_berthd/push_dockerd: {r:.2f}")


if __name__ == "__main__":
    main()
