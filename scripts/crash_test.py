#!/usr/bin/env python3
"""Crash test: nothing accepted is lost or verified twice when the hub is killed.

Starts the mock agencies (100 ms latency) and `hub serve` on a fresh PostgreSQL database,
submits 300 applications (each with an Idempotency-Key, retried while the hub is down),
kills the hub with SIGKILL twice during the run and restarts it. At the end every accepted
application must be `completed` with exactly one report, and the mocks must have seen no
more calls than the claims of each job allow. Prints the counts; exits non-zero on failure.

Usage: scripts/crash_test.py [path/to/hub]   (default target/debug/hub; run from the repo root)
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

HUB = sys.argv[1] if len(sys.argv) > 1 else "target/debug/hub"
APPLICATIONS = 300
PG_ADMIN = os.environ.get("HUB_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BASE = PG_ADMIN.rsplit("/", 1)[0]
# Requests each member's verification makes when it runs to the end: tax, real estate,
# housing fund, and the bank's submit + first poll (inquiries are ready at once here).
CALLS_PER_MEMBER = 5


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(database_url, sql):
    out = subprocess.run(["psql", database_url, "-Atc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def http(method, url, body=None, headers=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


class Hub:
    def __init__(self, env, port, log):
        self.env, self.port, self.log, self.process = env, port, log, None

    def start(self):
        self.process = subprocess.Popen([HUB, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        wait_for(f"http://127.0.0.1:{self.port}/healthz")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def main():
    work = tempfile.mkdtemp(prefix="crash-test-")
    database = f"hub_crash_{uuid.uuid4().hex}"
    psql(PG_ADMIN, f"CREATE DATABASE {database}")
    database_url = f"{PG_BASE}/{database}"
    mocks_port, hub_port = free_port(), free_port()
    log = open(os.path.join(work, "processes.log"), "w")
    apps_file = os.path.join(work, "applications.jsonl")
    mocks = subprocess.Popen(
        [HUB, "mocks", "--synthetic", "800", "--seed", "42", "--write-applications", apps_file,
         "--latency-ms", "100", "--port", str(mocks_port)], stdout=log, stderr=log)
    hub = None
    try:
        wait_for(f"http://127.0.0.1:{mocks_port}/__control/calls")
        bodies = [json.loads(line) for line in open(apps_file) if line.strip()][:APPLICATIONS]
        assert len(bodies) == APPLICATIONS, f"only {len(bodies)} synthetic households"
        mocks_url = f"http://127.0.0.1:{mocks_port}"
        env = dict(os.environ, HUB__STORE__URL=database_url, HUB__SERVER__BIND=f"127.0.0.1:{hub_port}",
                   HUB__AGENCIES__EMBEDDED_MOCKS="false", HUB__JOBS__LEASE_S="3", HUB__SERVER__WORKERS="8",
                   RUST_LOG="warn")
        for agency in ["TAX", "REAL_ESTATE", "HOUSING_FUND", "BANK"]:
            env[f"HUB__AGENCIES__{agency}__BASE_URL"] = mocks_url
        token = subprocess.run([HUB, "token", "--role", "admin", "--region", "1", "--region", "2", "--region", "3",
                                "--region", "4", "--region", "5", "--region", "6"],
                               env=env, check=True, capture_output=True, text=True).stdout.strip()
        hub = Hub(env, hub_port, log)
        hub.start()

        accepted = {}
        lock = threading.Lock()
        base = f"http://127.0.0.1:{hub_port}/api/v1/applications"

        def submit(index):
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"crash-{index}"}
            while True:
                try:
                    status, body = http("POST", base, bodies[index], headers, timeout=5)
                    if status == 202:
                        with lock:
                            accepted[index] = body["id"]
                        return
                    if status not in (409, 503):
                        raise SystemExit(f"application {index}: unexpected {status} {body}")
                except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout):
                    pass  # the hub is down: retry with the same key
                time.sleep(0.2)

        def submit_all(indices):
            threads = [threading.Thread(target=lambda chunk=indices[i::8]: [submit(x) for x in chunk]) for i in range(8)]
            for t in threads:
                t.start()
            return threads

        threads = submit_all(list(range(APPLICATIONS)))
        kills = 0
        for target in (APPLICATIONS // 3, 2 * APPLICATIONS // 3):
            while len(accepted) < target:
                time.sleep(0.05)
            hub.kill()
            kills += 1
            time.sleep(0.5)
            hub.start()
        for t in threads:
            t.join()

        deadline = time.time() + 180
        while time.time() < deadline:
            done = int(psql(database_url, "SELECT count(*) FROM applications WHERE status = 'completed'"))
            if done >= len(accepted):
                break
            time.sleep(0.5)

        ids = set(accepted.values())
        applications = int(psql(database_url, "SELECT count(*) FROM applications"))
        completed = int(psql(database_url, "SELECT count(*) FROM applications WHERE status = 'completed'"))
        reports = int(psql(database_url, "SELECT count(*) FROM reports"))
        reclaimed = int(psql(database_url, "SELECT count(*) FROM applications WHERE attempts > 1"))
        rows = psql(database_url, "SELECT attempts, body FROM applications").splitlines()
        allowed_calls = sum(int(a) * CALLS_PER_MEMBER * len(json.loads(b)["household"]["members"])
                            for a, b in (row.split("|", 1) for row in rows))
        minimum_calls = sum(CALLS_PER_MEMBER * len(json.loads(b)["household"]["members"])
                            for _, b in (row.split("|", 1) for row in rows))
        status, calls = http("GET", f"{mocks_url}/__control/calls")
        seen_calls = sum(calls["totals"].values())

        print(f"submitted {APPLICATIONS}, accepted {len(ids)}, hub killed {kills}x with SIGKILL")
        print(f"applications stored {applications}, completed {completed}, reports {reports}")
        print(f"jobs re-claimed after a crash {reclaimed}")
        print(f"agency calls seen {seen_calls} (one clean run each: {minimum_calls}; allowed with re-claims: {allowed_calls})")
        failures = []
        if len(ids) != APPLICATIONS:
            failures.append("not every application was accepted")
        if applications != len(ids):
            failures.append("stored applications differ from accepted ones (lost or duplicated)")
        if completed != len(ids) or reports != len(ids):
            failures.append("not every accepted application has exactly one completed report")
        if seen_calls > allowed_calls:
            failures.append("the mocks saw more calls than the job claims allow")
        if failures:
            raise SystemExit("FAILED: " + "; ".join(failures))
        print("crash test passed")
    finally:
        if hub and hub.process and hub.process.poll() is None:
            hub.kill()
        mocks.kill()
        mocks.wait()
        try:
            psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        except subprocess.CalledProcessError:
            pass


if __name__ == "__main__":
    main()
