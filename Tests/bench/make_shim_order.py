#!/usr/bin/env python3
"""Regenerates Sources/berth-shim/startup.order, the function order for lld.

One berth-shim stays resident for each container's life, and its RSS is mostly
pages of the static binary its code has touched: the kernel maps 64 KiB (or a
whole large folio) around every executable page a fault lands in, so functions
spread over the ~5.5 MB of text keep nearly all of it resident. Linking the
functions a shim runs next to each other maps far fewer windows.

This script runs a release berth-shim under valgrind's lackey tool (the
runtime it starts runs natively) and drives it with berth-ctl the way the
supervisor does. The order written is:

  1. what the daemon (`serve`) runs from start-up until it idles with a running
     container: Hello, Events.Subscribe, Task.Create, Task.Start, a pending
     Task.Wait, Task.State; every shim touches these pages;
  2. what it runs later: stats, pids, exec with output, pause, resume, kill,
     delete, shutdown;
  3. what only `berth-shim start` and `berth-shim delete` run.

Names that later disappear are ignored by the linker (--no-warn-symbol-ordering),
so a stale file costs only locality: regenerate it after large changes. Needs
root, valgrind, busybox-static and a release build:

    swift build -c release --product berth-shim --product berth-ctl --product berth-runtime
    sudo Tests/bench/make_shim_order.py [--bin .build/release]
    rm .build/release/berth-shim && swift build -c release --product berth-shim
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time

from make_startup_order import LACKEY, ROOT, executed, symbols, with_cpu_variants, with_native_only


def phase_traces(work, prefix):
    return sorted(os.path.join(work, t) for t in os.listdir(work) if t.startswith(prefix))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"),
                    help="directory with berth-shim, berth-ctl and berth-runtime (a release build)")
    ap.add_argument("--out", default=os.path.join(ROOT, "Sources", "berth-shim", "startup.order"))
    args = ap.parse_args()
    for tool in ["valgrind", "nm", "strip"]:
        if not shutil.which(tool):
            sys.exit(f"make_shim_order: {tool} not found (apt-get install valgrind binutils)")
    shim_bin, ctl_bin, runtime = (os.path.join(os.path.abspath(args.bin), n) for n in ("berth-shim", "berth-ctl", "berth-runtime"))

    work = tempfile.mkdtemp(prefix="berth-shim-order-")
    shims, rtroot = os.path.join(work, "shims"), os.path.join(work, "rt")
    cid = f"order-{os.getpid()}"
    sock = os.path.join(shims, cid + ".sock")
    shim = os.path.join(work, "berth-shim")
    background = []
    try:
        # valgrind cannot read the release build's DWARF; layout is unchanged by strip -g.
        subprocess.run(["strip", "-g", "-o", shim, shim_bin], check=True)
        bundle = os.path.join(work, "bundle")
        subprocess.run([os.path.join(ROOT, "Tests", "fixtures", "make-bundle.sh"), bundle, "/bin/sleep", "600"],
                       check=True, stdout=subprocess.DEVNULL)
        config_path = os.path.join(bundle, "config.json")
        with open(config_path) as f:
            config = json.load(f)
        config.setdefault("linux", {})["cgroupsPath"] = f"/berth-shim-order-{os.getpid()}"
        with open(config_path, "w") as f:
            json.dump(config, f)

        def ctl(*argv, check=True):
            return subprocess.run([ctl_bin, "shim", "--socket", sock] + list(argv), check=check, timeout=300,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        # The runtime runs natively: only the shim's own processes are traced.
        valgrind = LACKEY + [f"--trace-children-skip={runtime}"]
        # `start` and the daemon it spawns write trace-start.<pid>; the daemon's is cut into
        # phases by its size once the shim idles (valgrind writes its log as it goes).
        subprocess.run(valgrind + [f"--log-file={work}/trace-start.%p", shim, "start", "--id", cid, "--socket-dir", shims],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        start_logs = phase_traces(work, "trace-start.")
        events = subprocess.Popen([ctl_bin, "shim", "--socket", sock, "events"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        background.append(events)
        ctl("create", "--runtime", runtime, "--runtime-root", rtroot, bundle, cid)
        ctl("start")
        waiter = subprocess.Popen([ctl_bin, "shim", "--socket", sock, "wait"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        background.append(waiter)
        ctl("state")
        time.sleep(3)
        cut = {t: os.path.getsize(t) for t in start_logs}

        ctl("stats")
        ctl("pids")
        ctl("exec", "--exec-id", "e1", "/bin/echo", "hello")
        ctl("pause")
        ctl("resume")
        ctl("kill", "--signal", "KILL")
        waiter.wait(timeout=300)
        ctl("delete")
        ctl("shutdown", check=False)
        events.wait(timeout=300)
        subprocess.run(valgrind + [f"--log-file={work}/trace-delete.%p", shim, "delete", "--id", cid, "--socket-dir", shims],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)

        funcs = symbols(shim_bin)
        starts = [f[0] for f in funcs]
        seen, order = set(), []
        start_logs = phase_traces(work, "trace-start.")
        # The daemon is the process start spawned: the trace with the most lines before the cut.
        daemon = max(start_logs, key=lambda t: cut.get(t, 0))
        executed(daemon, funcs, starts, seen, order, limit=cut[daemon])
        idle = len(order)
        executed(daemon, funcs, starts, seen, order)
        for t in start_logs + phase_traces(work, "trace-delete."):
            if t != daemon:
                executed(t, funcs, starts, seen, order)
        if idle < 500:
            sys.exit(f"make_shim_order: only {idle} functions traced before idle; did the shim run?")
        order = with_cpu_variants(with_native_only(order), funcs)
        with open(args.out, "w") as f:
            f.write("\n".join(order) + "\n")
        print(f"{args.out}: {len(order)} functions ({idle} before idle)")
        # SwiftPM does not track the order file as a link input.
        print("relink to use it: rm .build/release/berth-shim && swift build -c release --product berth-shim")
    finally:
        for p in background:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
        # Whatever a failed step left: the daemon (its trace file names its pid), then the container.
        for t in phase_traces(work, "trace-start."):
            pid = int(t.rsplit(".", 1)[1])
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if shim.encode() in f.read():
                        os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass
        subprocess.run([runtime, "--root", rtroot, "delete", "--force", cid],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([shim_bin, "delete", "--id", cid, "--socket-dir", shims],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
