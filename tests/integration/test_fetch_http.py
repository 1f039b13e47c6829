"""Fetching over HTTP from a real server on 127.0.0.1: the cache, resumed
downloads, broken responses, and dependencies beside the image."""
import os
import shutil

import pytest

from conftest import build_image, sha512_id
from httpd_fixture import serve

INSECURE = "image,http"


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    with serve(root) as srv:
        yield srv


def publish(orbit, served, name, version="1.0.0", **kw):
    """Builds an image straight into the server's directory; returns its URL."""
    path = build_image(orbit, served.directory, name, version=version, **kw)
    return served.url(os.path.basename(path)), path


def gets(served, suffix=".aci"):
    return [r for r in served.requests() if r["method"] == "GET" and r["path"].endswith(suffix)]


def test_plain_http_needs_insecure_http(store, orbit, served):
    url, _ = publish(orbit, served, "example.com/app")
    p = store.fails("--insecure-options=image", "fetch", url)
    assert url in p.stderr and "--insecure-options=http" in p.stderr
    assert store.images() == []


def test_fetch_url_and_revalidate_with_etag(store, orbit, served):
    url, path = publish(orbit, served, "example.com/app")
    p = store.run(f"--insecure-options={INSECURE}", "fetch", url)
    assert p.stdout.split() == [sha512_id(path)]
    assert "plain HTTP" in p.stderr
    assert store.images()[0]["source"] == url
    served.clear_requests()
    # update (the default): ask again; the ETag makes it a 304
    assert store.fetch(url, insecure=INSECURE) == [sha512_id(path)]
    [again] = gets(served)
    assert again["headers"].get("If-None-Match")
    assert len(store.images()) == 1
    # new: the store is enough, no request at all
    served.clear_requests()
    store.fetch("--pull-policy=new", url, insecure=INSECURE)
    assert gets(served) == []


def test_cache_control_max_age_skips_the_request(store, orbit, served):
    url, path = publish(orbit, served, "example.com/cached")
    served.set_sidecar(os.path.basename(path), **{"Cache-Control": "max-age=3600"})
    store.fetch(url, insecure=INSECURE)
    served.clear_requests()
    store.fetch(url, insecure=INSECURE)
    assert gets(served) == []


def test_changed_image_is_fetched_again(store, orbit, served):
    url, path = publish(orbit, served, "example.com/app")
    [first] = store.fetch(url, insecure=INSECURE)
    publish(orbit, served, "example.com/app", files={"etc/new": b"new\n"})
    [second] = store.fetch(url, insecure=INSECURE)
    assert first != second and len(store.images()) == 2


def test_dropped_connection_is_resumed_with_range(store, orbit, served):
    url, path = publish(orbit, served, "example.com/big",
                        files={f"f{i}": os.urandom(128 * 1024) for i in range(16)},
                        compression="none")
    served.set_sidecar(os.path.basename(path), drop_after=700 * 1024)
    assert store.fetch(url, insecure=INSECURE) == [sha512_id(path)]
    ranges = [r["headers"].get("Range") for r in gets(served)]
    assert ranges[0] is None and ranges[1] and ranges[1].startswith("bytes=")


@pytest.mark.parametrize("status", [404, 500])
def test_http_errors(store, orbit, served, status):
    url, path = publish(orbit, served, "example.com/app")
    served.set_sidecar(os.path.basename(path), status=status)
    p = store.fails("--insecure-options=" + INSECURE, "fetch", url)
    assert url in p.stderr and str(status) in p.stderr
    assert store.images() == [] and store.tmp_leftovers() == []


def test_more_bytes_than_content_length(store, orbit, served):
    url, path = publish(orbit, served, "example.com/app")
    served.set_sidecar(os.path.basename(path), extra_bytes=4096)
    p = store.fails("--insecure-options=" + INSECURE, "fetch", url)
    assert "Content-Length" in p.stderr
    assert store.images() == [] and store.tmp_leftovers() == []


def test_signature_202_then_200(store, orbit, served):
    url, path = publish(orbit, served, "example.com/app")
    with open(path + ".asc", "w") as f:
        f.write("signature\n")
    served.set_sidecar(os.path.basename(path) + ".asc", status_sequence=[202, 202, 200])
    store.fetch(url, insecure=INSECURE)
    assert store.images()[0]["signed"] is True


def test_dependencies_beside_the_image(store, orbit, served):
    base_url, base = publish(orbit, served, "example.com/base", filename="base.aci",
                             files={"etc/base": b"base\n", "etc/shared": b"base\n"})
    lib_url, lib = publish(orbit, served, "example.com/lib", version="2.0.0",
                           files={"etc/lib": b"lib\n", "etc/shared": b"lib\n"})
    app_url, app = publish(orbit, served, "example.com/app", files={"etc/app": b"app\n"},
                           dependencies=[
                               {"imageName": "example.com/base", "imageID": sha512_id(base)},
                               {"imageName": "example.com/lib",
                                "labels": [{"name": "version", "value": "2.0.0"}]}])
    [app_id] = store.fetch(app_url, insecure=INSECURE)
    assert sorted(i["name"] for i in store.images()) == \
        ["example.com/app", "example.com/base", "example.com/lib"]
    out = os.path.join(served.directory, "..", "rendered")
    store.run("image", "render", "--rootfs-only", app_id, out)
    etc = os.path.join(out, "etc")
    assert sorted(os.listdir(etc)) == ["app", "base", "lib", "shared"]
    # later dependencies override earlier ones
    assert open(os.path.join(etc, "shared")).read() == "lib\n"


def test_bad_dependency_leaves_the_store_as_it_was(store, orbit, served):
    _, base = publish(orbit, served, "example.com/base", filename="base.aci")
    wrong = "sha512-" + "0" * 128
    app_url, _ = publish(orbit, served, "example.com/app",
                         dependencies=[{"imageName": "example.com/base", "imageID": wrong}])
    p = store.fails("--insecure-options=" + INSECURE, "fetch", app_url)
    assert "example.com/base" in p.stderr
    assert store.images() == [] and store.tmp_leftovers() == []
    app_url, _ = publish(orbit, served, "example.com/app",
                         dependencies=[{"imageName": "example.com/base", "size": 12345}])
    p = store.fails("--insecure-options=" + INSECURE, "fetch", app_url)
    assert "12345" in p.stderr
    assert store.images() == []


def test_dependency_cycle(store, orbit, served):
    a_url, _ = publish(orbit, served, "example.com/a",
                       dependencies=[{"imageName": "example.com/b"}], filename="a.aci")
    publish(orbit, served, "example.com/b",
            dependencies=[{"imageName": "example.com/a"}], filename="b.aci")
    p = store.fails("--insecure-options=" + INSECURE, "fetch", a_url)
    assert "cycle" in p.stderr and "example.com/a" in p.stderr
    assert store.images() == []


def test_dependency_dir(store, orbit, tmp_path):
    deps = tmp_path / "deps"
    deps.mkdir()
    build_image(orbit, deps, "example.com/base", filename="base.aci")
    app = build_image(orbit, tmp_path, "example.com/app",
                      dependencies=[{"imageName": "example.com/base"}])
    p = store.fails("--insecure-options=image", "fetch", app)
    assert "--dependency-dir" in p.stderr
    store.fetch("--dependency-dir", str(deps), app)
    assert len(store.images()) == 2


def test_dependency_with_another_name_is_refused(store, orbit, served):
    publish(orbit, served, "example.com/impostor", filename="base.aci")
    app_url, _ = publish(orbit, served, "example.com/app",
                         dependencies=[{"imageName": "example.com/base"}])
    p = store.fails("--insecure-options=" + INSECURE, "fetch", app_url)
    assert "example.com/impostor" in p.stderr and "example.com/base" in p.stderr
    assert store.images() == [] and store.tmp_leftovers() == []
