#!/usr/bin/env python3
"""Pod start-up, supervisor memory and 100-app pods: orbit next to runc,
systemd-nspawn and a bare `unshare` + `chroot` on the same busybox tree.

Started by bench/pods.sh; see bench/README.md for what each row means.
"""
import glob
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ORBIT = os.path.abspath(os.environ.get("ORBIT", os.path.join(HERE, "..", "build", "src",
                                                             "orbit", "orbit")))
N = int(os.environ.get("N", "30"))
N100 = int(os.environ.get("N100", "5"))
APPS = int(os.environ.get("APPS", "100"))
BUSYBOX = "/bin/busybox"
MANIFEST = {
    "acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/bench-pod",
    "labels": [{"name": "version", "value": "1.0.0"}, {"name": "os", "value": "linux"},
               {"name": "arch", "value": "amd64"}],
    "app": {"exec": ["/bin/true"], "user": "0", "group": "0"},
}


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


class Bench:
    def __init__(self, work):
        self.w = work
        self.data = os.path.join(work, "data")
        self.image = os.path.join(work, "bb.aci")
        self.root = os.path.join(work, "peer", "rootfs")
        self.runc_state = os.path.join(work, "runc-state")
        self.results = []  # (row, orbit s, peer s, target ratio or None)
        self.failed = False

    def orbit(self, *args, **kw):
        return run([ORBIT, f"--dir={self.data}", "--insecure-options=image", *args], **kw)

    # --- set-up -----------------------------------------------------------
    def build_image(self):
        layout = os.path.join(self.w, "layout")
        rootfs = os.path.join(layout, "rootfs")
        for d in ("bin", "etc", "tmp", "var", "proc", "sys", "dev", "home/app"):
            os.makedirs(os.path.join(rootfs, d))
        shutil.copy2(BUSYBOX, os.path.join(rootfs, "bin", "busybox"))
        for applet in ("sh", "echo", "cat", "ls", "sleep", "true", "false", "env", "id", "ps"):
            os.symlink("busybox", os.path.join(rootfs, "bin", applet))
        with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n"
                    "app:x:1000:1000::/home/app:/bin/sh\n")
        with open(os.path.join(rootfs, "etc", "group"), "w") as f:
            f.write("root:x:0:\nnogroup:x:65534:\napp:x:1000:\n")
        with open(os.path.join(layout, "manifest"), "w") as f:
            json.dump(MANIFEST, f)
        run([ORBIT, "image", "build", layout, self.image])
        self.orbit("fetch", self.image, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # the peers' tree: the image's own rootfs, plus an empty /usr that
        # systemd-nspawn insists on ("doesn't look like it has an OS tree")
        peer = os.path.join(self.w, "peer")
        os.makedirs(peer)
        run(["tar", "-xzf", self.image, "-C", peer])
        os.makedirs(os.path.join(self.root, "usr"), exist_ok=True)

    def runc_bundle(self, name, netns):
        bundle = os.path.join(self.w, name)
        os.makedirs(bundle)
        run(["runc", "spec", "--bundle", bundle])
        path = os.path.join(bundle, "config.json")
        with open(path) as f:
            c = json.load(f)
        c["process"]["args"] = ["/bin/true"]
        c["process"]["terminal"] = False
        c["root"] = {"path": self.root, "readonly": True}
        if not netns:
            c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"]
                                        if n["type"] != "network"]
        with open(path, "w") as f:
            json.dump(c, f)
        return bundle

    # --- timing -----------------------------------------------------------
    def hyperfine(self, name, cmd, prepare=None, runs=N, shell=True):
        out = os.path.join(self.w, "hf.json")
        args = ["hyperfine", "--style=none", "-w", "3", "-r", str(runs), "--export-json", out]
        if not shell:
            args.append("-N")
        if prepare:
            args += ["--prepare", prepare]
        run(args + ["-n", name, cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as f:
            r = json.load(f)["results"][0]
        print(f"  {name}: median {r['median'] * 1e3:.2f} ms, min {r['min'] * 1e3:.2f}, "
              f"sd {r['stddev'] * 1e3:.2f} ({runs} runs)", flush=True)
        return r["median"]

    def start_times(self):
        print("start-up of /bin/true (hyperfine, shell start subtracted):", flush=True)
        o = f"{ORBIT} --dir={self.data}"
        uf = os.path.join(self.w, "uuid")
        open(uf, "w").close()
        # each timed run is run-prepared of a pod prepared just before it, untimed;
        # the previous run's pod is removed in the same untimed step
        prep = (f"u=$(cat {uf}); [ -n \"$u\" ] && {o} rm $u >/dev/null 2>&1; "
                f"{o} --insecure-options=image prepare --quiet {self.image} > {uf} 2>/dev/null "
                f"&& echo >> {uf}")
        t = {}
        t["orbit"] = self.hyperfine(
            "orbit run-prepared", f"read -r u < {uf}; {o} run-prepared --net=host \"$u\"", prep)
        t["read"] = self.hyperfine("uuid read (overhead)", f"read -r u < {uf}")
        runc = f"runc --root {self.runc_state} run --bundle"
        t["runc"] = self.hyperfine("runc run", f"{runc} {self.runc_bundle('B', True)} orbit-bench")
        t["runc_nonet"] = self.hyperfine(
            "runc run (no netns)", f"{runc} {self.runc_bundle('B-nonet', False)} orbit-bench")
        t["nspawn"] = self.nspawn()
        t["unshare"] = self.hyperfine("unshare -mpuif chroot",
                                      f"unshare -mpuif chroot {self.root} /bin/true")
        t["unshare_n"] = self.hyperfine("unshare -mpuif chroot (no shell, -N)",
                                        f"unshare -mpuif chroot {self.root} /bin/true",
                                        shell=False)
        t["version"] = self.hyperfine("orbit version (no shell, -N)", f"{ORBIT} version",
                                      shell=False)
        t["true"] = self.hyperfine("/bin/true, dynamic (no shell, -N)", "/bin/true", shell=False)
        sf = os.path.join(self.w, "uuid-run")
        open(sf, "w").close()
        t["orbit_run"] = self.hyperfine(
            "orbit run (prepare included)",
            f"{o} --insecure-options=image run --net=host --uuid-file-save={sf} {self.image} "
            "2>/dev/null",
            f"u=$(cat {sf}); [ -n \"$u\" ] && {o} rm $u >/dev/null 2>&1; : > {sf}")
        self.orbit("rm", open(sf).read().strip(), check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
        return t

    def nspawn(self):
        cmd = ["systemd-nspawn", "--register=no", "--keep-unit", "-q", "-D", self.root,
               "/bin/true"]
        if shutil.which("systemd-nspawn") is None or run(
                cmd, check=False, stderr=subprocess.DEVNULL).returncode != 0:
            print("  systemd-nspawn: cannot run here, row skipped", flush=True)
            return None
        return self.hyperfine("systemd-nspawn", " ".join(cmd) + " 2>/dev/null")

    # --- memory -----------------------------------------------------------
    def rss(self, prepared):
        uf = os.path.join(self.w, "uuid-rss")
        if prepared:
            u = self.orbit("prepare", "--quiet", self.image, "--exec=/bin/sleep", "--", "5",
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
            u = u.decode()
            p = subprocess.Popen([ORBIT, f"--dir={self.data}", "run-prepared", "--net=host", u])
        else:
            if os.path.exists(uf):
                os.unlink(uf)
            p = subprocess.Popen([ORBIT, f"--dir={self.data}", "--insecure-options=image", "run",
                                  "--net=host", f"--uuid-file-save={uf}", self.image,
                                  "--exec=/bin/sleep", "--", "5"], stderr=subprocess.DEVNULL)
            while not (os.path.exists(uf) and open(uf).read().strip()):
                time.sleep(0.01)
            u = open(uf).read().strip()
        self.orbit("status", "--wait-ready=10s", u, stdout=subprocess.DEVNULL)
        st = json.loads(self.orbit("status", "--format=json", u,
                                   stdout=subprocess.PIPE).stdout)
        sv = st["pid"]
        time.sleep(2)
        ppid = int(open(f"/proc/{sv}/stat").read().rsplit(")", 1)[1].split()[1])
        r = {"sv": proc_status(sv), "parent": proc_status(p.pid), "pss": pss(sv),
             "maps": top_maps(sv), "child_of_orbit": ppid == p.pid}
        p.wait()
        self.orbit("rm", u, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r

    # --- 100 apps ---------------------------------------------------------
    def many_apps(self):
        args = []
        for i in range(1, APPS + 1):
            args += (["---"] if i > 1 else []) + [self.image, f"--name=a{i}", "--exec=/bin/true"]
        walls, readys, preps = [], [], []
        for _ in range(N100 + 1):  # the first round is a warm-up
            t0 = time.monotonic()
            u = self.orbit("prepare", "--quiet", *args, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL).stdout.decode().strip()
            prep = time.monotonic() - t0
            start_us = time.time_ns() // 1000
            t0 = time.monotonic()
            self.orbit("run-prepared", "--net=host", u, stdout=subprocess.DEVNULL)
            wall = time.monotonic() - t0
            [pod] = glob.glob(os.path.join(self.data, "pods", "*", u))
            ready = int(open(os.path.join(pod, "ready")).read().split()[0])
            walls.append(wall)
            readys.append((ready - start_us) / 1e6)
            preps.append(prep)
            st = json.loads(self.orbit("status", "--format=json", u,
                                       stdout=subprocess.PIPE).stdout)
            assert len(st["apps"]) == APPS and all(a.get("exit_code") == 0 for a in st["apps"])
            self.orbit("rm", u, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls, readys, preps = walls[1:], readys[1:], preps[1:]
        med = statistics.median
        print(f"{APPS} apps ({N100} rounds): prepare median {med(preps):.3f} s; run-prepared "
              f"to ready median {med(readys):.3f} s (min {min(readys):.3f}, max "
              f"{max(readys):.3f}); run-prepared wall median {med(walls):.3f} s "
              f"(min {min(walls):.3f}, max {max(walls):.3f})", flush=True)
        return med(preps), med(readys), med(walls)

    # --- clean-up ---------------------------------------------------------
    def cleanup(self):
        if os.path.isdir(os.path.join(self.data, "pods")):
            q = {"check": False, "stdout": subprocess.PIPE, "stderr": subprocess.DEVNULL}
            out = self.orbit("list", "--format=json", **q).stdout
            uuids = [p["name"] for p in json.loads(out or b"[]")]
            for u in uuids:
                self.orbit("stop", "--force", u, **q)
            for u in uuids:
                self.orbit("status", "--wait=10s", u, **q)
                self.orbit("rm", u, **q)
            self.orbit("gc", "--grace-period=0", "--expire-prepared=0", **q)
        run(["runc", "--root", self.runc_state, "delete", "--force", "orbit-bench"],
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        left = [l.split()[4] for l in open("/proc/self/mountinfo") if self.w in l.split()[4]]
        for m in sorted(left, key=len, reverse=True):
            run(["umount", "-l", m], check=False)
        if left:
            print(f"warning: {len(left)} mounts were left behind and unmounted", flush=True)
        shutil.rmtree(self.w, ignore_errors=True)


def proc_status(pid):
    keys = ("VmHWM", "VmRSS", "RssAnon", "RssFile")
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in keys:
            out[k] = int(v.split()[0])
    return out


def pss(pid):
    for line in open(f"/proc/{pid}/smaps_rollup"):
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def top_maps(pid, n=8):
    """Rss by mapped object (file name, [heap], anonymous...), largest first."""
    sizes, name = {}, None
    for line in open(f"/proc/{pid}/smaps"):
        f = line.split()
        if "-" in f[0] and not f[0].endswith(":"):
            name = os.path.basename(f[5]) if len(f) > 5 else "[anon]"
        elif f[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(f[1])
    return sorted(sizes.items(), key=lambda kv: -kv[1])[:n]


def verdict(ok):
    return "ok" if ok else "**missed**"


def report(b, t, mem, many):
    fmt = lambda s: f"{s * 1e3:.2f}"
    print("\n| row | orbit ms | peer ms | ratio | target | verdict |\n|---|---:|---:|---:|---:|---|")
    rows = [("run-prepared vs `runc run`", t["runc"], 0.3),
            ("run-prepared vs `runc run` without netns", t["runc_nonet"], None),
            ("run-prepared vs `systemd-nspawn`", t["nspawn"], None),
            ("run-prepared vs `unshare -mpuif chroot`", t["unshare"], 3.0)]
    for name, peer, target in rows:
        if peer is None:
            print(f"| {name} | {fmt(t['orbit'])} | – | – | – | not run |")
            continue
        ratio = t["orbit"] / peer
        ok = target is None or ratio <= target
        b.failed |= not ok
        print(f"| {name} | {fmt(t['orbit'])} | {fmt(peer)} | {ratio:.2f} | "
              f"{'≤ %.1f' % target if target else '–'} | {verdict(ok) if target else 'info'} |")
    print(f"| `orbit run` (prepare included) | {fmt(t['orbit_run'])} | – | – | – | info |")
    print(f"| uuid `read` in the timed command | {fmt(t['read'])} | – | – | – | info |")
    print(f"| `unshare -mpuif chroot` without shell (`-N`) | – | {fmt(t['unshare_n'])} | "
          f"{t['orbit'] / t['unshare_n']:.2f} | – | info |")
    print(f"| `orbit version` (`-N`): process start-up | {fmt(t['version'])} | – | – | – | info |")
    print(f"| `/bin/true` (`-N`, dynamic) | – | {fmt(t['true'])} | – | – | info |")
    print("\n| memory | VmHWM KiB | VmRSS KiB | RssAnon | RssFile | Pss | target | verdict |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, r in mem:
        s, p = r["sv"], r["parent"]
        ok = s["VmHWM"] <= 1536
        b.failed |= not ok
        print(f"| supervisor ({label}) | {s['VmHWM']} | {s['VmRSS']} | {s['RssAnon']} | "
              f"{s['RssFile']} | {r['pss']} | ≤ 1536 | {verdict(ok)} |")
        print(f"| `orbit {label}` parent | {p['VmHWM']} | {p['VmRSS']} | {p['RssAnon']} | "
              f"{p['RssFile']} | – | – | info |")
    for label, r in mem:
        print(f"supervisor ({label}) is the child of orbit: {r['child_of_orbit']}; Rss by "
              "mapping (KiB): " + ", ".join(f"{k} {v}" for k, v in r["maps"]))
    prep, ready, wall = many
    ok = ready < 1.0
    b.failed |= not ok
    print(f"\n| {APPS} apps | s | target | verdict |\n|---|---:|---:|---|")
    print(f"| run-prepared start to `ready` | {ready:.3f} | < 1 | {verdict(ok)} |")
    print(f"| run-prepared wall (all {APPS} exited, pod torn down) | {wall:.3f} | – | info |")
    print(f"| prepare (untimed above) | {prep:.3f} | – | info |")


def main():
    if os.geteuid() != 0:
        sys.exit("bench/pods.py: needs root (namespaces, mounts)")
    for tool in ("hyperfine", "runc", "unshare"):
        if shutil.which(tool) is None:
            sys.exit(f"bench/pods.py: {tool} is not installed")
    os.makedirs(os.path.join(HERE, "work"), exist_ok=True)
    b = Bench(tempfile.mkdtemp(prefix="pods-", dir=os.path.join(HERE, "work")))

    def on_signal(sig, _frame):
        raise KeyboardInterrupt(f"signal {sig}")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        print(f"orbit: {ORBIT}\nwork dir: {b.w}\nload average: {os.getloadavg()}", flush=True)
        b.build_image()
        t = b.start_times()
        mem = [("run-prepared", b.rss(True)), ("run", b.rss(False))]
        many = b.many_apps()
        report(b, t, mem, many)
    finally:
        b.cleanup()
    return 1 if b.failed else 0


if __name__ == "__main__":
    sys.exit(main())
