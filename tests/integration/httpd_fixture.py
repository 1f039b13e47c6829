"""Starts tests/integration/httpd.py as a subprocess for a test:

    with serve(directory) as srv:            # or serve(directory, tls=(cert, key))
        url = srv.url("images/a.aci")
        ...
        assert srv.requests()[-1]["headers"]["Range"] == "bytes=100-"
"""
import contextlib
import json
import os
import subprocess
import sys

HTTPD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "httpd.py")


class Server:
    def __init__(self, directory, port, tls):
        self.directory = directory
        self.port = port
        self.scheme = "https" if tls else "http"

    def url(self, path=""):
        return f"{self.scheme}://127.0.0.1:{self.port}/{path.lstrip('/')}"

    @property
    def log_path(self):
        return os.path.join(self.directory, ".requests.log")

    def requests(self):
        """Every request so far: dicts with method, path and headers."""
        try:
            with open(self.log_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def clear_requests(self):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.log_path)

    def set_sidecar(self, path, **conf):
        """Writes <path>.headers (fault injection / extra headers) for a served file."""
        with open(os.path.join(self.directory, path.lstrip("/")) + ".headers", "w") as f:
            json.dump(conf, f)


@contextlib.contextmanager
def serve(directory, tls=None, port=0, prefix=()):
    """tls: None for plain HTTP, or a (certfile, keyfile) pair. port: 0 for
    one the OS picks. prefix: a command to run the server under (e.g.
    `ip netns exec NS`)."""
    cmd = [*prefix, sys.executable, HTTPD, str(directory), "--port", str(port)]
    if tls:
        cmd += ["--cert", str(tls[0]), "--key", str(tls[1])]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"httpd.py did not start: {line!r}")
        yield Server(str(directory), int(line.split()[1]), tls)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
