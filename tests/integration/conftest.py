"""Fixtures for the integration tests: the orbit binary, image layouts made
from busybox-static, and crafted archives for the bad-input cases."""
import hashlib
import json
import os
import shutil
import subprocess
import tarfile

import pytest

BUSYBOX = "/bin/busybox"


def orbit_path():
    path = os.environ.get("ORBIT_BIN")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "..", "build", "src", "orbit", "orbit")
    return os.path.abspath(path)


class Orbit:
    def __init__(self, path):
        self.path = path

    def run(self, *args, check=True, input=None, env=None, prefix=()):
        proc = subprocess.run([*prefix, self.path, *map(str, args)], input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"orbit {' '.join(map(str, args))} exited {proc.returncode}\n"
                f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def fails(self, *args, **kw):
        """Runs a command that must fail; returns it for assertions on stderr."""
        proc = self.run(*args, check=False, **kw)
        assert proc.returncode != 0, f"orbit {args} unexpectedly succeeded: {proc.stdout}"
        assert proc.stderr.strip(), "a failure must say why on stderr"
        return proc


@pytest.fixture(scope="session")
def orbit():
    path = orbit_path()
    assert os.access(path, os.X_OK), f"orbit binary not built at {path}"
    return Orbit(path)


def host_arch():
    return {"x86_64": "amd64", "aarch64": "aarch64", "i686": "i386"}.get(os.uname().machine,
                                                                        os.uname().machine)


def manifest(name="example.com/busybox", exec_=("/bin/sh", "-c", "echo hello"), **extra):
    m = {
        "acKind": "ImageManifest",
        "acVersion": "0.8.11",
        "name": name,
        "labels": [{"name": "version", "value": "1.0.0"},
                   {"name": "os", "value": "linux"},
                   {"name": "arch", "value": host_arch()}],
        "app": {"exec": list(exec_), "user": "0", "group": "0"},
    }
    m.update(extra)
    return m


def write_layout(root, man, files=None):
    """A layout dir: manifest + rootfs/ (+ files: {relpath: bytes})."""
    os.makedirs(os.path.join(root, "rootfs"), exist_ok=True)
    with open(os.path.join(root, "manifest"), "w") as f:
        json.dump(man, f, indent=2)
    for rel, data in (files or {}).items():
        path = os.path.join(root, "rootfs", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return root


def busybox_layout(root, **kw):
    """A layout whose rootfs is busybox-static with its applet links."""
    write_layout(root, manifest(**kw))
    rootfs = os.path.join(root, "rootfs")
    for d in ("bin", "etc", "tmp", "var", "proc", "sys", "dev"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy2(BUSYBOX, os.path.join(rootfs, "bin", "busybox"))
    for applet in ("sh", "echo", "cat", "ls", "sleep", "true", "false", "env", "id", "grep",
                   "mount", "ps"):
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n")
    with open(os.path.join(rootfs, "etc", "group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")
    return root


@pytest.fixture
def busybox(tmp_path):
    return busybox_layout(str(tmp_path / "layout"))


def decompressed(path):
    """The uncompressed tar bytes of an ACI, by the system tools."""
    with open(path, "rb") as f:
        head = f.read(6)
    tools = {b"\x1f\x8b": ["gzip", "-dc"], b"BZh": ["bzip2", "-dc"],
             b"\xfd7zXZ\x00": ["xz", "-dc"], b"\x28\xb5\x2f\xfd": ["zstd", "-dc"]}
    for magic, cmd in tools.items():
        if head.startswith(magic):
            return subprocess.run(cmd + [path], stdout=subprocess.PIPE, check=True).stdout
    with open(path, "rb") as f:
        return f.read()


def sha512_id(path):
    return "sha512-" + hashlib.sha512(decompressed(path)).hexdigest()


def leftovers(directory, keep=()):
    """Files in a directory other than those expected (temporary outputs)."""
    return sorted(set(os.listdir(directory)) - set(keep))


def craft_tar(path, entries, compress=None):
    """Writes a tar of (name, kind, data_or_target) entries, in order."""
    mode = "w:gz" if compress == "gz" else "w"
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1_000_000_000
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, payload
                tar.addfile(info)
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, payload
                tar.addfile(info)
            else:
                data = payload if isinstance(payload, bytes) else payload.encode()
                info.size, info.mode = len(data), 0o644
                import io
                tar.addfile(info, io.BytesIO(data))
    return path


def good_manifest_bytes(**kw):
    return json.dumps(manifest(**kw)).encode()


def build_image(orbit, workdir, name, version="1.0.0", files=None, dependencies=None,
                path_whitelist=None, compression="gzip", filename=None, exec_=None):
    """Builds a small ACI named `name` into workdir and returns its path.
    files: {relpath: bytes} under rootfs; dependencies: list of dicts as in
    the manifest."""
    base = name.rsplit("/", 1)[-1]
    layout = os.path.join(workdir, f"layout-{base}-{version}")
    shutil.rmtree(layout, ignore_errors=True)
    man = manifest(name=name, exec_=exec_ or ("/bin/true",))
    man["labels"][0]["value"] = version
    if dependencies:
        man["dependencies"] = dependencies
    if path_whitelist:
        man["pathWhitelist"] = path_whitelist
    write_layout(layout, man, files or {f"etc/{base}": f"{name} {version}\n".encode()})
    out = os.path.join(workdir, filename or f"{base}-{version}-linux-{host_arch()}.aci")
    orbit.run("image", "build", "--overwrite", f"--compression={compression}", layout, out)
    shutil.rmtree(layout)
    return out


class Store:
    """An orbit data directory of a test, and commands run against it."""

    def __init__(self, orbit, path):
        self.orbit = orbit
        self.path = str(path)

    def run(self, *args, **kw):
        return self.orbit.run("--dir", self.path, *args, **kw)

    def fails(self, *args, **kw):
        return self.orbit.fails("--dir", self.path, *args, **kw)

    def fetch(self, *sources, insecure="image", **kw):
        args = ["fetch", *sources]
        if insecure:
            args.insert(0, f"--insecure-options={insecure}")
        return self.run(*args, **kw).stdout.split()

    def images(self):
        return json.loads(self.run("image", "list", "--format=json").stdout)

    def ids(self):
        return sorted(i["id"] for i in self.images())

    def tmp_leftovers(self):
        tmp = os.path.join(self.path, "images", "tmp")
        return sorted(os.listdir(tmp)) if os.path.isdir(tmp) else []


@pytest.fixture
def store(orbit, tmp_path):
    return Store(orbit, tmp_path / "data")


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    from sites import CertificateAuthority
    return CertificateAuthority(str(tmp_path_factory.mktemp("ca")))


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    from sites import Keys
    k = Keys(str(tmp_path_factory.mktemp("gnupg")))
    k.make("Orbit Test")
    k.make("Other Signer")
    yield k
    k.close()


@pytest.fixture
def web(tmp_path, test_ca):
    """HTTPS (443) and HTTP (80) sites for real names in a private network
    namespace; yields (site, network)."""
    from httpd_fixture import serve
    from sites import Network, Site
    net = Network()
    root = tmp_path / "www"
    root.mkdir()
    try:
        with serve(root, tls=test_ca.server, port=443, prefix=net.prefix), \
                serve(root, port=80, prefix=net.prefix):
            yield Site(str(root)), net
    finally:
        net.close()


class NetStore(Store):
    """A store whose commands run inside the test network, trusting the test
    CA, with their own local and system config dirs."""

    def __init__(self, orbit, path, net, ca, config):
        super().__init__(orbit, path)
        self.net = net
        self.config = str(config)
        self.system = str(config) + "-system"
        os.makedirs(self.config, exist_ok=True)
        os.makedirs(self.system, exist_ok=True)
        self.env = dict(os.environ, CURL_CA_BUNDLE=ca.cert)

    def run(self, *args, **kw):
        kw.setdefault("env", self.env)
        return self.orbit.run("--dir", self.path, "--local-config", self.config,
                              "--system-config", self.system, *args, prefix=self.net.prefix, **kw)

    def fails(self, *args, **kw):
        p = self.run(*args, check=False, **kw)
        assert p.returncode != 0, f"orbit {args} unexpectedly succeeded: {p.stdout}"
        assert p.stderr.strip()
        return p


@pytest.fixture
def net_store(orbit, tmp_path, web, test_ca):
    site, net = web
    return NetStore(orbit, tmp_path / "data", net, test_ca, tmp_path / "etc-orbit")


def probe_path():
    build = os.path.dirname(os.path.dirname(os.path.dirname(orbit_path())))
    return os.path.join(build, "tests", "helpers", "orbit-probe")


def pod_image(orbit, workdir, name="example.com/probe", exec_=("/bin/orbit-probe",), app=None,
              files=None, **kw):
    """An image with busybox, the probe program and users, for pods."""
    layout = os.path.join(workdir, f"pod-layout-{name.rsplit('/', 1)[-1]}")
    shutil.rmtree(layout, ignore_errors=True)
    busybox_layout(layout, name=name, exec_=exec_)
    shutil.copy2(probe_path(), os.path.join(layout, "rootfs", "bin", "orbit-probe"))
    with open(os.path.join(layout, "rootfs", "etc", "passwd"), "a") as f:
        f.write("app:x:1000:1000::/home/app:/bin/sh\n")
    with open(os.path.join(layout, "rootfs", "etc", "group"), "a") as f:
        f.write("app:x:1000:\nextra:x:2000:app\n")
    os.makedirs(os.path.join(layout, "rootfs", "home", "app"))
    for rel, data in (files or {}).items():
        path = os.path.join(layout, "rootfs", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    if app or kw:
        with open(os.path.join(layout, "manifest")) as f:
            m = json.load(f)
        m["app"].update(app or {})
        m.update(kw)
        with open(os.path.join(layout, "manifest"), "w") as f:
            json.dump(m, f)
    out = os.path.join(workdir, name.rsplit("/", 1)[-1] + ".aci")
    orbit.run("image", "build", "--overwrite", layout, out)
    shutil.rmtree(layout)
    return out


class Pods(Store):
    """A data dir for pod tests; every pod made is stopped and removed at the end."""

    def uuids(self):
        return [p["name"] for p in json.loads(self.run("list", "--format=json").stdout)]

    def status(self, uuid):
        return json.loads(self.run("status", "--format=json", uuid).stdout)

    def cleanup(self):
        if not os.path.isdir(os.path.join(self.path, "pods")):
            return
        for uuid in self.uuids():
            self.run("stop", "--force", uuid, check=False)
        for uuid in self.uuids():
            self.run("status", "--wait=10s", uuid, check=False)
            self.run("rm", uuid, check=False)
        self.run("gc", "--grace-period=0", "--expire-prepared=0", check=False)


@pytest.fixture
def pods(orbit, tmp_path):
    p = Pods(orbit, tmp_path / "data")
    yield p
    p.cleanup()
    leftover = [l for l in open("/proc/self/mountinfo") if p.path in l]
    assert leftover == [], f"mounts left behind: {leftover}"
