#!/usr/bin/env python3
"""Runs both test tiers and prints one closing line: "N passed, N failed".

Tier 1: the cmocka unit test programs built by meson (tests/unit).
Tier 2: the pytest integration suite (tests/integration) driving the real
orbit binary as root.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CMOCKA_PASSED = re.compile(r"^\[  PASSED  \] (\d+) test", re.M)
CMOCKA_FAILED = re.compile(r"^\[  FAILED  \] (\d+) test", re.M)


def unit_programs(build):
    unit_dir = os.path.join(build, "tests", "unit")
    names = sorted(n for n in os.listdir(unit_dir) if n.startswith("test_"))
    return [os.path.join(unit_dir, n) for n in names
            if os.access(os.path.join(unit_dir, n), os.X_OK)
            and os.path.isfile(os.path.join(unit_dir, n))]


def run_program(prog, timeout=600):
    """Runs one unit test program in its own process group, its output in a
    file (so a stray child holding a pipe cannot hang the run). Returns the
    exit code (None on timeout), the output, and whether it left processes
    behind (which are killed)."""
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen([prog], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        stray = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            stray = False
        if code is None:
            proc.wait()
        out.seek(0)
        return code, out.read(), stray and code is not None


def run_unit(build):
    passed = failed = 0
    for prog in unit_programs(build):
        code, out, stray = run_program(prog)
        p = sum(int(m) for m in CMOCKA_PASSED.findall(out))
        f = sum(int(m) for m in CMOCKA_FAILED.findall(out))
        if code != 0 and f == 0:
            f = 1  # crashed, timed out, or failed before reporting
        if stray:
            out += f"\n{os.path.basename(prog)}: left processes running (killed)\n"
            f += 1
        if f:
            sys.stdout.write(out)
        print(f"unit {os.path.basename(prog)}: {p} passed, {f} failed", flush=True)
        passed += p
        failed += f
    return passed, failed


def run_integration(build, extra):
    orbit = os.path.abspath(os.path.join(build, "src", "orbit", "orbit"))
    env = dict(os.environ, ORBIT_BIN=orbit, PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryDirectory(prefix="orbit-junit-") as tmp:
        report = os.path.join(tmp, "report.xml")
        cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE",
               f"--junitxml={report}", os.path.join(ROOT, "tests", "integration")] + extra
        proc = subprocess.run(cmd, env=env, cwd=ROOT)
        if not os.path.exists(report):
            return 0, 1
        suite = ET.parse(report).getroot()
        suites = [suite] if suite.tag == "testsuite" else list(suite)
        total = sum(int(s.get("tests", 0)) for s in suites)
        bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
        skipped = sum(int(s.get("skipped", 0)) for s in suites)
        if proc.returncode not in (0, 1) and bad == 0:
            bad = 1  # pytest itself failed (collection error, no tests)
        return total - bad - skipped, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append",
                    help="a meson build directory; repeat to run the suite on several builds "
                         "(e.g. a sanitizer build)")
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("--integration-only", action="store_true")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args()
    # Sanitizer builds stop at the first report, leaks included; other builds
    # ignore these variables.
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    os.environ.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")

    passed = failed = 0
    for build in map(os.path.abspath, args.build or ["build"]):
        print(f"== suite on {os.path.relpath(build, ROOT)}", flush=True)
        if not args.integration_only:
            p, f = run_unit(build)
            passed, failed = passed + p, failed + f
        if not args.unit_only:
            p, f = run_integration(build, args.pytest_args)
            passed, failed = passed + p, failed + f
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
