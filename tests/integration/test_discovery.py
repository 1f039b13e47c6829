"""Discovery and trust end to end: real HTTPS (a CA made by the tests) for
real host names in a private network namespace, real OpenPGP keys."""
import json
import os
import shutil

import pytest

from conftest import build_image, host_arch, sha512_id

ARCH = host_arch()
META01 = [("ac-discovery", "example.com https://storage.example.com/{name}-{version}-{os}-{arch}.{ext}"),
          ("ac-discovery-pubkeys", "example.com https://example.com/pubkeys.gpg")]
META02 = META01[:1]
META03 = META01[1:]
META04 = [("ac-discovery",
           "example.com https://another.storage.example.com/{name}-{version}-{os}-{arch}.{ext}"),
          META01[1]]
META05 = [META01[0], ("ac-discovery", "example.com https://storage.example.com/{name}-{version}.{ext}"),
          META01[1]]
META06 = META05[:2] + [("ac-discovery",
                        "example.com hdfs://storage.example.com/{name}-{version}-{os}-{arch}.{ext}"),
                       META01[1]]
STORAGE = "https://storage.example.com/example.com"


def discover(store, app, *flags):
    return json.loads(store.run("discover", "--json", *flags, app).stdout)


def acis(result):
    return [e["aci"] for e in result["endpoints"]]


# The discovery table of the reference (app example.com/myapp, version 1.0.0).
def test_case1_page_at_the_name(net_store, web):
    site, _ = web
    site.discovery_page("myapp", *META01)
    r = discover(net_store, "example.com/myapp:1.0.0")
    assert acis(r) == [f"{STORAGE}/myapp-1.0.0-linux-{ARCH}.aci"]
    assert r["endpoints"][0]["asc"] == f"{STORAGE}/myapp-1.0.0-linux-{ARCH}.aci.asc"
    assert r["pubkeys"] == ["https://example.com/pubkeys.gpg"]


def test_case2_parent_path_fallback(net_store, web):
    site, _ = web
    site.discovery_page("", *META01)
    r = discover(net_store, "example.com/myapp/foobar:1.0.0")
    assert acis(r) == [f"{STORAGE}/myapp/foobar-1.0.0-linux-{ARCH}.aci"]
    assert r["pubkeys"] == ["https://example.com/pubkeys.gpg"]


def test_case3_page_off_the_path(net_store, web):
    site, _ = web
    site.discovery_page("path/out/of/myapp", *META01)
    p = net_store.fails("discover", "example.com/myapp/foobar/bazzer:1.0.0")
    assert "discovery failed" in p.stderr and "example.com/myapp/foobar/bazzer" in p.stderr


def test_case4_walks_are_independent(net_store, web):
    site, _ = web
    site.discovery_page("", *META02)
    site.discovery_page("myapp", *META03)
    r = discover(net_store, "example.com/myapp:1.0.0")
    assert acis(r) == [f"{STORAGE}/myapp-1.0.0-linux-{ARCH}.aci"]
    assert r["pubkeys"] == ["https://example.com/pubkeys.gpg"]
    assert r["pubkeysPrefix"] == "example.com"
    site.discovery_page("", *META03)
    site.discovery_page("myapp", *META02)
    r = discover(net_store, "example.com/myapp:1.0.0")
    assert acis(r) == [f"{STORAGE}/myapp-1.0.0-linux-{ARCH}.aci"]
    assert r["pubkeys"] == ["https://example.com/pubkeys.gpg"]


def test_case5_one_walk_fails(net_store, web):
    site, _ = web
    site.discovery_page("", *META02)
    r = discover(net_store, "example.com/myapp:1.0.0")
    assert acis(r) and r["pubkeys"] == []
    os.unlink(site.path(".discovery.html"))
    site.discovery_page("", *META03)
    p = net_store.fails("discover", "example.com/myapp:1.0.0")
    assert "discovery failed" in p.stderr


def test_case6_deeper_page_wins_for_endpoints(net_store, web):
    site, _ = web
    site.discovery_page("", *META04)
    site.discovery_page("myapp", *META02)
    r = discover(net_store, "example.com/myapp:1.0.0")
    assert acis(r) == [f"{STORAGE}/myapp-1.0.0-linux-{ARCH}.aci"]
    assert r["pubkeys"] == ["https://example.com/pubkeys.gpg"]


def test_case7_version_defaults_to_latest(net_store, web):
    site, _ = web
    site.discovery_page("myapp", *META05)
    r = discover(net_store, "example.com/myapp")
    assert acis(r) == [f"{STORAGE}/myapp-latest-linux-{ARCH}.aci", f"{STORAGE}/myapp-latest.aci"]
    r = discover(net_store, "example.com/myapp,version=1.0.0")
    assert acis(r)[1] == f"{STORAGE}/myapp-1.0.0.aci"


def test_case8_document_order_and_other_schemes(net_store, web):
    site, _ = web
    site.discovery_page("myapp", *META06)
    r = discover(net_store, "example.com/myapp:1.0.0")
    # the hdfs endpoint is skipped: orbit has no transport for it
    assert acis(r) == [f"{STORAGE}/myapp-1.0.0-linux-{ARCH}.aci", f"{STORAGE}/myapp-1.0.0.aci"]


def test_unrendered_template_is_skipped(net_store, web):
    site, _ = web
    site.discovery_page("myapp", ("ac-discovery", "example.com https://storage.example.com/{name}-{channel}.{ext}"))
    p = net_store.fails("discover", "example.com/myapp:1.0.0")
    assert "discovery failed" in p.stderr


def test_page_without_tags_and_huge_page(net_store, web):
    site, _ = web
    site.write("myapp.discovery.html", "<html><head><title>nothing here</title></head></html>")
    p = net_store.fails("discover", "example.com/myapp")
    assert "discovery failed" in p.stderr
    with open(site.path("other.discovery.html"), "wb") as f:
        f.write(b"<html>" + b" " * (100 * 1024 * 1024) + b"</html>")
    p = net_store.fails("discover", "example.com/other")
    assert "limit" in p.stderr and "https://example.com/other?ac-discovery=1" in p.stderr


def test_redirect_loop(net_store, web):
    site, _ = web
    site.write("loop.discovery.html", "x")
    site.write("loop.discovery.html.headers", json.dumps({"redirect": "/loop?ac-discovery=1"}))
    p = net_store.fails("discover", "example.com/loop")
    assert "redirect" in p.stderr


def test_redirect_followed(net_store, web):
    site, _ = web
    site.discovery_page("moved", *META01)
    site.write("old.discovery.html", "x")
    site.write("old.discovery.html.headers", json.dumps({"redirect": "/moved?ac-discovery=1"}))
    r = discover(net_store, "example.com/old:1.0.0")
    assert acis(r) == [f"{STORAGE}/old-1.0.0-linux-{ARCH}.aci"]


# ---- fetching by name, signatures and keys --------------------------------

def storage_path(site, name, version):
    """Where https://storage.example.com/{name}-{version}-{os}-{arch}.aci is
    served from (every test host serves the same directory)."""
    return site.path(f"{name}-{version}-linux-{ARCH}.aci")


def publish_at_storage(orbit, site, keys, name="example.com/app", version="1.0.0",
                       signer="Orbit Test", page=None, **kw):
    """A signed image where META01's template points, the discovery page
    for its name, and the signing key at https://example.com/pubkeys.gpg."""
    path = storage_path(site, name, version)
    workdir = os.path.dirname(path)
    aci = build_image(orbit, workdir, name, version=version, filename=os.path.basename(path), **kw)
    if signer:
        keys.sign(keys.fingerprints[signer], aci)
    site.discovery_page(name.split("/", 1)[1], *(page or META01))
    keys.export(keys.fingerprints["Orbit Test"], site.path("pubkeys.gpg"))
    return aci


def trust(store, keys, who="Orbit Test", prefix="example.com"):
    path = keys.export(keys.fingerprints[who], os.path.join(store.config, f"{who}.gpg"))
    return store.run("trust", f"--prefix={prefix}", "--skip-fingerprint-review", path)


def test_fetch_by_name_end_to_end(orbit, net_store, web, keys):
    site, _ = web
    aci = publish_at_storage(orbit, site, keys)
    p = net_store.fails("fetch", "example.com/app:1.0.0")
    assert "no keys are trusted for example.com/app" in p.stderr
    assert net_store.images() == []
    out = trust(net_store, keys).stdout
    assert keys.fingerprints["Orbit Test"] in out
    assert os.path.exists(os.path.join(net_store.config, "trustedkeys", "prefix.d", "example.com",
                                       keys.fingerprints["Orbit Test"]))
    [image_id] = net_store.run("fetch", "example.com/app:1.0.0").stdout.split()
    assert image_id == sha512_id(aci)
    [row] = net_store.images()
    assert row["name"] == "example.com/app" and row["signed"] is True
    assert row["source"].startswith("https://storage.example.com/")
    # new: the store answers; no request
    assert net_store.run("fetch", "--pull-policy=new", "example.com/app:1.0.0").stdout.split() == \
        [image_id]


def test_signature_by_an_untrusted_key(orbit, net_store, web, keys):
    site, _ = web
    publish_at_storage(orbit, site, keys, signer="Other Signer")
    trust(net_store, keys)
    p = net_store.fails("fetch", "example.com/app:1.0.0")
    assert keys.fingerprints["Other Signer"][-16:].lower() in p.stderr.lower()
    assert net_store.images() == [] and net_store.tmp_leftovers() == []


def test_signature_for_another_file(orbit, net_store, web, keys):
    site, _ = web
    aci = publish_at_storage(orbit, site, keys)
    other = publish_at_storage(orbit, site, keys, name="example.com/other")
    shutil.copy(other + ".asc", aci + ".asc")
    trust(net_store, keys)
    p = net_store.fails("fetch", "example.com/app:1.0.0")
    assert "bad signature" in p.stderr
    assert net_store.images() == []


def test_manifest_named_differently(orbit, net_store, web, keys):
    site, _ = web
    path = storage_path(site, "example.com/app", "1.0.0")
    build_image(orbit, os.path.dirname(path), "example.com/impostor",
                filename=os.path.basename(path))
    keys.sign(keys.fingerprints["Orbit Test"], path)
    site.discovery_page("app", *META01)
    trust(net_store, keys)
    p = net_store.fails("fetch", "example.com/app:1.0.0")
    assert "example.com/impostor" in p.stderr
    assert net_store.images() == []


def test_signature_202_then_200(orbit, net_store, web, keys):
    site, _ = web
    aci = publish_at_storage(orbit, site, keys)
    site.write(os.path.relpath(aci, site.root) + ".asc.headers",
               json.dumps({"status_sequence": [202, 202, 200]}))
    trust(net_store, keys)
    assert net_store.run("fetch", "example.com/app:1.0.0").stdout.split() == [sha512_id(aci)]


def test_trust_discovered_keys_and_list_and_remove(orbit, net_store, web, keys):
    site, _ = web
    publish_at_storage(orbit, site, keys)
    site.discovery_page("", *META03)  # the keys of the prefix example.com
    p = net_store.fails("trust", "--prefix=example.com")
    assert "without review" in p.stderr
    out = net_store.run("trust", "--prefix=example.com", "--skip-fingerprint-review").stdout
    fpr = keys.fingerprints["Orbit Test"]
    assert fpr in out
    listing = net_store.run("trust", "--list").stdout
    assert fpr in listing and "example.com" in listing and "Orbit Test" in listing
    net_store.run("fetch", "example.com/app:1.0.0")
    net_store.run("trust", "--remove", fpr)
    assert fpr not in net_store.run("trust", "--list").stdout


def test_trust_keys_from_https(orbit, net_store, web, keys):
    site, _ = web
    publish_at_storage(orbit, site, keys)
    p = net_store.run("--trust-keys-from-https", "fetch", "example.com/app:1.0.0")
    assert "trusting key" in p.stderr and keys.fingerprints["Orbit Test"] in p.stderr
    assert len(net_store.images()) == 1


def test_root_keys_and_masking(orbit, net_store, web, keys):
    site, _ = web
    publish_at_storage(orbit, site, keys)
    fpr = keys.fingerprints["Orbit Test"]
    system = os.path.join(net_store.system, "trustedkeys", "root.d")
    os.makedirs(system)
    keys.export(fpr, os.path.join(system, fpr))
    assert fpr in net_store.run("trust", "--list").stdout
    net_store.run("fetch", "example.com/app:1.0.0")
    net_store.run("image", "rm", "example.com/app")
    net_store.run("trust", "--remove", fpr)  # a system key: masked locally
    assert os.path.getsize(os.path.join(net_store.config, "trustedkeys", "root.d", fpr)) == 0
    assert fpr not in net_store.run("trust", "--list").stdout
    p = net_store.fails("fetch", "example.com/app:1.0.0")
    assert "trusted" in p.stderr


def test_key_file_that_is_not_a_key(net_store, tmp_path):
    bad = tmp_path / "notakey.gpg"
    bad.write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\ngarbage\n-----END PGP PUBLIC KEY BLOCK-----\n")
    p = net_store.fails("trust", "--prefix=example.com", "--skip-fingerprint-review", str(bad))
    assert str(bad) in p.stderr and "not an OpenPGP public key" in p.stderr
    assert not os.path.exists(os.path.join(net_store.config, "trustedkeys", "prefix.d"))


def test_tls_certificate_for_another_host(orbit, tmp_path, test_ca):
    from httpd_fixture import serve
    from sites import Network, Site
    from conftest import NetStore
    net = Network()
    root = tmp_path / "www"
    root.mkdir()
    try:
        with serve(root, tls=test_ca.wrong, port=443, prefix=net.prefix):
            Site(str(root)).discovery_page("app", *META01)
            store = NetStore(orbit, tmp_path / "data", net, test_ca, tmp_path / "etc")
            p = store.fails("discover", "example.com/app")
            assert "certificate" in p.stderr.lower() or "ssl" in p.stderr.lower()
            # --insecure-options=tls skips the check, and says so
            p = store.run("--insecure-options=tls", "discover", "example.com/app")
            assert "storage.example.com" in p.stdout and "TLS" in p.stderr
    finally:
        net.close()


def test_basic_auth_protected_area(orbit, net_store, web, keys):
    site, _ = web
    aci = publish_at_storage(orbit, site, keys, name="example.com/private/app")
    rel = os.path.relpath(aci, site.root)
    site.write(rel + ".headers", json.dumps({"basic_auth": "user:secret"}))
    trust(net_store, keys)
    p = net_store.fails("fetch", "example.com/private/app:1.0.0")
    assert "401" in p.stderr and "storage.example.com" in p.stderr
    assert os.path.join(net_store.config, "auth.d") in p.stderr
    os.makedirs(os.path.join(net_store.config, "auth.d"))
    with open(os.path.join(net_store.config, "auth.d", "storage.json"), "w") as f:
        json.dump({"rktKind": "auth", "rktVersion": "v1", "domains": ["storage.example.com"],
                   "type": "basic", "credentials": {"user": "user", "password": "secret"}}, f)
    assert net_store.run("fetch", "example.com/private/app:1.0.0").stdout.split() == \
        [sha512_id(aci)]
    sent = [r for r in site.requests() if r["path"].endswith(".aci")]
    assert sent[-1]["headers"].get("Authorization", "").startswith("Basic ")
    # the signature and the discovery pages never got the credentials of
    # another host
    assert all("Authorization" not in r["headers"] for r in site.requests()
               if r["path"].endswith(".discovery.html"))
