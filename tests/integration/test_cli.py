"""The program surface: version, help, usage errors."""
import os
import re

import pytest

COMMANDS = ["image build", "image validate", "image cat-manifest", "image id",
            "image patch-manifest", "version", "help"]


def test_version(orbit):
    out = orbit.run("version").stdout
    assert re.search(r"^orbit Version: \d+\.\d+\.\d+", out, re.M)
    assert "appc Version: 0.8.11" in out.splitlines()


def test_version_when_invoked_as_rkt(orbit, tmp_path):
    rkt = tmp_path / "rkt"
    os.symlink(orbit.path, rkt)
    lines = __import__("subprocess").run([str(rkt), "version"], capture_output=True,
                                         text=True, check=True).stdout.splitlines()
    assert re.fullmatch(r"rkt Version: \d+\.\d+\.\d+", lines[0])
    assert lines[1] == "appc Version: 0.8.11"


def test_help_lists_every_command(orbit):
    out = orbit.run("help").stdout
    for cmd in COMMANDS:
        assert cmd in out


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_documents_itself(orbit, cmd):
    out = orbit.run(*cmd.split(), "--help").stdout
    assert out.startswith(f"Usage: orbit {cmd}")
    assert out == orbit.run("help", *cmd.split()).stdout


def test_build_help_documents_every_flag(orbit):
    out = orbit.run("image", "build", "--help").stdout
    for flag in ("--compression=TYPE", "--owner-root", "--overwrite"):
        assert flag in out


def test_patch_manifest_help_documents_every_flag(orbit):
    out = orbit.run("image", "patch-manifest", "--help").stdout
    for flag in ("--name", "--exec", "--user", "--group", "--supplementary-gids",
                 "--capability", "--revoke-capability", "--mounts", "--ports", "--isolators",
                 "--seccomp-mode", "--seccomp-set", "--manifest", "--replace"):
        assert flag in out


def test_unknown_command_and_option(orbit):
    p = orbit.fails("frobnicate")
    assert p.returncode == 2 and 'unknown command "frobnicate"' in p.stderr
    p = orbit.fails("image", "frobnicate")
    assert 'unknown command "image frobnicate"' in p.stderr
    p = orbit.fails("image", "build", "--bogus", "a", "b")
    assert p.returncode == 2 and "unknown option --bogus" in p.stderr
    p = orbit.fails("image", "build", "--compression=lz4", "a", "b.aci")
    assert 'unknown compression "lz4"' in p.stderr
    p = orbit.fails("image", "build", "onlyone")
    assert p.returncode == 2 and "expected" in p.stderr


def test_bare_orbit_prints_overview(orbit):
    p = orbit.run(check=False)
    assert p.returncode == 2
    assert "image build" in p.stdout
    assert "image validate" in orbit.run("image", "--help").stdout


def test_unwritable_output_is_a_failure(orbit, busybox, tmp_path):
    aci = str(tmp_path / "x.aci")
    orbit.run("image", "build", busybox, aci)
    with open("/dev/full", "w") as full:
        p = __import__("subprocess").run([orbit.path, "image", "id", aci], stdout=full,
                                         stderr=__import__("subprocess").PIPE, text=True)
    assert p.returncode == 1 and "write standard output" in p.stderr


def test_validate_reads_a_pipe(orbit, busybox, tmp_path):
    aci = str(tmp_path / "x.aci")
    orbit.run("image", "build", busybox, aci)
    with open(aci, "rb") as f:
        p = __import__("subprocess").run([orbit.path, "image", "validate", "/dev/stdin"],
                                         stdin=f, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
