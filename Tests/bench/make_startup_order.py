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
and writes every function that executed, in first-executed order, plus the
few that run only outside valgrind (the vDSO set-up of static glibc) and the
AVX-512 forms of the traced string functions. Names that
later disappear are ignored by the linker, so a stale file costs only
locality: regenerate it after large changes. Needs root, valgrind and
busybox-static.

    swift build -c release --product berth-runtime
    sudo Tests/bench/make_startup_order.py [--runtime .build/release/berth-runtime]

Sources/berth-shim/startup.order is made the same way by make_shim_order.py.
"""
import argparse, bisect, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


# Every superblock entry, with the children followed. --vex-guest-chase=no: otherwise a
# superblock runs on into the function a call or jump leads to, and that function is never
# named in the trace (about one in fourteen of the functions that ran went missing so).
LACKEY = ["valgrind", "--tool=lackey", "--trace-superblocks=yes", "--vex-guest-chase=no", "--trace-children=yes"]


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


# What static glibc runs at start-up on a real machine but not under valgrind, which hides
# the vDSO: _dl_non_dynamic_init builds a link map for the vDSO and looks its symbols up.
VDSO_SETUP = ["_dl_new_object", "_dl_add_to_namespace_list", "_dl_setup_hash", "_dl_lookup_symbol_x",
              "do_lookup_x", "check_match", "_dl_name_match_p", "__strcmp_avx2"]


def with_native_only(order):
    """Inserts VDSO_SETUP after _dl_non_dynamic_init (or first, if that was not traced)."""
    rest = [n for n in order if n not in VDSO_SETUP]
    at = rest.index("_dl_non_dynamic_init") + 1 if "_dl_non_dynamic_init" in rest else 0
    return rest[:at] + VDSO_SETUP + rest[at:]


def with_cpu_variants(order, funcs):
    """Adds, after each of glibc's string functions traced in its AVX2 form, its EVEX and
    AVX-512 forms: valgrind's virtual CPU has no AVX-512, so the ifunc resolvers pick other
    variants under it than on most current x86 hosts, which would fault their pages far
    from the ordered ones."""
    wide = [f[2] for f in funcs if f[2].startswith("__") and ("_evex" in f[2] or "_avx512" in f[2])]
    out, seen = [], set()
    for name in order:
        family = [name]
        if name.startswith("__") and ("_avx2" in name or "_avx_" in name):
            base = name[:name.index("_avx")] + "_"
            family += [v for v in wide if v.startswith(base)]
        for n in family:
            if n not in seen:
                seen.add(n)
                out.append(n)
    return out


def executed(trace, funcs, starts, seen, order, limit=None):
    """Appends the functions whose code ran (lackey 'SB addr' lines) in first-seen order,
    reading the first `limit` bytes of the trace when given."""
    with open(trace) as f:
        for line in f:
            if limit is not None:
                limit -= len(line)
                if limit < 0:
                    break
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
            subprocess.run(LACKEY + [f"--log-file={log}", rt] + argv, cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            prefix = f"trace-{n}."
            traces += sorted(os.path.join(work, t) for t in os.listdir(work) if t.startswith(prefix))

        funcs = symbols(args.runtime)
        starts = [f[0] for f in funcs]
        seen, order = set(), []
        for trace in traces:
            executed(trace, funcs, starts, seen, order)
        if len(order) < 500:
            sys.exit(f"make_startup_order: only {len(order)} functions traced; did the commands run?")
        order = with_cpu_variants(with_native_only(order), funcs)
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
