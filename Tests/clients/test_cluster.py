"""The reference deployment (`scripts/cluster`): a PostgreSQL primary with a streaming replica that applies changes
two seconds late, three `darkroom serve` nodes reading from it, one media folder, HAProxy in front. A person's write
through one node is read by them through another at once (read-your-writes), as is a new account made on the web,
while another person reads the replica's slightly older view; a node killed with SIGKILL under load loses no acknowledged write; the replica stopped
under load costs no request; the primary restarted answers 503 with Retry-After during the gap (never a 500 or a
hang) and the nodes reconnect by themselves; the primary lost, the replica is promoted and nothing acknowledged is
missing."""
import glob
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from darkroom_server import DARKROOM, darkroom
from test_realtime import upload

BASE_PORT = int(os.environ.get("DARKROOM_CLUSTER_TEST_PORT", "27000"))


def call(url, data=None, timeout=20):
    """(status, JSON body, headers) of a request; errors are answers too."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=timeout) as answer:
            return answer.status, json.load(answer), answer.headers
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body), error.headers
        except ValueError:
            return error.code, {"raw": body[:200].decode(errors="replace")}, error.headers


@pytest.fixture(scope="module")
def cluster():
    # scripts/cluster installs PostgreSQL and HAProxy from Debian's packages when they are missing.
    state = tempfile.mkdtemp(prefix="darkroom-cluster-")
    environment = dict(os.environ, DARKROOM_BIN=os.path.abspath(DARKROOM))
    up = subprocess.run(["scripts/cluster", "up", "--state", state, "--nodes", "3", "--base-port", str(BASE_PORT),
                                         "--replica-delay", "2s"],
                        env=environment, capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        settings = dict(line.split("=", 1) for line in open(os.path.join(state, "cluster.env")).read().split())
        yield state, settings
    finally:
        subprocess.run(["scripts/cluster", "down", "--state", state, "--purge"], env=environment, capture_output=True, timeout=120)


def test_a_cluster_shares_every_write_and_survives_a_killed_node_and_a_restarted_primary(cluster):
    state, settings = cluster
    proxy = settings["DARKROOM_CLUSTER_URL"]
    primary = settings["DARKROOM_CLUSTER_PRIMARY_URL"]
    nodes = [f"http://127.0.0.1:{BASE_PORT + 9 + index}" for index in (1, 2, 3)]
    shared = ["--database-url", primary]
    data_dir = settings["DARKROOM_CLUSTER_DATA"]
    client = darkroom("client", "create", "--name", "Cluster", "--redirect-uri", "http://localhost/cb", *shared, data_dir=data_dir)
    darkroom("user", "create", "--username", "daguerre", "--password-stdin", *shared, data_dir=data_dir, stdin="boulevard du temple\n")
    token = darkroom("token", "create", "--username", "daguerre", "--client-id", client["client_id"], "--scope", "basic upload comments",
                     *shared, data_dir=data_dir)["access_token"]
    darkroom("user", "create", "--username", "niepce", "--password-stdin", *shared, data_dir=data_dir, stdin="view from the window\n")
    other = darkroom("token", "create", "--username", "niepce", "--client-id", client["client_id"], *shared, data_dir=data_dir)["access_token"]
    time.sleep(3)  # the accounts, written by the operator's commands, reach the delayed replica

    # Written through one node, read at once by its author through another (from the primary, or a replica that has
    # replayed the write), while another person, reading the replica, does not see it yet.
    media = upload(nodes[0], token, "across the nodes", 0.3)
    status, body, _ = call(f"{nodes[1]}/v1/media/{media}?access_token={token}")
    assert status == 200 and body["data"]["caption"]["text"] == "across the nodes"
    status, body, _ = call(f"{nodes[2]}/v1/media/{media}?access_token={other}")
    assert status == 400 and body["meta"]["error_type"] == "APINotFoundError", "reads did not go to the (late) replica"
    time.sleep(3)
    status, body, _ = call(f"{nodes[2]}/v1/media/{media}?access_token={other}")
    assert status == 200, "the replica did not catch up"
    picture = body["data"]["images"]["standard_resolution"]["url"].replace(proxy, nodes[2])
    with urllib.request.urlopen(picture, timeout=10) as answer:
        assert answer.status == 200 and answer.read(3) == b"\xff\xd8\xff"

    # A person signs up on the web through one node; their next page, through another, shows their new account at once
    # (the replica is still two seconds behind it).
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(f"{nodes[0]}/accounts/signup", timeout=20) as page:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode()).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "username": "talbot", "password": "pencil of nature"}).encode()
    with browser.open(f"{nodes[0]}/accounts/signup", data=form, timeout=20) as page:
        assert page.status == 200 and page.url.rstrip("/") == nodes[0]
    with browser.open(f"{nodes[1]}/talbot/", timeout=20) as page:
        assert page.status == 200 and "edit-profile" in page.read().decode()

    # Comments through the proxy while node 1 is killed: every acknowledged one is there afterwards.
    acknowledged, failures = [], []

    def load():
        for index in range(120):
            form = urllib.parse.urlencode({"access_token": token, "text": f"comment {index}"}).encode()
            status, body, _ = call(f"{proxy}/v1/media/{media}/comments", data=form)
            if status == 200:
                acknowledged.append(body["data"]["id"])
            else:
                failures.append(status)

    writer = threading.Thread(target=load)
    writer.start()
    while len(acknowledged) < 30:
        time.sleep(0.01)
    os.kill(int(open(os.path.join(state, "node1.pid")).read()), signal.SIGKILL)
    writer.join(timeout=120)
    status, body, _ = call(f"{proxy}/v1/media/{media}/comments?access_token={token}")
    stored = {comment["id"] for comment in body["data"]}
    assert status == 200 and set(acknowledged) <= stored, "an acknowledged comment is missing"
    assert len(acknowledged) >= 110, f"the proxy did not route around the killed node: {failures}"

    # The replica stopped under load: every read is still answered (by the primary).
    pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    answers = []

    def read_load():
        deadline = time.time() + 10
        while time.time() < deadline:
            answers.append(call(f"{proxy}/v1/media/{media}/comments?access_token={other}", timeout=30)[0])

    reader = threading.Thread(target=read_load)
    reader.start()
    time.sleep(1)
    subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", os.path.join(state, "pg", "replica"), "-m", "immediate", "stop"],
                   check=True, capture_output=True)
    reader.join(timeout=60)
    assert answers and set(answers) == {200}, f"reads failed while the replica stopped: {sorted(set(answers))}"

    # The primary restarted: 503 with Retry-After during the gap, then the nodes reconnect by themselves.
    primary_data = os.path.join(state, "pg", "primary")
    subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", primary_data, "-m", "fast", "stop"], check=True, capture_output=True)
    started = time.time()
    status, body, headers = call(f"{proxy}/v1/media/{media}?access_token={token}", timeout=30)
    assert status == 503 and headers["Retry-After"] and body["meta"]["code"] == 503, (status, body)
    assert time.time() - started < 15, "the request hung while the database was away"
    subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", primary_data, "-l", os.path.join(state, "logs", "postgres", "primary.log"),
                    "-w", "start"], check=True, capture_output=True)
    deadline = time.time() + 30
    while True:
        status, body, _ = call(f"{proxy}/v1/media/{media}?access_token={token}")
        if status == 200:
            break
        assert status == 503 and time.time() < deadline, (status, body)
        time.sleep(0.5)

    # The primary lost for good: the replica is promoted and the nodes restarted on it (docs/OPERATING.md), with
    # every acknowledged write there and new ones accepted.
    subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", os.path.join(state, "pg", "replica"), "-l",
                    os.path.join(state, "logs", "postgres", "replica.log"), "-w", "start"], check=True, capture_output=True)
    time.sleep(4)  # it replays, two seconds late, what it missed
    environment = dict(os.environ, DARKROOM_BIN=os.path.abspath(DARKROOM))
    failover = subprocess.run(["scripts/cluster", "failover", "--state", state], env=environment, capture_output=True, text=True, timeout=120)
    assert failover.returncode == 0, failover.stdout + failover.stderr
    status, body, _ = call(f"{proxy}/v1/media/{media}/comments?access_token={token}")
    assert status == 200 and set(acknowledged) <= {comment["id"] for comment in body["data"]}
    form = urllib.parse.urlencode({"access_token": token, "text": "after the failover"}).encode()
    assert call(f"{proxy}/v1/media/{media}/comments", data=form)[0] == 200
