#!/usr/bin/env python3
"""Regenerates Sources/berth-runtime/startup.order, the function order for lld.

berth-runtime is a static executable exec'd (twice) per container. Its peak RSS
is mostly executable pages mapped by the kernel's fault-around, 64 KiB (or a
whole large folio) around every page the code touches; the functions a
command runs are spread over ~6 MB of text, so nearly all of it ends up
resident. Linking the functions that the common commands execute next to each
other (lld --symbol-ordering-file) maps far fewer windows.

This script runs a release build of the runtime under valgrind's lackey tool
for --version, spec, run, create, state, start, exec, kill, delete and list,
and writes every function that executed, in first-executed order. Names that
later disappear are ignored by the linker, so a stale file costs only
locality: regenerate it after large changes. Needs root, valgrind and
busybox-static.

    swift build -c release --product berth-runtime
    sudo Tests/bench/make_startup_order.py [--runtime .build/release/berth-runtime]
"""
import argparse, bisect, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def symbols(binary):
    """(start, end, name) of every function, sorted by address."""
    out = subprocess.run(["nm", "-n", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    funcs = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            start, size = int(parts[0], 16), int(parts[1], 16)
            funcs.append((start, start + max(size, 1), parts[3]))
    funcs.sort()
    return funcs


def executed(trace, funcs, starts, seen, order):
    """Appends the functions whose code ran (lackey 'SB addr' lines) in first-seen order."""
    with open(trace) as f:
        for line in f:
            if not line.startswith("SB "):
                continue
            addr = int(line[3:], 16)
            i = bisect.bisect_right(starts, addr) - 1
            if i >= 0 and funcs[i][0] <= addr < funcs[i][1]:
                name = funcs[i][2]
                if name not in seen:
                    seen.add(name)
                    order.append(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runtime", default=os.path.join(ROOT, ".build", "release", "berth-runtime"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Sources", "berth-runtime", "startup.order"))
    args = ap.parse_args()
    for tool in ["valgrind", "nm", "strip"]:
        if not shutil.which(tool):
            sys.exit(f"make_startup_order: {tool} not found (apt-get install valgrind binutils)")

    work = tempfile.mkdtemp(prefix="berth-order-")
    mnt = os.path.join(work, "ro")
    try:
        # valgrind cannot read the release build's DWARF; layout is unchanged by strip -g.
        bindir, empty = os.path.join(work, "bin"), os.path.join(work, "empty")
        for d in (bindir, empty, mnt):
            os.makedirs(d)
        subprocess.run(["strip", "-g", "-o", os.path.join(bindir, "berth-runtime"), args.runtime], check=True)
        # From a read-only overlayfs the runtime counts as sealed and does not re-execute itself
        # through execveat, which valgrind cannot follow.
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o", f"lowerdir={bindir}:{empty}", mnt], check=True)
        rt = os.path.join(mnt, "berth-runtime")

        bundle = os.path.join(work, "bundle")
        subprocess.run([os.path.join(ROOT, "Tests", "fixtures", "make-bundle.sh"), bundle, "/bin/sleep", "5"],
                       check=True, stdout=subprocess.DEVNULL)
        config_path = os.path.join(bundle, "config.json")
        with open(config_path) as f:
            config = json.load(f)
        # valgrind keeps file descriptors of its own above the container's RLIMIT_NOFILE.
        config["process"].pop("rlimits", None)
        with open(config_path, "w") as f:
            json.dump(config, f)
        true_bundle = os.path.join(work, "true-bundle")
        shutil.copytree(bundle, true_bundle, symlinks=True)
        config["process"]["args"] = ["/bin/true"]
        with open(os.path.join(true_bundle, "config.json"), "w") as f:
            json.dump(config, f)

        state = os.path.join(work, "state")
        steps = [
            (["--version"], None),
            (["spec", "--bundle", os.path.join(work, "empty-spec")], None),
            (["--root", state, "run", "order-run"], true_bundle),
            (["--root", state, "create", "order-c"], bundle),
            (["--root", state, "state", "order-c"], None),
            (["--root", state, "start", "order-c"], None),
            (["--root", state, "exec", "order-c", "/bin/true"], None),
            (["--root", state, "list"], None),
            (["--root", state, "kill", "order-c", "KILL"], None),
            (["--root", state, "delete", "--force", "order-c"], None),
        ]
        os.makedirs(os.path.join(work, "empty-spec"))
        traces = []
        for n, (argv, cwd) in enumerate(steps):
            log = os.path.join(work, f"trace-{n}.%p")
            subprocess.run(["valgrind", "--tool=lackey", "--trace-superblocks=yes", "--trace-children=yes",
                            f"--log-file={log}", rt] + argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            prefix = f"trace-{n}."
            traces += sorted(os.path.join(work, t) for t in os.listdir(work) if t.startswith(prefix))

        funcs = symbols(args.runtime)
        starts = [f[0] for f in funcs]
        seen, order = set(), []
        for trace in traces:
            executed(trace, funcs, starts, seen, order)
        if len(order) < 500:
            sys.exit(f"make_startup_order: only {len(order)} functions traced; did the commands run?")
        with open(args.out, "w") as f:
            f.write("\n".join(order) + "\n")
        print(f"{args.out}: {len(order)} functions from {len(traces)} traces")
        # SwiftPM does not track the order file as a link input.
        print("relink to use it: rm .build/release/berth-runtime && swift build -c release")
    finally:
        # The container sleeps 5 s at most, so nothing outlives a failed step for long.
        subprocess.run(["umount", mnt], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
