"""build → validate → id → cat-manifest → patch-manifest on real layouts."""
import json
import os
import stat
import subprocess
import tarfile

import pytest

from conftest import busybox_layout, leftovers, manifest, sha512_id, write_layout, decompressed

COMPRESSIONS = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00",
                "zstd": b"\x28\xb5\x2f\xfd", "none": None}


def build(orbit, layout, out, *flags):
    orbit.run("image", "build", *flags, layout, out)
    return str(out)


def test_busybox_round_trip(orbit, busybox, tmp_path):
    aci = build(orbit, busybox, tmp_path / "busybox.aci")
    out = orbit.run("image", "validate", aci).stdout
    assert "valid" in out

    image_id = orbit.run("image", "id", aci).stdout.strip()
    assert image_id == sha512_id(aci)
    assert len(image_id) == 135

    stored = json.loads(orbit.run("image", "cat-manifest", aci).stdout)
    with open(os.path.join(busybox, "manifest")) as f:
        assert stored == json.load(f)
    pretty = orbit.run("image", "cat-manifest", "--pretty-print", aci).stdout
    assert json.loads(pretty) == stored and "\n    " in pretty

    patched = str(tmp_path / "patched.aci")
    orbit.run("image", "patch-manifest", "--name=example.com/patched", "--exec=/bin/echo hi there",
              "--user=1000", "--group=1000", "--supplementary-gids=10,20", aci, patched)
    m = json.loads(orbit.run("image", "cat-manifest", patched).stdout)
    assert m["name"] == "example.com/patched"
    assert m["app"]["exec"] == ["/bin/echo", "hi", "there"]
    assert (m["app"]["user"], m["app"]["group"]) == ("1000", "1000")
    assert m["app"]["supplementaryGIDs"] == [10, 20]
    orbit.run("image", "validate", patched)
    # every other entry is unchanged
    names = lambda p: sorted(t.name for t in tarfile.open(p).getmembers())
    assert names(aci) == names(patched)


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_id_is_sha512_of_uncompressed_tar(orbit, busybox, tmp_path, compression):
    aci = build(orbit, busybox, tmp_path / "x.aci", f"--compression={compression}")
    with open(aci, "rb") as f:
        head = f.read(512)
    magic = COMPRESSIONS[compression]
    if magic:
        assert head.startswith(magic)
    else:
        assert head[257:262] == b"ustar"
    # detection is by magic bytes, not by name
    renamed = str(tmp_path / "image.txt")
    os.rename(aci, renamed)
    assert orbit.run("image", "id", renamed).stdout.strip() == sha512_id(renamed)
    orbit.run("image", "validate", renamed)


def test_same_tree_builds_same_bytes(orbit, busybox, tmp_path):
    for compression in ("gzip", "zstd", "xz", "bzip2", "none"):
        a = build(orbit, busybox, tmp_path / f"a-{compression}.aci", f"--compression={compression}")
        b = build(orbit, busybox, tmp_path / f"b-{compression}.aci", f"--compression={compression}")
        with open(a, "rb") as fa, open(b, "rb") as fb:
            assert fa.read() == fb.read(), f"{compression} build is not reproducible"


def every_file_type_layout(root):
    """A layout holding every kind of file, with modes, owners, xattrs, times."""
    write_layout(root, manifest())
    rootfs = os.path.join(root, "rootfs")
    os.makedirs(os.path.join(rootfs, "dir/sub"))
    os.chmod(os.path.join(rootfs, "dir"), 0o750)
    with open(os.path.join(rootfs, "dir/file"), "w") as f:
        f.write("payload\n")
    os.chown(os.path.join(rootfs, "dir/file"), 1234, 5678)
    os.chmod(os.path.join(rootfs, "dir/file"), 0o4755)  # after chown, which clears setuid
    os.utime(os.path.join(rootfs, "dir/file"), (1_500_000_000, 1_500_000_000))
    os.link(os.path.join(rootfs, "dir/file"), os.path.join(rootfs, "hardlink"))
    os.link(os.path.join(rootfs, "dir/file"), os.path.join(rootfs, "dir/sub/hardlink2"))
    os.symlink("dir/file", os.path.join(rootfs, "symlink"))
    os.symlink("/etc/absolute-target", os.path.join(rootfs, "dangling"))
    os.mkfifo(os.path.join(rootfs, "fifo"))
    os.mknod(os.path.join(rootfs, "null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.mknod(os.path.join(rootfs, "loop9"), 0o660 | stat.S_IFBLK, os.makedev(7, 9))
    os.chmod(os.path.join(rootfs, "dir/sub"), 0o1777)
    os.setxattr(os.path.join(rootfs, "dir/file"), "user.orbit.test", b"value-1")
    os.setxattr(os.path.join(rootfs, "dir/file"), "trusted.orbit", b"\x00\x01binary")
    return root


def test_every_file_type_is_preserved(orbit, tmp_path):
    layout = every_file_type_layout(str(tmp_path / "layout"))
    aci = build(orbit, layout, tmp_path / "all.aci", "--compression=none")
    orbit.run("image", "validate", aci)

    with tarfile.open(aci) as tar:
        members = tar.getmembers()
        by_name = {m.name: m for m in members}
    names = [m.name for m in members]
    assert names[0] == "manifest", "the manifest comes first"
    assert names[1] == "rootfs"
    assert names[2:] == sorted(names[2:]), "entries are in a stable depth-first lexical order"

    f = by_name["rootfs/dir/file"]
    assert f.isfile() and f.mode == 0o4755 and (f.uid, f.gid) == (1234, 5678)
    assert f.mtime == 1_500_000_000 and f.size == 8
    assert f.pax_headers.get("SCHILY.xattr.user.orbit.test") == "value-1"
    assert "SCHILY.xattr.trusted.orbit" in f.pax_headers
    # one inode: data once, then hard-link entries
    for link in ("rootfs/hardlink", "rootfs/dir/sub/hardlink2"):
        assert by_name[link].islnk() and by_name[link].linkname == "rootfs/dir/file"
    assert by_name["rootfs/symlink"].issym() and by_name["rootfs/symlink"].linkname == "dir/file"
    assert by_name["rootfs/dangling"].linkname == "/etc/absolute-target"
    assert by_name["rootfs/fifo"].isfifo()
    null = by_name["rootfs/null"]
    assert null.ischr() and (null.devmajor, null.devminor) == (1, 3)
    assert by_name["rootfs/loop9"].isblk() and by_name["rootfs/loop9"].devminor == 9
    assert by_name["rootfs/dir"].mode == 0o750
    assert by_name["rootfs/dir/sub"].mode == 0o1777
    assert by_name["manifest"].mode == 0o644 and by_name["manifest"].uid == 0


def test_bsdtar_agrees_with_what_was_written(orbit, tmp_path):
    layout = every_file_type_layout(str(tmp_path / "layout"))
    for compression in ("none", "gzip", "zstd"):
        aci = build(orbit, layout, tmp_path / f"all-{compression}.aci",
                    f"--compression={compression}")
        listing = subprocess.run(["bsdtar", "-tvf", aci], capture_output=True, text=True,
                                 check=True).stdout
        assert "rootfs/hardlink link to rootfs/dir/file" in listing
        assert "rootfs/symlink -> dir/file" in listing
        assert "-rwsr-xr-x" in listing and "1234" in listing
        assert listing.splitlines()[0].endswith(" manifest")
    # bsdtar extracts it with xattrs intact
    out = tmp_path / "extract"
    out.mkdir()
    subprocess.run(["bsdtar", "-xpf", str(tmp_path / "all-none.aci"), "-C", str(out)], check=True)
    assert os.getxattr(out / "rootfs/dir/file", "user.orbit.test") == b"value-1"
    assert os.stat(out / "rootfs/hardlink").st_ino == os.stat(out / "rootfs/dir/file").st_ino


def test_owner_root(orbit, tmp_path):
    layout = every_file_type_layout(str(tmp_path / "layout"))
    aci = build(orbit, layout, tmp_path / "root.aci", "--owner-root", "--compression=none")
    with tarfile.open(aci) as tar:
        assert {(m.uid, m.gid) for m in tar.getmembers()} == {(0, 0)}


def test_overwrite(orbit, busybox, tmp_path):
    out = tmp_path / "x.aci"
    build(orbit, busybox, out)
    p = orbit.fails("image", "build", busybox, out)
    assert str(out) in p.stderr and "already exists" in p.stderr
    build(orbit, busybox, out, "--overwrite")
    assert leftovers(tmp_path, keep=("x.aci", "layout")) == []


def test_validate_layout_and_bare_manifests(orbit, busybox, tmp_path):
    assert "valid image layout" in orbit.run("image", "validate", busybox).stdout
    man = os.path.join(busybox, "manifest")
    assert "valid manifest" in orbit.run("image", "validate", man).stdout
    pod = tmp_path / "pod.json"
    pod.write_text(json.dumps({"acKind": "PodManifest", "acVersion": "0.8.11", "apps": [
        {"name": "a", "image": {"id": "sha512-" + "a" * 128}}]}))
    assert "valid manifest" in orbit.run("image", "validate", pod).stdout
    # several paths at once; status is 0 only if all are valid
    bad = tmp_path / "bad.json"
    bad.write_text('{"acKind":"ImageManifest","acVersion":"0.8.11"}')
    p = orbit.fails("image", "validate", busybox, bad)
    assert p.returncode == 1 and "name" in p.stderr


def test_validate_reports_every_problem_with_its_field_path(orbit, tmp_path):
    m = manifest()
    m["app"]["ports"] = [{"name": "ok", "protocol": "tcp", "port": 80},
                         {"name": "bad", "protocol": "tcp", "port": 0}]
    m["app"]["workingDirectory"] = "relative/dir"
    m["labels"].append({"name": "os", "value": "linux"})
    path = tmp_path / "manifest"
    path.write_text(json.dumps(m))
    p = orbit.fails("image", "validate", path)
    lines = p.stderr.strip().splitlines()
    assert len(lines) >= 3, lines
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert any("app.ports[1]" in line for line in lines)
    assert any("app.workingDirectory" in line for line in lines)
    assert any("labels" in line for line in lines)


def test_patch_manifest_isolators_and_capabilities(orbit, busybox, tmp_path):
    aci = build(orbit, busybox, tmp_path / "in.aci")
    out = str(tmp_path / "out.aci")
    orbit.run("image", "patch-manifest", "--capability=CAP_NET_ADMIN,CAP_CHOWN",
              "--mounts=data,path=/data,readOnly=true:logs,path=/var/log",
              "--ports=www,protocol=tcp,port=80,count=1,socketActivated=false",
              "--isolators=resource/memory,limit=1G",
              "--seccomp-mode=remove,errno=ENOTSUP", "--seccomp-set=reboot,kexec_load",
              aci, out)
    m = json.loads(orbit.run("image", "cat-manifest", out).stdout)
    isolators = {i["name"]: i["value"] for i in m["app"]["isolators"]}
    assert isolators["os/linux/capabilities-retain-set"] == {"set": ["CAP_NET_ADMIN", "CAP_CHOWN"]}
    assert isolators["os/linux/seccomp-remove-set"]["set"] == ["reboot", "kexec_load"]
    assert isolators["os/linux/seccomp-remove-set"]["errno"] == "ENOTSUP"
    assert isolators["resource/memory"]["limit"] == "1G"
    assert [mp["name"] for mp in m["app"]["mountPoints"]] == ["data", "logs"]
    assert m["app"]["mountPoints"][0]["readOnly"] is True
    assert m["app"]["ports"][0]["port"] == 80

    p = orbit.fails("image", "patch-manifest", "--capability=CAP_CHOWN",
                    "--revoke-capability=CAP_KILL", aci, str(tmp_path / "x.aci"))
    assert "capabilit" in p.stderr
    p = orbit.fails("image", "patch-manifest", "--seccomp-mode=retain", aci,
                    str(tmp_path / "y.aci"))
    assert "seccomp" in p.stderr
    assert leftovers(tmp_path, keep=("in.aci", "out.aci", "layout")) == []


def test_patch_manifest_replace_in_place(orbit, busybox, tmp_path):
    aci = build(orbit, busybox, tmp_path / "img.aci", "--compression=zstd")
    before = orbit.run("image", "id", aci).stdout
    orbit.run("image", "patch-manifest", "--replace", "--user=42", aci)
    with open(aci, "rb") as f:
        assert f.read(4) == b"\x28\xb5\x2f\xfd", "the compression of the input is kept"
    assert json.loads(orbit.run("image", "cat-manifest", aci).stdout)["app"]["user"] == "42"
    assert orbit.run("image", "id", aci).stdout != before
    assert leftovers(tmp_path, keep=("img.aci", "layout")) == []


def test_patch_manifest_whole_file_is_validated(orbit, busybox, tmp_path):
    aci = build(orbit, busybox, tmp_path / "img.aci")
    with open(aci, "rb") as f:
        original = f.read()
    new = tmp_path / "new.json"
    new.write_text(json.dumps(manifest(name="example.com/replaced")))
    orbit.run("image", "patch-manifest", "--manifest", new, aci, tmp_path / "out.aci")
    assert json.loads(orbit.run("image", "cat-manifest", tmp_path / "out.aci").stdout)["name"] \
        == "example.com/replaced"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(manifest(name="Not A Name")))
    p = orbit.fails("image", "patch-manifest", "--replace", "--manifest", bad, aci)
    assert "name" in p.stderr
    with open(aci, "rb") as f:
        assert f.read() == original, "a refused patch leaves the input untouched"
