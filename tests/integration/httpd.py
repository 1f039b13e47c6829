#!/usr/bin/python3
"""A small HTTP(S) server for the tests: serves a directory on 127.0.0.1 with
strong ETags, Last-Modified, conditional requests and single ranges, and
injects faults configured per file by a sidecar `<name>.headers` JSON object.

Sidecar keys (all optional; any other key is sent as an extra header):
  status            answer this status instead of the file
  status_sequence   successive requests get these statuses (200 = normal),
                    then normal
  redirect          answer 302 to this location
  basic_auth        "user:pass" required (401 with WWW-Authenticate otherwise)
  bearer            "token" required as "Authorization: Bearer token" (401
                    otherwise); with basic_auth, either is accepted
  drop_after        send the headers with the full Content-Length, then close
                    after this many body bytes (first request only unless
                    drop_every_time is true)
  extra_bytes       send this many bytes past Content-Length, then close
  slow              seconds to wait per 64 KiB of body

A request with the query ac-discovery=1 for /PATH is answered with the file
PATH.discovery.html (for the host root, .discovery.html).

Prints "PORT <n>" on stdout at startup; every request is appended to
<dir>/.requests.log as one JSON object per line, with the request's Range,
If-None-Match, If-Range, Authorization and User-Agent headers. Stops cleanly on SIGTERM.
"""
import argparse
import base64
import email.utils
import hashlib
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL_KEYS = {"status", "status_sequence", "redirect", "basic_auth", "bearer", "drop_after",
                "drop_every_time", "extra_bytes", "slow"}
LOGGED_HEADERS = ("Range", "If-None-Match", "If-Range", "Authorization", "User-Agent")
CHUNK = 65536


class State:
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.lock = threading.Lock()
        self.counts = {}

    def count(self, path):
        """Number of requests seen for path, this one included."""
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            return self.counts[path]

    def log(self, entry):
        with self.lock:
            with open(os.path.join(self.root, ".requests.log"), "a") as f:
                f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "orbit-test-httpd"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):
        self.handle_request(head=False)

    def do_HEAD(self):
        self.handle_request(head=True)

    # --- request handling -------------------------------------------------

    def handle_request(self, head):
        state = self.server.state
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        if "ac-discovery=1" in url.query.split("&"):
            # the discovery page of a name: <path>.discovery.html (the host
            # root's is /.discovery.html)
            path = path.rstrip("/") + (".discovery.html" if path.strip("/") else "/.discovery.html")
        state.log({"method": self.command, "path": path,
                   "headers": {h: self.headers[h] for h in LOGGED_HEADERS if h in self.headers}})
        n = state.count(path)
        fs_path = os.path.realpath(os.path.join(state.root, path.lstrip("/")))
        if fs_path != state.root and not fs_path.startswith(state.root + os.sep):
            return self.send_simple(403)
        side = self.sidecar(fs_path)
        if side is None:
            return self.send_simple(500, b"bad sidecar\n")
        if ("basic_auth" in side or "bearer" in side) and not self.authorized(side):
            scheme = "Basic" if "basic_auth" in side else "Bearer"
            return self.send_simple(401, extra={"WWW-Authenticate": f'{scheme} realm="orbit-test"'})
        seq = side.get("status_sequence", [])
        if n <= len(seq) and seq[n - 1] != 200:
            return self.send_simple(seq[n - 1])
        if "redirect" in side:
            return self.send_simple(302, extra={"Location": side["redirect"]})
        if "status" in side and side["status"] != 200:
            return self.send_simple(side["status"])
        if not os.path.isfile(fs_path):
            return self.send_simple(404)
        self.send_file(fs_path, side, n, head)

    def sidecar(self, fs_path):
        try:
            with open(fs_path + ".headers") as f:
                side = json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return None
        return side if isinstance(side, dict) else None

    def authorized(self, side):
        wants = []
        if "basic_auth" in side:
            wants.append("Basic " + base64.b64encode(side["basic_auth"].encode()).decode())
        if "bearer" in side:
            wants.append("Bearer " + side["bearer"])
        return self.headers.get("Authorization") in wants

    def extra_headers(self, side):
        return {k: str(v) for k, v in side.items() if k not in CONTROL_KEYS}

    def send_simple(self, status, body=None, extra=None):
        if body is None:
            body = b"" if status in (204, 304) or status < 200 else f"status {status}\n".encode()
        self.send_response(status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    # --- files ------------------------------------------------------------

    def send_file(self, fs_path, side, n, head):
        with open(fs_path, "rb") as f:
            data = f.read()
        etag = '"' + hashlib.sha256(data).hexdigest() + '"'
        mtime = email.utils.formatdate(os.stat(fs_path).st_mtime, usegmt=True)
        common = {"ETag": etag, "Last-Modified": mtime, "Accept-Ranges": "bytes",
                  **self.extra_headers(side)}
        if self.none_match(etag):
            return self.send_simple(304, extra=common)
        status, start, end = self.pick_range(len(data), etag, mtime)
        if status == 416:
            return self.send_simple(416, extra={"Content-Range": f"bytes */{len(data)}"})
        body = data[start:end]
        self.send_response(status)
        for k, v in common.items():
            self.send_header(k, v)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        faulty = "extra_bytes" in side or ("drop_after" in side and
                                           (n == 1 or side.get("drop_every_time")))
        if faulty:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not head:
            self.send_body(body, side, n)

    def none_match(self, etag):
        inm = self.headers.get("If-None-Match")
        if not inm:
            return False
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or ("W/" + etag) in tags

    def pick_range(self, size, etag, mtime):
        """(status, start, end) for the request's Range (single ranges only)."""
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if not rng or (if_range and if_range not in (etag, mtime)):
            return 200, 0, size
        spec = rng.strip()
        if not spec.startswith("bytes=") or "," in spec:
            return 200, 0, size
        first, _, last = spec[6:].partition("-")
        try:
            if first == "":
                start, end = max(0, size - int(last)), size
            else:
                start = int(first)
                end = min(size, int(last) + 1) if last else size
        except ValueError:
            return 200, 0, size
        if start >= size or start >= end:
            return 416, 0, 0
        return 206, start, end

    def send_body(self, body, side, n):
        if "drop_after" in side and (n == 1 or side.get("drop_every_time")):
            self.write_slowly(body[:int(side["drop_after"])], side)
            self.abort_connection()
            return
        if "extra_bytes" in side:
            # one write so the padding arrives with the end of the body
            self.wfile.write(body + b"X" * int(side["extra_bytes"]))
            self.abort_connection()
            return
        self.write_slowly(body, side)

    def write_slowly(self, body, side):
        slow = float(side.get("slow", 0))
        if not slow:
            self.wfile.write(body)
            return
        for i in range(0, len(body), CHUNK):
            chunk = body[i:i + CHUNK]
            self.wfile.write(chunk)
            self.wfile.flush()
            time.sleep(slow * len(chunk) / CHUNK)

    def abort_connection(self):
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # clients hanging up mid-body are expected here (that is the point)
        if self.verbose:
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    server = Server((args.host, args.port), Handler)
    server.state = State(args.directory)
    server.verbose = args.verbose
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    print(f"PORT {server.server_address[1]}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
