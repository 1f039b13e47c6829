"""Pods: real namespaces, overlayfs and processes, driven through the CLI."""
import contextlib
import fcntl
import glob
import json
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import threading
import time

import pytest

from conftest import pod_image

INSECURE = "--insecure-options=image"


def run_pod(pods, *args, check=True, timeout=60):
    return pods.run(INSECURE, "run", *args, check=check)


def reports(stdout, prefixed=False):
    """The probe's JSON reports in a pod's output: {app: report} when the
    output is prefixed with app names, else a list."""
    found = {} if prefixed else []
    for line in stdout.splitlines():
        app, _, rest = line.partition(": ") if prefixed else ("", "", line)
        if rest.startswith("{"):
            if prefixed:
                found[app] = json.loads(rest)
            else:
                found.append(json.loads(rest))
    return found


@contextlib.contextmanager
def running(pods, orbit, uuid):
    """`orbit run-prepared UUID` in the background, ready; stopped and waited
    for on the way out, whatever happened."""
    proc = subprocess.Popen([orbit.path, "--dir", pods.path, "run-prepared", uuid],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pods.run("status", "--wait-ready=10s", uuid)
        yield proc
    finally:
        if proc.poll() is None:
            pods.run("stop", uuid, check=False)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def prepared(pods, orbit, tmp_path, *exec_):
    image = pod_image(orbit, tmp_path, exec_=exec_ or ("/bin/orbit-probe", "sleep", "30"))
    return pods.run(INSECURE, "prepare", image).stdout.strip()


def test_single_app_environment(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path)
    p = run_pod(pods, image)
    [r] = reports(p.stdout)
    env = r["env"]
    assert env["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert env["AC_APP_NAME"] == "probe" and env["container"] == "orbit"
    assert r["uid"] == 0 and r["gid"] == 0 and r["cwd"] == "/"
    host = os.readlink("/proc/self/ns/pid")
    assert r["ns"]["pid"] != host and r["ns"]["mnt"] != os.readlink("/proc/self/ns/mnt")
    assert r["ns"]["uts"] != os.readlink("/proc/self/ns/uts")
    assert r["ns"]["ipc"] != os.readlink("/proc/self/ns/ipc")
    assert r["hostname"].startswith("orbit-")
    targets = {m["target"] for m in r["mounts"]}
    assert {"/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/sys"} <= targets
    [uuid] = pods.uuids()
    s = pods.status(uuid)
    assert s["state"] == "exited" and s["apps"][0]["exit_code"] == 0
    assert s["apps"][0]["name"] == "probe" and s["apps"][0]["image_id"].startswith("sha512-")


def test_two_apps_share_pid_ipc_uts_and_a_volume(pods, orbit, tmp_path):
    first = pod_image(orbit, tmp_path, name="example.com/first",
                      exec_=("/bin/sh", "-c", "/bin/orbit-probe append /data/hello first && "
                             "/bin/orbit-probe wait /data/second 10 && /bin/orbit-probe"))
    second = pod_image(orbit, tmp_path, name="example.com/second",
                       exec_=("/bin/sh", "-c", "/bin/orbit-probe wait /data/hello 10 && "
                              "/bin/orbit-probe append /data/second x && /bin/orbit-probe"))
    p = run_pod(pods, "--volume=data,kind=empty", first, "--mount=volume=data,target=/data",
                "---", second, "--mount=volume=data,target=/data")
    r = reports(p.stdout, prefixed=True)
    assert set(r) == {"first", "second"}
    for ns in ("pid", "ipc", "uts", "net"):
        assert r["first"]["ns"][ns] == r["second"]["ns"][ns], ns
    assert r["first"]["ns"]["mnt"] != r["second"]["ns"]["mnt"]
    assert r["first"]["env"]["AC_APP_NAME"] == "first"


def test_pid_namespace_is_shared(pods, orbit, tmp_path):
    sleeper = pod_image(orbit, tmp_path, name="example.com/sleeper",
                        exec_=("/bin/orbit-probe", "sleep", "3"))
    looker = pod_image(orbit, tmp_path, name="example.com/looker",
                       exec_=("/bin/sh", "-c", "sleep 0.5; ps -o comm"))
    p = run_pod(pods, sleeper, looker)
    seen = [l.split(": ", 1)[1] for l in p.stdout.splitlines() if l.startswith("looker: ")]
    assert "orbit-probe" in seen, p.stdout


@pytest.mark.parametrize("args, code", [(("exit", "3"), 3), (("signal", "11"), 139),
                                        (("signal", "9"), 137)])
def test_exit_codes(pods, orbit, tmp_path, args, code):
    image = pod_image(orbit, tmp_path, exec_=("/bin/orbit-probe", *args))
    p = run_pod(pods, image, check=False)
    assert p.returncode == code
    [uuid] = pods.uuids()
    assert pods.status(uuid)["apps"][0]["exit_code"] == code
    assert f"app-probe={code}" in pods.run("status", uuid).stdout


def test_event_handlers_run_in_order(pods, orbit, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    image = pod_image(orbit, tmp_path, exec_=("/bin/orbit-probe", "append", "/out/order", "main"),
                      app={"eventHandlers": [
                          {"name": "pre-start",
                           "exec": ["/bin/orbit-probe", "append", "/out/order", "pre"]},
                          {"name": "post-stop",
                           "exec": ["/bin/orbit-probe", "append", "/out/order", "post"]}]})
    run_pod(pods, f"--volume=out,kind=host,source={shared}", image,
            "--mount=volume=out,target=/out")
    assert (shared / "order").read_text() == "pre\nmain\npost\n"


def test_user_and_group_forms(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path, files={"bin/owned": b"x"})
    cases = [(("--user=1000", "--group=1000"), 1000, 1000),
             (("--user=app", "--group=extra"), 1000, 2000),
             (("--user=0", "--group=0", "--supplementary-gids=10,20"), 0, 0)]
    for flags, uid, gid in cases:
        [r] = reports(run_pod(pods, image, *flags).stdout)
        assert (r["uid"], r["gid"]) == (uid, gid), flags
    [r] = reports(run_pod(pods, image, "--supplementary-gids=10,20").stdout)
    assert {10, 20} <= set(r["groups"])


def test_bad_apps_fail_before_anything_starts(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path)
    cases = {  # flag: what the error must name, besides the app
        "--user=nobody-here": "nobody-here",
        "--working-dir=/no/such/dir": "/no/such/dir",
        "--exec=/bin/not-there": "/bin/not-there",
        "--mount=volume=nope,target=/x": "nope",
    }
    for flag, named in cases.items():
        p = run_pod(pods, image, flag, check=False)
        assert p.returncode != 0 and named in p.stderr, (flag, p.stderr)
        assert "probe" in p.stderr, p.stderr
    p = run_pod(pods, f"--volume=v,kind=host,source={tmp_path}/missing", image,
                "--mount=volume=v,target=/v", check=False)
    assert p.returncode != 0 and "missing" in p.stderr
    p = run_pod(pods, image, "---", image, check=False)
    assert p.returncode != 0 and "duplicate" in p.stderr
    p = pods.run(INSECURE, "run", "--pull-policy=never", "example.com/not-stored", check=False)
    assert p.returncode != 0 and "example.com/not-stored" in p.stderr
    states = [json.loads(pods.run("status", "--format=json", u).stdout)["state"]
              for u in pods.uuids()]
    assert "running" not in states


def test_prepare_run_prepared_status_stop_rm(pods, orbit, tmp_path):
    """The sequence Nomad's rkt driver drives."""
    image = pod_image(orbit, tmp_path, exec_=("/bin/orbit-probe", "sleep", "60"))
    out = pods.run(INSECURE, "prepare", "--set-env=FROM=nomad", image, "--memory=512M",
                   "--cpu=500m").stdout
    uuid = out.strip()
    assert len(uuid) == 36 and out == uuid + "\n", "prepare prints only the UUID"
    assert pods.status(uuid)["state"] == "prepared"
    proc = subprocess.Popen([orbit.path, "--dir", pods.path, "run-prepared", uuid],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pods.run("status", "--wait-ready=10s", uuid)
        s = pods.status(uuid)
        assert s["state"] == "running" and s["pid"] > 0 and "networks" in s
        assert s["apps"][0]["state"] == "running"
        m = json.loads(pods.run("cat-manifest", uuid).stdout)
        isolators = {i["name"]: i["value"] for i in m["apps"][0]["app"]["isolators"]}
        assert isolators["resource/memory"]["limit"] == "512M"
        assert isolators["resource/cpu"]["limit"] == "500m"
        e = pods.run("enter", uuid, "/bin/orbit-probe")
        r = json.loads(e.stdout)
        assert r["env"]["FROM"] == "nomad"
        assert r["ns"]["pid"] == json.loads(pods.run("enter", uuid, "/bin/orbit-probe").stdout)["ns"]["pid"]
        assert pods.run("stop", uuid).stdout.strip() == uuid
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert pods.status(uuid)["state"] == "exited"
    assert pods.run("rm", uuid[:8]).stdout.strip() == uuid
    assert pods.uuids() == []


def test_sigterm_stops_cleanly_and_post_stop_runs(pods, orbit, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    image = pod_image(orbit, tmp_path, exec_=("/bin/orbit-probe", "sleep", "60"),
                      app={"eventHandlers": [{"name": "post-stop", "exec": [
                          "/bin/orbit-probe", "append", "/out/post", "ran"]}]})
    proc = subprocess.Popen([orbit.path, "--dir", pods.path, INSECURE, "run",
                             f"--volume=out,kind=host,source={shared}", image,
                             "--mount=volume=out,target=/out"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline and not pods.uuids():
        time.sleep(0.05)
    [uuid] = pods.uuids()
    pods.run("status", "--wait-ready=10s", uuid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    assert (shared / "post").read_text() == "ran\n"
    assert pods.status(uuid)["state"] == "exited"


def test_sigterm_during_setup_is_not_success(pods, orbit, tmp_path):
    """A pod stopped by SIGTERM exits 143 whether its apps had started (they
    end by the signal) or not (stopped while its 30 apps were being set up:
    it did not do its work)."""
    image = pod_image(orbit, tmp_path, exec_=("/bin/orbit-probe", "sleep", "60"))
    apps = []
    for i in range(30):
        apps += ["---"] * (i > 0) + [image, f"--name=a{i}"]
    uuid = pods.run(INSECURE, "prepare", *apps).stdout.strip()
    proc = subprocess.Popen([orbit.path, "--dir", pods.path, "run-prepared", uuid],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline and pods.status(uuid).get("pid", 0) <= 0:
        time.sleep(0.001)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert pods.status(uuid)["state"] == "exited"


def test_kill_9_of_the_supervisor_then_gc(pods, orbit, tmp_path):
    uuid = prepared(pods, orbit, tmp_path, "/bin/orbit-probe", "sleep", "60")
    with running(pods, orbit, uuid) as proc:
        os.kill(pods.status(uuid)["pid"], signal.SIGKILL)
        proc.wait(timeout=20)
    pods.run("status", "--wait=10s", uuid)
    assert pods.status(uuid)["state"] == "exited"
    out = pods.run("gc", "--grace-period=0").stdout
    assert uuid in out
    assert pods.uuids() == []


def test_after_a_crash_of_everything_like_a_reboot(pods, orbit, tmp_path):
    """kill -9 of `orbit run-prepared` takes the whole pod (no process, no
    mount left, as after a reboot) and leaves its directory saying running,
    with a pid that another process may hold by then: the lock tells the
    truth, and gc removes the pod without touching that process."""
    uuid = prepared(pods, orbit, tmp_path, "/bin/orbit-probe", "sleep", "60")
    with running(pods, orbit, uuid) as proc:
        proc.kill()
        proc.wait(timeout=20)
    [pid_file] = glob.glob(f"{pods.path}/pods/*/{uuid}/pid")
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        with open(pid_file, "w") as f:
            f.write(f"{bystander.pid} 1\n")
        pods.run("status", "--wait=10s", uuid)
        assert pods.status(uuid)["state"] == "exited"
        assert uuid in pods.run("gc", "--grace-period=0").stdout
        assert pods.uuids() == []
        assert bystander.poll() is None, "gc must not signal a process that reused the pid"
    finally:
        bystander.kill()
        bystander.wait()


def test_logs_are_kept(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path, exec_=("/bin/sh", "-c", "echo out-line; echo err-line >&2"))
    p = run_pod(pods, image)
    assert "out-line" in p.stdout and "err-line" in p.stderr
    [uuid] = pods.uuids()
    logs = pods.run("logs", uuid).stdout
    assert "out-line" in logs and "err-line" in logs


def test_readonly_rootfs_and_hostname_and_env(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path, exec_=("/bin/sh", "-c",
                      "touch /x 2>/dev/null && echo writable || echo readonly; hostname; "
                      "echo $LAYER"),
                      app={"environment": [{"name": "LAYER", "value": "image"}]})
    p = run_pod(pods, "--hostname=podhost", "--set-env=LAYER=set-env", image,
                "--readonly-rootfs", "--environment=LAYER=app")
    assert p.stdout.split() == ["readonly", "podhost", "app"]


def test_export_an_exited_app(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path, exec_=("/bin/sh", "-c", "echo changed > /etc/made-here"))
    run_pod(pods, image)
    [uuid] = pods.uuids()
    out = tmp_path / "exported.aci"
    pods.run("export", uuid, str(out))
    orbit.run("image", "validate", out)
    listing = subprocess.run(["bsdtar", "-tf", str(out)], capture_output=True, text=True).stdout
    assert "rootfs/etc/made-here" in listing and "rootfs/bin/busybox" in listing
    # an error in the export's own process comes back whole, naming the file
    [tree_file] = glob.glob(f"{pods.path}/pods/*/{uuid}/apps/*/tree")
    with open(tree_file, "w") as f:
        f.write("/x,lowerdir=/etc\n")
    p = pods.run("export", "--overwrite", uuid, str(out), check=False)
    assert p.returncode != 0
    assert f"{tree_file}: not an absolute path usable by overlayfs" in p.stderr


def test_relative_data_dir(orbit, tmp_path):
    """--dir may be relative: the pod's recorded paths are made absolute."""
    image = pod_image(orbit, tmp_path, exec_=("/bin/orbit-probe", "exit", "0"))
    p = subprocess.run([orbit.path, "--dir=rel-data", INSECURE, "run", image], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    subprocess.run([orbit.path, "--dir=rel-data", "gc", "--grace-period=0"], cwd=tmp_path,
                   check=True, capture_output=True)


def test_run_a_pod_manifest(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path, exec_=("/bin/orbit-probe",))
    [image_id] = pods.fetch(image)
    manifest = {
        "acKind": "PodManifest", "acVersion": "0.8.11",
        "apps": [{"name": "from-manifest", "image": {"id": image_id},
                  "app": {"exec": ["/bin/orbit-probe"], "user": "1000", "group": "1000",
                          "environment": [{"name": "FROM", "value": "manifest"}]}}],
        "volumes": [], "isolators": [], "annotations": [], "ports": []}
    path = tmp_path / "pod.json"
    path.write_text(json.dumps(manifest))
    [r] = reports(pods.run("run", f"--pod-manifest={path}").stdout)
    assert r["env"]["AC_APP_NAME"] == "from-manifest" and r["env"]["FROM"] == "manifest"
    assert r["uid"] == 1000


def test_uuid_files_and_logs_follow(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path, exec_=("/bin/sh", "-c",
                                              "for i in 1 2 3; do echo tick $i; sleep 0.2; done"))
    saved = tmp_path / "uuid"
    uuid = pods.run(INSECURE, "prepare", f"--uuid-file-save={saved}", image).stdout.strip()
    assert saved.read_text().strip() == uuid
    assert json.loads(pods.run("status", "--format=json", f"--uuid-file={saved}").stdout)[
        "name"] == uuid
    with running(pods, orbit, uuid) as proc:
        followed = pods.run("logs", "--follow", uuid).stdout
        assert followed.split() == ["tick", "1", "tick", "2", "tick", "3"]
        proc.wait(timeout=20)
    assert pods.run("cat-manifest", f"--uuid-file={saved}").stdout.strip().startswith("{")
    assert pods.run("rm", f"--uuid-file={saved}").stdout.strip() == uuid


DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
                "CAP_KILL", "CAP_MKNOD", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE", "CAP_SETUID",
                "CAP_SETGID", "CAP_SETPCAP", "CAP_SETFCAP", "CAP_SYS_CHROOT"]
CAP_BITS = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_FSETID": 4,
            "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8,
            "CAP_NET_BIND_SERVICE": 10, "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18,
            "CAP_MKNOD": 27, "CAP_AUDIT_WRITE": 29, "CAP_SETFCAP": 31}


def caps(stdout):
    found = {}
    for line in stdout.splitlines():
        key, _, value = line.partition(":")
        if key.startswith("Cap"):
            found[key] = int(value.strip(), 16)
    return found


def test_apps_get_the_default_capabilities_only(pods, orbit, tmp_path):
    """A root app keeps the spec's 14 default capabilities and nothing else:
    no way to the host through /proc/1/root, no mounts."""
    image = pod_image(orbit, tmp_path, exec_=(
        "/bin/sh", "-c", "grep ^Cap /proc/self/status; "
        "cat /proc/1/root/etc/hostname >/dev/null 2>&1 && echo ESCAPED; "
        "mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED; true"))
    out = run_pod(pods, image).stdout
    default = sum(1 << CAP_BITS[c] for c in DEFAULT_CAPS)
    c = caps(out)
    assert c["CapBnd"] == default and c["CapEff"] == default and c["CapAmb"] == 0
    assert "ESCAPED" not in out and "MOUNTED" not in out
    c = caps(run_pod(pods, image, "--caps-retain=CAP_NET_BIND_SERVICE,CAP_CHOWN").stdout)
    assert c["CapBnd"] == c["CapEff"] == (1 << 10) | 1
    c = caps(run_pod(pods, image, "--caps-remove=CAP_MKNOD,CAP_SYS_ADMIN").stdout)
    assert c["CapBnd"] == default & ~(1 << 27)
    c = caps(run_pod(pods, image, "--user=1000", "--group=1000").stdout)
    assert c["CapEff"] == 0 and c["CapPrm"] == 0


def test_enter_is_confined_like_the_app(pods, orbit, tmp_path):
    uuid = prepared(pods, orbit, tmp_path)
    with running(pods, orbit, uuid):
        out = pods.run("enter", uuid, "/bin/sh", "-c", "grep ^Cap /proc/self/status").stdout
        assert caps(out)["CapBnd"] == sum(1 << CAP_BITS[c] for c in DEFAULT_CAPS)
        p = pods.run("enter", uuid, "/bin/cat", "/proc/1/root/etc/hostname", check=False)
        assert p.returncode != 0


@pytest.mark.parametrize("overlay", [True, False])
def test_device_nodes_of_an_image_do_nothing(pods, orbit, tmp_path, overlay):
    """An image may ship device nodes; in the app's root they cannot be
    opened (the roots are nodev), with or without the overlay."""
    import stat as st
    image = pod_image(orbit, tmp_path, exec_=(
        "/bin/sh", "-c", "echo x > /mynull 2>/dev/null && echo OPENED; true"))
    # the image again, with a world-writable /dev/null twin in its root
    work = tmp_path / "dev-layout"
    os.makedirs(work)
    subprocess.run(["bsdtar", "-xpf", image, "-C", str(work)], check=True)
    os.mknod(work / "rootfs" / "mynull", 0o666 | st.S_IFCHR, os.makedev(1, 3))
    rebuilt = tmp_path / "with-dev.aci"
    orbit.run("image", "build", "--overwrite", str(work), str(rebuilt))
    flags = () if overlay else ("--no-overlay",)
    out = run_pod(pods, *flags, str(rebuilt), "--user=1000", "--group=1000").stdout
    assert "OPENED" not in out


def test_enter_errors(pods, orbit, tmp_path):
    uuid = prepared(pods, orbit, tmp_path)
    p = pods.fails("enter", uuid, "/bin/true")
    assert "not running" in p.stderr
    with running(pods, orbit, uuid):
        p = pods.fails("enter", "--app=nope", uuid, "/bin/true")
        assert "no app nope" in p.stderr and "probe" in p.stderr
        p = pods.fails("enter", uuid, "/bin/not-there")
        assert "/bin/not-there" in p.stderr
        assert pods.run("enter", uuid, "/bin/orbit-probe", "exit", "7", check=False).returncode == 7


def test_pid_1_is_the_small_orbit_init(pods, orbit, tmp_path):
    """Once set up, the pod's pid 1 is orbit-init (beside orbit), not a copy
    of orbit: its own small static program, not dumpable, holding the pod's
    lock and nothing of orbit's."""
    uuid = prepared(pods, orbit, tmp_path)
    with running(pods, orbit, uuid) as proc:
        pid = pods.status(uuid)["pid"]
        init = os.path.join(os.path.dirname(os.path.realpath(orbit.path)), "orbit-init")
        assert os.readlink(f"/proc/{pid}/exe") == init
        status = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status"))
        assert int(status["PPid"]) == proc.pid
        maps = open(f"/proc/{pid}/maps").read()
        assert "libjansson" not in maps and "libsqlite3" not in maps
        # not dumpable: an app cannot open pid 1's /proc files
        out = pods.run("enter", uuid, "/bin/sh", "-c",
                       "cat /proc/1/environ >/dev/null 2>&1 && echo readable; "
                       "ls -l /proc/1/exe 2>&1", check=False).stdout
        assert "readable" not in out and "orbit-init" not in out
        # every fd it holds is close-on-exec
        for fd in os.listdir(f"/proc/{pid}/fdinfo"):
            flags = open(f"/proc/{pid}/fdinfo/{fd}").read().split("flags:")[1].split()[0]
            assert int(flags, 8) & os.O_CLOEXEC or int(fd) <= 2, f"fd {fd} of pid 1 leaks"
        assert pods.status(uuid)["state"] == "running"
    assert pods.status(uuid)["state"] == "exited"


@pytest.mark.parametrize("damage", ["missing", "world-writable"])
def test_orbit_init_missing_or_unsafe_is_a_clear_error(pods, orbit, tmp_path, damage):
    image = pod_image(orbit, tmp_path)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    copy = bindir / "orbit"
    subprocess.run(["cp", orbit.path, copy], check=True)
    init = os.path.join(os.path.dirname(os.path.realpath(orbit.path)), "orbit-init")
    installed = os.path.exists("/usr/local/libexec/orbit/orbit-init")
    if damage == "world-writable":
        subprocess.run(["cp", init, bindir / "orbit-init"], check=True)
        os.chmod(bindir / "orbit-init", 0o777)
    elif installed:
        pytest.skip("an installed orbit-init would be found")
    uuid = pods.run(INSECURE, "prepare", image).stdout.strip()
    p = subprocess.run([copy, "--dir", pods.path, "run-prepared", uuid], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0
    if damage == "missing":
        assert f"orbit-init not found beside orbit ({bindir}/orbit-init)" in p.stderr
    else:
        assert f"{bindir}/orbit-init: must be owned by root (or us) and writable by no one " \
            "else but root's group" in p.stderr
    assert pods.status(uuid)["state"] in ("exited", "exited garbage")


def read_until_exit(fd, proc, timeout=30):
    """Everything the terminal shows until proc exits (then what is left)."""
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:  # EIO: no one has the terminal open any more
                break
        elif proc.poll() is not None:
            break
    return out.decode(errors="replace")


def test_interactive_app_gets_a_terminal_of_its_own(pods, orbit, tmp_path):
    """--interactive on a terminal: the app's stdin/stdout are a pty of the
    pod (its /dev/console), sized like ours, with job control; keys reach it
    raw (^C interrupts the app's foreground job, not the pod); our terminal
    is restored afterwards."""
    image = pod_image(orbit, tmp_path, exec_=("/bin/sh",))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen([orbit.path, "--dir", pods.path, INSECURE, "run", "--interactive",
                             image], stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    try:
        os.write(master, b"tty; stty size; echo pid=$$\n")
        os.write(master, b"sleep 30\n")
        time.sleep(1)
        os.write(master, b"\x03")  # ^C: ends the sleep, the shell and pod go on
        os.write(master, b"echo after-interrupt; exit 7\n")
        out = read_until_exit(master, proc)
        assert proc.wait(timeout=30) == 7, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "/dev/console" in out and "33 101" in out and "after-interrupt" in out, out
    assert "pid=1" not in out  # the supervisor is pid 1, the shell is not
    assert termios.tcgetattr(slave) == before, "the terminal was not restored"
    os.close(slave)
    os.close(master)
    [uuid] = pods.uuids()
    assert pods.status(uuid)["apps"][0]["exit_code"] == 7


def test_interactive_without_a_terminal_passes_our_streams(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path, exec_=("/bin/sh",))
    p = subprocess.run([orbit.path, "--dir", pods.path, INSECURE, "run", "--interactive", image],
                       input="echo from-stdin; [ -t 0 ] || echo no-tty; exit 4\n",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 4, p.stderr
    assert p.stdout == "from-stdin\nno-tty\n"


def test_a_reader_that_stops_reading_does_not_stop_the_pod(pods, orbit, tmp_path):
    """orbit's stdout is a pipe nobody reads: the app still writes all its
    output (into its log), the pod still stops on request, and orbit says how
    much of the copy it dropped."""
    image = pod_image(orbit, tmp_path, exec_=(
        "/bin/sh", "-c", "i=0; while [ $i -lt 40000 ]; do "
        "echo line-$i-0123456789012345678901234567890123456789; i=$((i+1)); done; "
        "echo done-writing; exec sleep 60"))
    uuid = pods.run(INSECURE, "prepare", image).stdout.strip()
    err = tmp_path / "stderr"
    with open(err, "w") as e:
        proc = subprocess.Popen([orbit.path, "--dir", pods.path, "run-prepared", uuid],
                                stdout=subprocess.PIPE, stderr=e)
        try:
            deadline = time.time() + 30
            while time.time() < deadline:
                if "done-writing" in pods.run("logs", uuid).stdout:
                    break
                time.sleep(0.2)
            assert pods.run("stop", uuid).returncode == 0
            assert proc.wait(timeout=30) == 143
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
    logs = pods.run("logs", uuid).stdout.splitlines()
    assert logs[-1] == "done-writing" and len(logs) == 40001
    assert "bytes of the apps' output were not copied to stdout" in err.read_text()


def interactive(orbit, pods, image):
    """`orbit run --interactive IMAGE` on a new terminal: (proc, our end)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([orbit.path, "--dir", pods.path, INSECURE, "run", "--interactive",
                             image], stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    return proc, master


def test_interactive_output_of_every_process_reaches_the_terminal(pods, orbit, tmp_path):
    image = pod_image(orbit, tmp_path, exec_=("/bin/sh", "-c", "sleep 0.5; echo main-out; exit 5"),
                      app={"eventHandlers": [{"name": "pre-start",
                                              "exec": ["/bin/sh", "-c", "echo pre-out"]}]})
    proc, master = interactive(orbit, pods, image)
    try:
        out = read_until_exit(master, proc)
        assert proc.wait(timeout=30) == 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert "pre-out" in out and "main-out" in out, out


def test_interactive_input_is_never_dropped(pods, orbit, tmp_path):
    """A paste larger than any buffer while the app is busy: all of it
    arrives, the terminal holding back what the app has not taken yet."""
    size = 200000
    image = pod_image(orbit, tmp_path, exec_=(
        "/bin/sh", "-c", f"stty raw -echo; echo ready; sleep 2; head -c {size} | wc -c"))
    proc, master = interactive(orbit, pods, image)

    def paste():
        data = b"x" * size
        while data:
            try:
                data = data[os.write(master, data[:4096]):]
            except OSError:
                return

    writer = threading.Thread(target=paste, daemon=True)
    try:
        seen = b""
        deadline = time.monotonic() + 30
        while b"ready" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                seen += os.read(master, 4096)
        writer.start()
        out = read_until_exit(master, proc)
        assert proc.wait(timeout=30) == 0, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if writer.is_alive():
            writer.join(timeout=10)
        os.close(master)
    assert str(size) in out, out


def test_interactive_terminal_goes_raw_again_after_a_stop(pods, orbit, tmp_path):
    """kill -STOP, the shell takes the terminal back to its mode, kill -CONT:
    orbit makes it raw again, as the app's pty needs."""
    image = pod_image(orbit, tmp_path, exec_=("/bin/sh", "-c", "echo ready; sleep 30"))
    master, slave = pty.openpty()
    cooked = termios.tcgetattr(slave)
    proc = subprocess.Popen([orbit.path, "--dir", pods.path, INSECURE, "run", "--interactive",
                             image], stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    try:
        seen = b""
        deadline = time.monotonic() + 30
        while b"ready" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                seen += os.read(master, 4096)
        assert not termios.tcgetattr(slave)[3] & termios.ICANON
        os.kill(proc.pid, signal.SIGSTOP)
        termios.tcsetattr(slave, termios.TCSANOW, cooked)
        os.kill(proc.pid, signal.SIGCONT)
        deadline = time.monotonic() + 10
        while termios.tcgetattr(slave)[3] & termios.ICANON and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not termios.tcgetattr(slave)[3] & termios.ICANON, "not raw again"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert termios.tcgetattr(slave) == cooked
    os.close(slave)
    os.close(master)
