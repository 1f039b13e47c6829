"""Test infrastructure for discovery and trust: a certificate authority made
for the run, HTTPS sites for real host names inside a private network
namespace (so example.com resolves to 127.0.0.1 there and port 443 is ours),
and OpenPGP keys made with gpg."""
import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid

from httpd_fixture import serve

HOSTS = ["example.com", "sub.example.com", "storage.example.com", "keys.example.com",
         "auth.example.com", "other.example.org"]


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


class CertificateAuthority:
    """A CA and a server certificate for HOSTS (and one for another name)."""

    def __init__(self, directory):
        self.dir = directory
        self.cert = os.path.join(directory, "ca.pem")
        key = os.path.join(directory, "ca.key")
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", key, "-out", self.cert, "-days", "2", "-subj",
            "/CN=orbit test CA")
        self.server = self.issue("server", HOSTS)
        self.wrong = self.issue("wrong", ["wrong.invalid"])

    def issue(self, name, hosts):
        key = os.path.join(self.dir, f"{name}.key")
        csr = os.path.join(self.dir, f"{name}.csr")
        cert = os.path.join(self.dir, f"{name}.pem")
        ext = os.path.join(self.dir, f"{name}.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=" + ",".join(f"DNS:{h}" for h in hosts) + "\n")
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", csr, "-subj", f"/CN={hosts[0]}")
        run("openssl", "x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey",
            os.path.join(self.dir, "ca.key"), "-CAcreateserial", "-out", cert, "-days", "2",
            "-extfile", ext)
        return cert, key


class Network:
    """A network namespace whose /etc/hosts maps HOSTS to 127.0.0.1."""

    def __init__(self):
        self.name = f"orbit-test-{uuid.uuid4().hex[:8]}"
        run("ip", "netns", "add", self.name)
        self.etc = f"/etc/netns/{self.name}"
        os.makedirs(self.etc)
        with open(os.path.join(self.etc, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost " + " ".join(HOSTS) + "\n")
        run("ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up")
        self.prefix = ("ip", "netns", "exec", self.name)

    def close(self):
        subprocess.run(["ip", "netns", "pids", self.name], stdout=subprocess.PIPE)
        pids = subprocess.run(["ip", "netns", "pids", self.name], stdout=subprocess.PIPE,
                              text=True).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), 9)
        subprocess.run(["ip", "netns", "del", self.name])
        shutil.rmtree(self.etc, ignore_errors=True)


class Site:
    """Files served over HTTPS on port 443 and plain HTTP on port 80."""

    def __init__(self, root):
        self.root = root

    def path(self, rel):
        p = os.path.join(self.root, rel.lstrip("/"))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def write(self, rel, data):
        with open(self.path(rel), "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)

    def discovery_page(self, name_path, *tags):
        """The page for https://<host>/<name_path>?ac-discovery=1; tags are
        (meta name, content) pairs."""
        metas = "\n".join(f'    <meta name="{n}" content="{c}">' for n, c in tags)
        html = f"<!DOCTYPE html>\n<html>\n  <head>\n{metas}\n  </head>\n  <body></body>\n</html>\n"
        rel = name_path.strip("/")
        self.write((rel + ".discovery.html") if rel else ".discovery.html", html)

    def requests(self):
        import json
        try:
            with open(os.path.join(self.root, ".requests.log")) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []


class Keys:
    """OpenPGP keys in a private GNUPGHOME, and signatures made with them."""

    def __init__(self, directory):
        self.home = directory
        os.chmod(directory, 0o700)
        self.fingerprints = {}

    def gpg(self, *args, **kw):
        return run("gpg", "--homedir", self.home, "--batch", "--yes", "--pinentry-mode",
                   "loopback", "--passphrase", "", *args, **kw)

    def make(self, name, email=None, expire="1y"):
        uid = f"{name} <{email or name.lower().replace(' ', '.') + '@example.com'}>"
        self.gpg("--quick-gen-key", uid, "ed25519", "sign", expire)
        out = self.gpg("--with-colons", "--list-keys", uid).stdout
        fpr = [l.split(":")[9] for l in out.splitlines() if l.startswith("fpr:")][0]
        self.fingerprints[name] = fpr.lower()
        return fpr.lower()

    def export(self, fpr, path):
        with open(path, "w") as f:
            f.write(self.gpg("--armor", "--export", fpr).stdout)
        return path

    def sign(self, fpr, path, out=None, armor=True):
        out = out or path + ".asc"
        self.gpg("--local-user", fpr, "--detach-sign", *(["--armor"] if armor else []),
                 "--output", out, path)
        return out

    def close(self):
        subprocess.run(["gpgconf", "--homedir", self.home, "--kill", "all"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
