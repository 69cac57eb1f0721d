#!/usr/bin/env python3
"""Pull speed of two (or more) berthd builds, interleaved, with berthd's CPU time per pull.

registry_bench.py measures one build against dockerd, skopeo and curl; on a machine whose load
moves, two builds are only comparable when their pulls alternate. This starts one berthd per
--bin directory on the image registry_bench builds (5 gzip layers of random data), pulls it
through POST /images/create with each in turn (order alternating each round, the image removed
first), and prints each pull's progress timeline, the medians of the wall times, berthd's CPU
seconds per pull (utime+stime of the process: less sensitive to other load than wall time) and
5 concurrent curls of the blobs as the reference.

Usage: registry_pull_ab.py BINDIR [BINDIR...] [-n 5] [--downloads N] [--layers 5] [--perf PREFIX]
--perf records the first build's pulls with `perf record -g` into PREFIX.<run>.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import registry_bench as rb  # noqa: E402
from engine_daemons import Berthd, HostState  # noqa: E402
from supervisor_bench import quiet, stop_all  # noqa: E402


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bins", nargs="+")
    ap.add_argument("-n", type=int, default=5)
    ap.add_argument("--downloads", type=int, help="max-concurrent-downloads (default berthd's: 3)")
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--layer-mib", type=int, default=40)
    ap.add_argument("--perf")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("registry_pull_ab: needs root")
    work = tempfile.mkdtemp(prefix="rpab.", dir="/tmp")
    os.chmod(work, 0o755)
    host, daemons, reg = HostState(), [], None
    try:
        digests, _, size = rb.make_image(os.path.join(work, "layout"), a.layers, a.layer_mib)
        reg = rb.Registry(os.path.join(work, "reg"))
        image = f"{reg.addr}/big:latest"
        quiet(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{work}/layout:latest", f"docker://{image}"], timeout=600)
        extra = {"max-concurrent-downloads": a.downloads} if a.downloads else {}
        for i, b in enumerate(a.bins):
            d = Berthd(os.path.join(work, f"b{i}"), os.path.abspath(b), config=extra)
            d.label = b
            daemons.append(d)
        for d in daemons:   # warm-up: page cache of the blobs, the daemons' first pull
            rb.timeline(d, image)
        rb.curl_parallel(reg.addr, digests)
        wall = {d.label: [] for d in daemons}
        cpu = {d.label: [] for d in daemons}
        curl = []
        for r in range(a.n):
            for d in (daemons if r % 2 == 0 else daemons[::-1]):
                quiet(d.docker("rmi", "-f", image), check=False)
                perf = None
                if a.perf and d is daemons[0]:
                    perf = subprocess.Popen(["perf", "record", "-g", "-o", f"{a.perf}.{r}", "-p", str(d.proc.pid)],
                                            stderr=subprocess.DEVNULL)
                    time.sleep(0.5)
                c0 = cpu_seconds(d.proc.pid)
                phases = rb.timeline(d, image)   # its rmi finds nothing left to remove
                cpu[d.label].append(cpu_seconds(d.proc.pid) - c0)
                if perf:
                    perf.send_signal(2)
                    perf.wait()
                wall[d.label].append(phases["total"][1])
                print(f"{d.label} (load {os.getloadavg()[0]:.2f}): " +
                      ", ".join(f"{k} {x:.2f}..{y:.2f}" for k, (x, y) in phases.items()), flush=True)
            curl.append(rb.curl_parallel(reg.addr, digests))
        print(f"# {a.layers} layers x {a.layer_mib} MiB ({size / 1e6:.0f} MB), {a.n} runs each, load {os.getloadavg()}")
        for d in daemons:
            w, c = wall[d.label], cpu[d.label]
            print(f"{d.label}: wall median {statistics.median(w):.3f} s (min {min(w):.3f}), "
                  f"berthd CPU median {statistics.median(c):.3f} s; walls " + " ".join(f"{x:.2f}" for x in w))
        print(f"5 x curl: median {statistics.median(curl):.3f} s; " + " ".join(f"{x:.2f}" for x in curl))
    finally:
        stop_all(daemons, name=lambda d: d.label)
        if reg:
            reg.stop()
        shutil.rmtree(work, ignore_errors=True)
        host.restore()


if __name__ == "__main__":
    main()
