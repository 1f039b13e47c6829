#!/usr/bin/python3
"""Benchmarks fetching a signed ~90 MB gzip ACI by name (meta discovery over
HTTPS) against fetching it by URL, and signature verification against
`gpg --verify`, inside a private network namespace where example.com and
storage.example.com resolve to 127.0.0.1 (see bench/README.md).

Run through bench/discovery.sh (as root: it makes a network namespace and
serves HTTPS on port 443). Environment: ORBIT (orbit binary), N (runs per
measurement, default 10), NO_HYPERFINE=1 (time with the built-in loop).
"""
import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

WORK = os.path.join(HERE, "work")
LAYOUT_ROOTFS = os.path.join(WORK, "layout", "rootfs")
CACHE = os.path.join(WORK, "discovery")
NAME, VERSION = "example.com/x", "1.0.0"
DISCOVERY_TARGET_S = 0.050


def appc_arch():
    m = platform.machine()
    return {"x86_64": "amd64", "i686": "i386"}.get(m, m)


ACI_REL = f"{NAME}-{VERSION}-linux-{appc_arch()}.aci"  # where the template below points
META = [("ac-discovery", "example.com https://storage.example.com/{name}-{version}-{os}-{arch}.{ext}")]


# ---- a lean HTTPS server (run in the namespace as `discovery.py serve ...`) ----------------
# The test httpd reads each file whole and hashes it for its ETag on every request,
# which would add ~100 ms of server-side noise per 90 MB fetch; this one streams.

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if "ac-discovery=1" in query.split("&"):
            path = path.rstrip("/") + (".discovery.html" if path.strip("/") else "/.discovery.html")
        fs = os.path.realpath(os.path.join(self.server.root, path.lstrip("/")))
        if not fs.startswith(self.server.root + os.sep) or not os.path.isfile(fs):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(fs, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.send_header("Content-Type", "text/html" if fs.endswith(".html")
                             else "application/octet-stream")
            self.end_headers()
            while chunk := f.read(1 << 20):
                self.wfile.write(chunk)


def serve(root, port, cert, key):
    server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    server.daemon_threads = True
    server.root = os.path.realpath(root)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY", flush=True)
    stop.wait()
    return 0


# ---- setup ----------------------------------------------------------------------------------

def run(*cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def build_aci(orbit):
    """The ~90 MB gzip ACI of the cached debootstrap tree (made once by bench/image.sh),
    named example.com/x version 1.0.0; cached in bench/work/discovery/."""
    os.makedirs(CACHE, exist_ok=True)
    aci = os.path.join(CACHE, "x.aci")
    if os.path.exists(aci):
        return aci
    if not os.path.isfile(os.path.join(LAYOUT_ROOTFS, "etc", "debian_version")):
        sys.exit("discovery.py: no rootfs in bench/work/layout: run bench/image.sh once first")
    layout = os.path.join(CACHE, "layout")
    shutil.rmtree(layout, ignore_errors=True)
    os.makedirs(layout)
    labels = [{"name": "version", "value": VERSION}, {"name": "os", "value": "linux"},
              {"name": "arch", "value": appc_arch()}]
    with open(os.path.join(layout, "manifest"), "w") as f:
        json.dump({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": NAME,
                   "labels": labels}, f)
    # a bind mount, so the shared layout of bench/image.sh is read, not copied or changed
    os.makedirs(os.path.join(layout, "rootfs"))
    run("mount", "--bind", "-o", "ro", LAYOUT_ROOTFS, os.path.join(layout, "rootfs"))
    try:
        print("building the ACI (once; cached in bench/work/discovery)...", file=sys.stderr)
        run(orbit, "image", "build", "--compression=gzip", "--overwrite", layout, aci + ".tmp")
    finally:
        run("umount", os.path.join(layout, "rootfs"))
    shutil.rmtree(layout)
    os.rename(aci + ".tmp", aci)
    return aci


@contextlib.contextmanager
def server_in(net, root, ca):
    cmd = [*net.prefix, sys.executable, os.path.abspath(__file__), "serve", root, "443",
           ca.server[0], ca.server[1]]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        if proc.stdout.readline().strip() != "READY":
            raise RuntimeError("the HTTPS server did not start")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- timing ---------------------------------------------------------------------------------

def have_hyperfine():
    return os.environ.get("NO_HYPERFINE") != "1" and shutil.which("hyperfine")


def measure(label, cmd, runs, prepare, out):
    """Median, min and stddev of cmd's wall time (seconds) over runs runs after 1 warm-up."""
    if have_hyperfine():
        js = os.path.join(out, "t.json")
        args = ["hyperfine", "--style", "none", "--warmup", "1", "--runs", str(runs),
                "--export-json", js]
        if prepare:
            args += ["--prepare", prepare]
        subprocess.run(args + [cmd], check=True, stdout=subprocess.DEVNULL)
        with open(js) as f:
            times = json.load(f)["results"][0]["times"]
    else:
        times = []
        for i in range(runs + 1):
            if prepare:
                subprocess.run(prepare, shell=True, check=True)
            t0 = time.perf_counter()
            subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
            if i:
                times.append(time.perf_counter() - t0)
    r = (statistics.median(times), min(times), statistics.pstdev(times))
    print(f"  {label:<34} median {r[0]:.4f} s  min {r[1]:.4f}  sd {r[2]:.4f}", file=sys.stderr)
    return r


def interleaved(cmds, runs, prepare):
    """The fetches, run round-robin (A, A_insecure, B, A, ...) after one warm-up round, timed
    here: other load on the machine then hits all three alike, and the overheads are taken as
    medians of the per-round differences. Returns {key: (median, min, sd)} and the
    per-round times under key + "_t"."""
    times = {k: [] for k in cmds}
    for i in range(runs + 1):
        for k, cmd in cmds.items():
            subprocess.run(prepare, shell=True, check=True)
            t0 = time.perf_counter()
            subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            if i:
                times[k].append(time.perf_counter() - t0)
    m = {}
    for k, t in times.items():
        m[k] = (statistics.median(t), min(t), statistics.pstdev(t))
        m[k + "_t"] = t
        print(f"  {k:<34} median {m[k][0]:.4f} s  min {m[k][1]:.4f}  sd {m[k][2]:.4f}",
              file=sys.stderr)
    return m


def digest_algo(keys, sig):
    out = subprocess.run(["gpg", "--homedir", keys.home, "--list-packets", sig],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    for line in out.splitlines():
        if "digest algo" in line:
            n = line.split("digest algo")[1].split(",")[0].strip()
            return {"8": "SHA-256", "9": "SHA-384", "10": "SHA-512"}.get(n, "algo " + n)
    return "unknown"


def machine(orbit, runs):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    ver = subprocess.run([orbit, "version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    timer = (subprocess.run(["hyperfine", "--version"], stdout=subprocess.PIPE, text=True)
             .stdout.strip() if have_hyperfine() else "built-in loop")
    gpgv = subprocess.run(["gpg", "--version"], stdout=subprocess.PIPE, text=True).stdout
    return [f"date:     {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            f"cpu:      {cpu}, nproc {os.cpu_count()}",
            f"kernel:   {platform.system()} {platform.release()}",
            f"orbit:    {ver.splitlines()[0] if ver else '?'} ({orbit})",
            f"tools:    {gpgv.splitlines()[0]}, {gpgv.splitlines()[1]}, Python {platform.python_version()} https server",
            f"timing:   {timer}, median of {runs} runs after 1 warm-up"]


# ---- the benchmark --------------------------------------------------------------------------

def bench(orbit, runs, tmp):
    from sites import CertificateAuthority, Keys, Network
    aci_src = build_aci(orbit)
    www = os.path.join(tmp, "www")
    aci = os.path.join(www, ACI_REL)
    os.makedirs(os.path.dirname(aci))
    os.link(aci_src, aci) if os.stat(CACHE).st_dev == os.stat(tmp).st_dev else shutil.copy(aci_src, aci)
    os.makedirs(os.path.join(tmp, "ca"))
    ca = CertificateAuthority(os.path.join(tmp, "ca"))
    os.makedirs(os.path.join(tmp, "gnupg"))
    keys = Keys(os.path.join(tmp, "gnupg"))
    net = None
    try:
        fpr = keys.make("Bench Signer")
        sig = keys.sign(fpr, aci)  # x.aci.asc beside the image
        # https://example.com/x?ac-discovery=1 (every host serves www/)
        with open(os.path.join(www, "x.discovery.html"), "w") as f:
            metas = "\n".join(f'    <meta name="{n}" content="{c}">' for n, c in META)
            f.write(f"<!DOCTYPE html>\n<html>\n  <head>\n{metas}\n  </head>\n  <body></body>\n</html>\n")
        net = Network()
        with server_in(net, www, ca):
            return run_measurements(orbit, runs, tmp, aci, sig, keys, fpr, net, ca)
    finally:
        if net:
            net.close()
        keys.close()


def run_measurements(orbit, runs, tmp, aci, sig, keys, fpr, net, ca):
    q = shlex.quote
    conf, system, data = (os.path.join(tmp, d) for d in ("etc-orbit", "etc-orbit-system", "data"))
    os.makedirs(conf)
    os.makedirs(system)
    # the fresh data dir of each run is on a tmpfs: orbit extracts the image's 6,800 files
    # there, and on ext4 right after `rm -rf` of the previous tree that step alone varies by
    # a second from run to run, hiding the tens of milliseconds measured here
    os.makedirs(data)
    run("mount", "-t", "tmpfs", "-o", "size=4g", "orbit-bench", data)
    try:
        return timed(orbit, runs, tmp, aci, sig, keys, fpr, net, ca, conf, system, data)
    finally:
        subprocess.run(["umount", data])


def timed(orbit, runs, tmp, aci, sig, keys, fpr, net, ca, conf, system, data):
    q = shlex.quote
    keyfile = keys.export(fpr, os.path.join(tmp, "bench.gpg"))
    ns = " ".join(map(q, net.prefix))
    base = (f"{ns} env CURL_CA_BUNDLE={q(ca.cert)} {q(orbit)} --dir {q(data)} "
            f"--local-config {q(conf)} --system-config {q(system)}")
    run(*shlex.split(base), "trust", "--prefix=example.com", "--skip-fingerprint-review", keyfile)
    url = f"https://storage.example.com/{ACI_REL}"
    fresh = f"find {q(data)} -mindepth 1 -delete"
    # sanity: both ways give the image's ID, signed
    want = run(orbit, "image", "id", aci).stdout.split()[0]
    for src in (url, f"{NAME}:{VERSION}"):
        run(*shlex.split(fresh))
        got = run(*shlex.split(base), "fetch", src).stdout.split()
        if got != [want]:
            sys.exit(f"discovery.py: fetch {src} printed {got}, want {want}")
    gpg_verify = f"gpg --homedir {q(keys.home)} --batch --verify {q(sig)} {q(aci)}"
    run(*shlex.split(gpg_verify))
    algo = digest_algo(keys, sig)
    hashcmd = {"SHA-512": "sha512sum", "SHA-256": "sha256sum"}.get(algo, "sha512sum")

    print(f"measuring (N={runs}, {os.path.getsize(aci)} byte ACI)...", file=sys.stderr)
    m = interleaved({"A": f"{base} fetch {q(url)}",
                     "Ai": f"{base} --insecure-options=image fetch {q(url)}",
                     "B": f"{base} fetch {NAME}:{VERSION}"}, runs, fresh)
    m["D"] = measure("orbit discover alone", f"{base} discover {NAME}:{VERSION}", runs, None, tmp)
    m["V"] = measure("orbit version (process + netns)", f"{base} version", runs, None, tmp)
    m["M"] = measure("orbit image cat-manifest file", f"{q(orbit)} image cat-manifest {q(aci)}",
                     runs, None, tmp)
    m["G"] = measure("gpg --verify sig file", gpg_verify, runs, None, tmp)
    m["H"] = measure(f"{hashcmd} file", f"{hashcmd} {q(aci)}", runs, None, tmp)
    return m, algo, hashcmd, os.path.getsize(aci)


def report(m, algo, hashcmd, size, lines):
    med = {k: v[0] for k, v in m.items() if not k.endswith("_t")}
    diff = lambda a, b: statistics.median(x - y for x, y in zip(m[a + "_t"], m[b + "_t"]))
    ms = lambda s: f"{s * 1000:.1f}"
    rows = [("A", "A: fetch by URL (signature beside it, key trusted)"),
            ("Ai", "A_insecure: A with --insecure-options=image"),
            ("B", "B: fetch by name (discovery page + signature)"),
            ("D", "`orbit discover` (one HTTPS page)"),
            ("V", "`orbit version` (process + netns start)"),
            ("M", "`orbit image cat-manifest` of the ACI"),
            ("G", f"`gpg --verify` ({algo} signature)"),
            ("H", f"`{hashcmd}` of the ACI")]
    out = list(lines) + [f"image:    {size} bytes gzip ACI, signature digest {algo}", "",
                         f"{'measurement':<52} {'median ms':>10} {'min ms':>8} {'sd ms':>7}"]
    for k, label in rows:
        out.append(f"{label:<52} {ms(m[k][0]):>10} {ms(m[k][1]):>8} {ms(m[k][2]):>7}")
    limit = DISCOVERY_TARGET_S + med["G"]
    checks = [("discovery + verification, by name: B - A_insecure", diff("B", "Ai"), limit),
              ("verification, by URL: A - A_insecure", diff("A", "Ai"), limit),
              ("discovery alone: discover - version", med["D"] - med["V"], DISCOVERY_TARGET_S),
              ("B - A (discovery minus URL-only manifest pass)", diff("B", "A"), None)]
    out += ["", "fetch rows: own timer, runs interleaved A, A_insecure, B; differences below are "
            "medians of per-round differences", "",
            f"{'overhead':<52} {'ms':>8} {'target ms':>10}  verdict"]
    missed = 0
    for label, v, t in checks:
        verdict = "info" if t is None else ("ok" if v <= t else "over")
        missed += verdict == "over"
        out.append(f"{label:<52} {ms(v):>8} {'-' if t is None else ms(t):>10}  {verdict}")
    out.append(f"targets over: {missed} (target: 50 ms, plus the gpg --verify time where a "
               "signature is checked)")
    print("\n".join(out))
    return missed


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        return serve(*sys.argv[2:6])
    if os.geteuid() != 0:
        sys.exit("discovery.py: needs root (network namespace, port 443, bind mount)")
    orbit = os.path.abspath(os.environ.get("ORBIT", os.path.join(REPO, "build", "src", "orbit", "orbit")))
    if not os.access(orbit, os.X_OK):
        sys.exit(f"discovery.py: orbit binary not found at {orbit} (set ORBIT=...)")
    runs = int(os.environ.get("N", "10"))
    # so the finally blocks (servers, namespace, /etc/netns, gpg agents) run on these too
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda n, _: sys.exit(128 + n))
    os.makedirs(WORK, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="disc-", dir=WORK)
    try:
        m, algo, hashcmd, size = bench(orbit, runs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if report(m, algo, hashcmd, size, machine(orbit, runs)) else 0


if __name__ == "__main__":
    sys.exit(main())
