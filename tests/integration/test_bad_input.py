"""Bad input: one clear error naming the input and the reason, a non-zero
exit, and no output file left behind."""
import gzip
import json
import os
import stat
import subprocess
import tempfile

import pytest

from conftest import busybox_layout, craft_tar, good_manifest_bytes, leftovers, manifest


@pytest.fixture
def aci(orbit, busybox, tmp_path):
    path = str(tmp_path / "good.aci")
    orbit.run("image", "build", busybox, path)
    return path


def one_error(proc, *needles):
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one error line, got: {proc.stderr}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


COMMANDS = [("image", "validate"), ("image", "id"), ("image", "cat-manifest")]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_truncated_archive(orbit, aci, tmp_path, cmd):
    with open(aci, "rb") as f:
        data = f.read()
    bad = tmp_path / "truncated.aci"
    bad.write_bytes(data[: len(data) // 2])
    p = orbit.fails(*cmd, bad)
    line = one_error(p, str(bad))
    assert "truncated" in line or "unexpected end" in line or "corrupt" in line


@pytest.mark.parametrize("cmd", COMMANDS)
def test_corrupt_archive(orbit, aci, tmp_path, cmd):
    data = bytearray(open(aci, "rb").read())
    for i in range(200, min(len(data), 2000), 7):
        data[i] ^= 0x5A
    bad = tmp_path / "corrupt.aci"
    bad.write_bytes(bytes(data))
    p = orbit.fails(*cmd, bad)
    one_error(p, str(bad))


@pytest.mark.parametrize("cmd", COMMANDS)
def test_not_a_tar(orbit, tmp_path, cmd):
    bad = tmp_path / "random.aci"
    bad.write_bytes(os.urandom(4096))
    p = orbit.fails(*cmd, bad)
    one_error(p, str(bad), "unrecognised file type")
    gz = tmp_path / "notar.aci"
    gz.write_bytes(gzip.compress(b"this is gzip but not a tar archive\n" * 20))
    p = orbit.fails(*cmd, gz)
    one_error(p, str(gz))


def test_manifest_not_json(orbit, tmp_path):
    layout = busybox_layout(str(tmp_path / "layout"))
    with open(os.path.join(layout, "manifest"), "w") as f:
        f.write("{ this is not json")
    p = orbit.fails("image", "validate", layout)
    assert "manifest" in p.stderr and "line 1" in p.stderr
    p = orbit.fails("image", "build", layout, tmp_path / "out.aci")
    one_error(p, "manifest")
    assert not (tmp_path / "out.aci").exists()
    # and inside an archive
    bad = craft_tar(str(tmp_path / "nojson.aci"), [("manifest", "file", "{not json"),
                                                   ("rootfs", "dir", None)])
    p = orbit.fails("image", "validate", bad)
    assert "manifest" in p.stderr


def test_manifest_with_duplicate_keys(orbit, tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text('{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/a",'
                    '"name":"example.com/b"}')
    p = orbit.fails("image", "validate", path)
    assert "duplicate" in p.stderr and str(path) in p.stderr


def test_huge_manifest_file(orbit, tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.write(b'{"acKind": "ImageManifest", "padding": "' + b" " * 1024)
        f.truncate(1 << 30)  # sparse: 1 GiB
    p = orbit.fails("image", "validate", path)
    one_error(p, str(path), "limit")


def test_huge_manifest_entry_refused_by_its_header(orbit, tmp_path):
    """A tar header claiming a 1 GiB manifest: refused before reading it."""
    import tarfile
    path = tmp_path / "huge.aci"
    with open(path, "wb") as f:
        info = tarfile.TarInfo("manifest")
        info.size = 1 << 30
        f.write(info.tobuf(format=tarfile.USTAR_FORMAT))
        f.write(b"{" + b" " * 1023)
    for cmd in COMMANDS[:1] + COMMANDS[2:]:
        p = orbit.fails(*cmd, path)
        assert "limit" in p.stderr and str(path) in p.stderr


@pytest.mark.parametrize("name", ["../../etc/x", "/etc/x", "rootfs/../../etc/x", "rootfs/a/../../../x"])
def test_entry_escaping_the_image(orbit, tmp_path, name):
    bad = craft_tar(str(tmp_path / "escape.aci"), [
        ("manifest", "file", good_manifest_bytes()), ("rootfs", "dir", None),
        (name, "file", "evil")])
    p = orbit.fails("image", "validate", bad)
    assert "escapes the image" in p.stderr and str(bad) in p.stderr


def test_symlink_then_path_through_it(orbit, tmp_path):
    bad = craft_tar(str(tmp_path / "symlink.aci"), [
        ("manifest", "file", good_manifest_bytes()), ("rootfs", "dir", None),
        ("rootfs/x", "symlink", "/etc"), ("rootfs/x/passwd", "file", "root::0:0::/:/bin/sh")])
    p = orbit.fails("image", "validate", bad)
    assert "rootfs/x/passwd" in p.stderr and "symlink" in p.stderr


def test_archive_layout_rules(orbit, tmp_path):
    cases = {
        "extra top-level file": [("manifest", "file", good_manifest_bytes()),
                                 ("rootfs", "dir", None), ("etc/x", "file", "x")],
        "no rootfs": [("manifest", "file", good_manifest_bytes())],
        "rootfs not a dir": [("manifest", "file", good_manifest_bytes()),
                             ("rootfs", "file", "x")],
        "no manifest": [("rootfs", "dir", None), ("rootfs/a", "file", "a")],
        "duplicate": [("manifest", "file", good_manifest_bytes()), ("rootfs", "dir", None),
                      ("rootfs/a", "file", "a"), ("./rootfs/a", "file", "b")],
        "hard link outside": [("manifest", "file", good_manifest_bytes()),
                              ("rootfs", "dir", None), ("rootfs/l", "hardlink", "../etc/passwd")],
    }
    for what, entries in cases.items():
        path = craft_tar(str(tmp_path / "case.aci"), entries)
        p = orbit.run("image", "validate", path, check=False)
        assert p.returncode == 1, f"{what}: accepted"
        assert p.stderr.strip() and str(path) in p.stderr, what


def test_device_node_in_image_built_without_privileges(orbit, tmp_path):
    shared = tempfile.mkdtemp(prefix="orbit-unpriv-")
    try:
        os.chmod(shared, 0o777)
        layout = busybox_layout(os.path.join(shared, "layout"))
        os.mknod(os.path.join(layout, "rootfs", "dev", "null"), 0o666 | stat.S_IFCHR,
                 os.makedev(1, 3))
        for dirpath, dirs, files in os.walk(shared):
            os.chmod(dirpath, 0o755)
        os.chmod(shared, 0o777)
        out = os.path.join(shared, "out.aci")
        p = orbit.fails("image", "build", layout, out,
                        prefix=("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"))
        one_error(p, "rootfs/dev/null", "device")
        assert leftovers(shared, keep=("layout",)) == []
        orbit.run("image", "build", layout, out)  # as root it is fine
    finally:
        subprocess.run(["rm", "-rf", shared])


def test_missing_output_directory(orbit, busybox, tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "x.aci"
    p = orbit.fails("image", "build", busybox, out)
    one_error(p, str(tmp_path / "no" / "such" / "dir"))


def test_existing_output_without_overwrite(orbit, busybox, tmp_path):
    out = tmp_path / "x.aci"
    out.write_text("precious")
    p = orbit.fails("image", "build", busybox, out)
    one_error(p, str(out), "already exists")
    assert out.read_text() == "precious"
    assert leftovers(tmp_path, keep=("x.aci", "layout")) == []


def test_invalid_manifest_writes_nothing(orbit, tmp_path):
    layout = busybox_layout(str(tmp_path / "layout"), name="Bad Name")
    p = orbit.fails("image", "build", layout, tmp_path / "out.aci")
    assert "name" in p.stderr
    assert leftovers(tmp_path, keep=("layout",)) == []


def test_missing_input(orbit, tmp_path):
    p = orbit.fails("image", "id", tmp_path / "nope.aci")
    one_error(p, "nope.aci", "No such file")
    p = orbit.fails("image", "build", tmp_path / "nolayout", tmp_path / "o.aci")
    one_error(p, "nolayout")


def test_problems_are_capped(orbit, tmp_path):
    """An archive with a problem in every one of thousands of entries gets the
    first 200 lines and a count, not an endless report."""
    entries = [("manifest", "file", good_manifest_bytes()), ("rootfs", "dir", None)]
    entries += [(f"bad{i}", "file", "") for i in range(3000)]
    path = craft_tar(str(tmp_path / "many.aci"), entries)
    p = orbit.fails("image", "validate", path)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 201
    assert lines[-1] == f"{path}: ... and 2800 more problems"
