"""The image store: fetch from files, image commands, crash safety."""
import hashlib
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import build_image, sha512_id, decompressed


def test_unsigned_image_needs_insecure_image(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/app")
    p = store.fails("fetch", aci)
    assert "--insecure-options=image" in p.stderr and aci in p.stderr
    assert store.images() == []


def test_fetch_file_keeps_the_file_byte_for_byte(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/app", compression="zstd")
    p = store.run("--insecure-options=image", "fetch", aci)
    assert "signature not verified" in p.stderr
    [image_id] = p.stdout.split()
    assert image_id == sha512_id(aci)
    [row] = store.images()
    assert row["name"] == "example.com/app" and row["labels"]["version"] == "1.0.0"
    assert row["compression"] == "zstd" and row["signed"] is False
    store.run("image", "export", image_id, tmp_path / "out.aci")
    assert open(tmp_path / "out.aci", "rb").read() == open(aci, "rb").read()
    store.run("image", "export", "--uncompressed", image_id, tmp_path / "out.tar")
    tar = open(tmp_path / "out.tar", "rb").read()
    assert "sha512-" + hashlib.sha512(tar).hexdigest() == image_id
    assert tar == decompressed(aci)


def test_signature_is_kept_beside_the_image(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/signed")
    with open(aci + ".asc", "w") as f:
        f.write("-----BEGIN PGP SIGNATURE-----\nnot checked yet\n-----END PGP SIGNATURE-----\n")
    p = store.fails("fetch", aci)
    assert "trusted" in p.stderr
    [image_id] = store.fetch(aci)
    assert store.images()[0]["signed"] is True
    store.run("image", "export", image_id, tmp_path / "copy.aci")
    assert open(tmp_path / "copy.aci.asc").read() == open(aci + ".asc").read()


def test_fetch_twice_keeps_one_copy(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/app")
    a = store.fetch(aci)
    b = store.fetch(aci)
    assert a == b and len(store.images()) == 1
    blobs = os.listdir(os.path.join(store.path, "images", "blobs"))
    assert len([b for b in blobs if b.endswith(".aci")]) == 1


def test_pull_policy_never(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/app")
    p = store.fails("fetch", "--pull-policy=never", aci)
    assert "pull policy never" in p.stderr
    [image_id] = store.fetch(aci)
    assert store.fetch("--pull-policy=never", aci) == [image_id]
    assert store.run("fetch", "--pull-policy=never", "example.com/app:1.0.0").stdout.split() \
        == [image_id]


def test_image_references(store, orbit, tmp_path):
    ids = [store.fetch(build_image(orbit, tmp_path, "example.com/app", version=f"1.{i}.0"))[0]
           for i in range(17)]
    by_hex = {}
    for i in ids:
        by_hex.setdefault(i[7], []).append(i)
    shared = next(group for group in by_hex.values() if len(group) > 1)
    p = store.fails("image", "cat-manifest", shared[0][:8])
    assert "ambiguous" in p.stderr
    for candidate in shared:
        assert candidate[:19] in p.stderr
    unique = ids[0][:30]
    assert json.loads(store.run("image", "cat-manifest", unique).stdout)["name"] == \
        "example.com/app"
    m = json.loads(store.run("image", "cat-manifest", "example.com/app:1.3.0").stdout)
    assert m["labels"][0]["value"] == "1.3.0"
    p = store.fails("image", "cat-manifest", "example.com/app:9.9.9")
    assert "example.com/app:9.9.9" in p.stderr
    # a name without version: the newest import
    m = json.loads(store.run("image", "cat-manifest", "example.com/app").stdout)
    assert m["labels"][0]["value"] == "1.16.0"


def test_image_list_formats(store, orbit, tmp_path):
    store.fetch(build_image(orbit, tmp_path, "example.com/one"),
                build_image(orbit, tmp_path, "example.com/two", version="2.0.0"))
    out = store.run("image", "list").stdout.splitlines()
    assert out[0].split()[:3] == ["ID", "NAME", "VERSION"]
    assert len(out) == 3 and any("example.com/two" in l and "2.0.0" in l for l in out)
    out = store.run("image", "list", "--no-legend", "--full", "--fields=id,name").stdout
    rows = [l.split() for l in out.splitlines()]
    assert all(len(r) == 2 and len(r[0]) == 135 for r in rows)
    pretty = store.run("image", "list", "--format=json-pretty").stdout
    assert len(json.loads(pretty)) == 2 and "\n    " in pretty
    p = store.fails("image", "list", "--fields=id,bogus")
    assert "bogus" in p.stderr


def test_extract_and_verify(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/app", files={"etc/hello": b"hi\n"})
    [image_id] = store.fetch(aci)
    store.run("image", "extract", image_id, tmp_path / "x")
    assert (tmp_path / "x" / "rootfs" / "etc" / "hello").read_text() == "hi\n"
    assert json.loads((tmp_path / "x" / "manifest").read_text())["name"] == "example.com/app"
    store.run("image", "extract", "--rootfs-only", image_id, tmp_path / "r")
    assert (tmp_path / "r" / "etc" / "hello").read_text() == "hi\n"
    p = store.fails("image", "extract", image_id, tmp_path / "r")
    assert "already exists" in p.stderr
    store.run("image", "extract", "--overwrite", "--rootfs-only", image_id, tmp_path / "r")
    # what a user does to the copy never reaches the store
    (tmp_path / "r" / "etc" / "hello").write_text("changed\n")
    assert "ok" in store.run("image", "verify", image_id).stdout
    blob = os.path.join(store.path, "images", "blobs", image_id + ".aci")
    with open(blob, "r+b") as f:
        f.seek(100)
        f.write(b"\x00\xff\x00\xff")
    p = store.fails("image", "verify", image_id)
    assert image_id in p.stderr


def test_rm_and_gc_respect_pods(store, orbit, tmp_path):
    [kept] = store.fetch(build_image(orbit, tmp_path, "example.com/kept"))
    [other] = store.fetch(build_image(orbit, tmp_path, "example.com/other"))
    pod = os.path.join(store.path, "pods", "run", "6733c088-a507-4694-aabf-edbe4fc5266f")
    os.makedirs(pod)
    with open(os.path.join(pod, "trees"), "w") as f:
        f.write(kept + "\n")  # a trivial render: the image's own tree
    p = store.fails("image", "rm", kept)
    assert "6733c088-a507-4694-aabf-edbe4fc5266f" in p.stderr
    out = store.run("image", "gc", "--grace-period=0").stdout
    assert "1 images" in out
    assert store.ids() == [kept]
    os.unlink(os.path.join(pod, "trees"))
    assert "removed " + kept in store.run("image", "rm", kept[:20]).stdout
    assert store.ids() == []
    assert os.listdir(os.path.join(store.path, "images", "trees")) == []
    assert [b for b in os.listdir(os.path.join(store.path, "images", "blobs"))] == []
    del other


def test_gc_grace_period_keeps_recent_images(store, orbit, tmp_path):
    store.fetch(build_image(orbit, tmp_path, "example.com/app"))
    store.run("image", "gc")  # default grace period: 24h
    assert len(store.images()) == 1
    p = store.fails("image", "gc", "--grace-period=soon")
    assert "duration" in p.stderr


def test_bad_archives_leave_the_store_as_it_was(store, orbit, tmp_path):
    from conftest import craft_tar, good_manifest_bytes
    [good] = store.fetch(build_image(orbit, tmp_path, "example.com/good"))
    before = store.images()
    cases = {
        "traversal": [("manifest", "file", good_manifest_bytes()), ("rootfs", "dir", None),
                      ("rootfs/../../../tmp/orbit-escape", "file", "x")],
        "symlink": [("manifest", "file", good_manifest_bytes()), ("rootfs", "dir", None),
                    ("rootfs/x", "symlink", "/tmp"), ("rootfs/x/orbit-escape", "file", "x")],
        "no manifest": [("rootfs", "dir", None)],
    }
    for what, entries in cases.items():
        bad = craft_tar(str(tmp_path / f"{what.replace(' ', '-')}.aci"), entries)
        p = store.fails("fetch", "--insecure-options=image", bad)
        assert bad in p.stderr, what
        assert store.images() == before, what
        assert store.tmp_leftovers() == [], what
    assert not os.path.exists("/tmp/orbit-escape")
    del good


def test_gzip_bomb_is_refused(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/bomb",
                      files={"zeros": bytes(8 * 1024 * 1024)})
    assert os.path.getsize(aci) < 100 * 1024
    p = store.fails("fetch", "--insecure-options=image", "--max-image-size=1Mi", aci)
    assert "limit" in p.stderr
    assert store.images() == [] and store.tmp_leftovers() == []


def test_concurrent_fetches_end_with_one_copy(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/big", files={
        f"f{i}": os.urandom(64 * 1024) for i in range(64)})
    procs = [subprocess.Popen([orbit.path, "--dir", store.path, "--insecure-options=image",
                               "fetch", aci], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert len({o[0].strip() for o in outs}) == 1
    assert len(store.images()) == 1 and store.tmp_leftovers() == []


def test_kill_during_fetch_leaves_a_consistent_store(store, orbit, tmp_path):
    aci = build_image(orbit, tmp_path, "example.com/big", files={
        f"f{i}": os.urandom(256 * 1024) for i in range(64)}, compression="xz")
    for delay in (0.05, 0.2, 0.4):
        p = subprocess.Popen([orbit.path, "--dir", store.path, "--insecure-options=image",
                              "fetch", aci], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        images = store.images()  # the next command cleans leftovers
        assert images == [] or [i["id"] for i in images] == [sha512_id(aci)]
        for i in images:
            assert "ok" in store.run("image", "verify", i["id"]).stdout
        assert store.tmp_leftovers() == []
    [image_id] = store.fetch(aci)
    assert "ok" in store.run("image", "verify", image_id).stdout


def no_openat2(orbit):
    build = os.path.dirname(os.path.dirname(os.path.dirname(orbit.path)))
    return os.path.join(build, "tests", "helpers", "no-openat2")


def test_import_without_openat2(store, orbit, tmp_path):
    """The fallback path resolution, forced by a seccomp filter that makes
    openat2 fail with ENOSYS, extracts the same tree and refuses the same
    escapes."""
    from conftest import craft_tar, good_manifest_bytes
    helper = no_openat2(orbit)
    assert os.access(helper, os.X_OK), helper
    aci = build_image(orbit, tmp_path, "example.com/app",
                      files={"a/b/c": b"deep\n", "etc/x": b"x\n"})
    p = orbit.run("--dir", store.path, "--insecure-options=image", "fetch", aci,
                  prefix=(helper,))
    [image_id] = p.stdout.split()
    store.run("image", "extract", "--rootfs-only", image_id, tmp_path / "out")
    assert (tmp_path / "out" / "a" / "b" / "c").read_text() == "deep\n"
    bad = craft_tar(str(tmp_path / "bad.aci"), [
        ("manifest", "file", good_manifest_bytes(name="example.com/bad")), ("rootfs", "dir", None),
        ("rootfs/x", "symlink", "/tmp"), ("rootfs/x/orbit-escape-fallback", "file", "x")])
    p = orbit.run("--dir", store.path, "--insecure-options=image", "fetch", bad, check=False,
                  prefix=(helper,))
    assert p.returncode != 0 and not os.path.exists("/tmp/orbit-escape-fallback")
    assert [i["id"] for i in store.images()] == [image_id]


def test_progress_bar_on_a_terminal_only(store, orbit, tmp_path):
    import pty
    aci = build_image(orbit, tmp_path, "example.com/app",
                      files={f"f{i}": os.urandom(512 * 1024) for i in range(8)})
    out = store.run("--insecure-options=image", "fetch", aci)
    assert "\r" not in out.stderr and "MiB" not in out.stderr
    store.run("image", "rm", "example.com/app")
    main, secondary = pty.openpty()
    p = subprocess.run([orbit.path, "--dir", store.path, "--insecure-options=image", "fetch", aci],
                       stdout=subprocess.PIPE, stderr=secondary, text=True, timeout=60)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert p.returncode == 0 and p.stdout.startswith("sha512-")
    assert b"import" in shown and b"/s" in shown, shown


@pytest.mark.parametrize("command", ["rm", "gc"])
def test_kill_during_rm_or_gc_leaves_a_consistent_store(store, orbit, tmp_path, command):
    aci = build_image(orbit, tmp_path, "example.com/big",
                      files={f"d{i}/f{j}": b"x" * 1024 for i in range(40) for j in range(50)})
    for delay in (0.001, 0.01, 0.03):
        [image_id] = store.fetch(aci)
        args = ["image", "rm", image_id] if command == "rm" else \
            ["image", "gc", "--grace-period=0"]
        p = subprocess.Popen([orbit.path, "--dir", store.path, *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        for image in store.images():
            assert "ok" in store.run("image", "verify", image["id"]).stdout
        store.run("image", "gc", "--grace-period=0")
        assert store.images() == []
        for sub in ("trees", "blobs", "rendered", "tmp"):
            assert os.listdir(os.path.join(store.path, "images", sub)) == [], sub
