"""The operator's commands (`darkroom user|client|token …`) against the data of a running server: what they change
takes effect on the server (within the two seconds a token's grant is cached), and what they cannot do they refuse
with a message and a failing exit status."""
import json
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from darkroom_server import DARKROOM, darkroom, start_server


@pytest.fixture(scope="module")
def server():
    data_dir = tempfile.mkdtemp(prefix="darkroom-operator-")
    process, base = start_server(data_dir, "/health")
    yield {"base": base, "data_dir": data_dir}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


def status(url, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with urllib.request.urlopen(url, data=data) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def eventually(check, seconds=5):
    """Another process's change reaches the server's grant cache within about a second (polled)."""
    deadline = time.time() + seconds
    while not check():
        assert time.time() < deadline, "the server did not see the change in time"
        time.sleep(0.2)


def refused(*args, data_dir):
    result = subprocess.run([DARKROOM, *args, "--data-dir", data_dir], capture_output=True, text=True)
    assert result.returncode != 0
    return result.stderr


def xauth(base, client, username, password):
    return status(f"{base}/oauth/access_token", {"client_id": client["client_id"], "client_secret": client["client_secret"],
                                                 "grant_type": "password", "username": username, "password": password})


def test_accounts_clients_and_tokens_from_the_command_line(server):
    base, data_dir = server["base"], server["data_dir"]
    darkroom("user", "create", "--username", "hopper", "--full-name", "Grace Hopper", "--password-stdin", data_dir=data_dir,
             stdin="first compiler\n")
    shown = darkroom("user", "show", "--username", "hopper", data_dir=data_dir)
    assert shown["username"] == "hopper" and shown["operator"] is False and shown["has_password"] is True
    assert darkroom("user", "promote", "--username", "hopper", data_dir=data_dir)["operator"] is True
    assert darkroom("user", "promote", "--username", "hopper", "--demote", data_dir=data_dir)["operator"] is False
    listed = darkroom("user", "list", data_dir=data_dir)["users"]
    assert [user["username"] for user in listed] == ["hopper"]

    client = darkroom("client", "create", "--name", "Console", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
    assert xauth(base, client, "hopper", "first compiler") == 400  # not trusted yet
    assert darkroom("client", "trust", "--client-id", client["client_id"], data_dir=data_dir)["trusted"] is True
    eventually(lambda: xauth(base, client, "hopper", "first compiler") == 200)
    shown_client = darkroom("client", "show", "--client-id", client["client_id"], data_dir=data_dir)
    assert shown_client["users_with_live_tokens"] == 1 and "client_secret" not in shown_client
    assert [c["client_id"] for c in darkroom("client", "list", data_dir=data_dir)["clients"]] == [client["client_id"]]

    # A token made by the command works until the command revokes it.
    token = darkroom("token", "create", "--username", "hopper", "--client-id", client["client_id"], data_dir=data_dir)["access_token"]
    assert status(f"{base}/v1/users/self?access_token={token}") == 200
    tokens = darkroom("token", "list", "--username", "hopper", data_dir=data_dir)["tokens"]
    assert len(tokens) == 2 and all(t["client_id"] == client["client_id"] for t in tokens)
    assert token not in json.dumps(tokens)
    assert darkroom("token", "revoke", "--username", "hopper", "--client-id", client["client_id"], data_dir=data_dir)["revoked"] == 2
    eventually(lambda: status(f"{base}/v1/users/self?access_token={token}") == 400)
    assert darkroom("token", "list", "--username", "hopper", data_dir=data_dir)["tokens"] == []
    assert len(darkroom("token", "list", "--username", "hopper", "--all", data_dir=data_dir)["tokens"]) == 2

    # A new password, read from standard input: the old one stops working.
    darkroom("user", "reset-password", "--username", "hopper", "--password-stdin", data_dir=data_dir, stdin="nanosecond wire\n")
    assert xauth(base, client, "hopper", "first compiler") == 400
    assert xauth(base, client, "hopper", "nanosecond wire") == 200

    # Untrusted, then deleted: the client's last token stops with it.
    darkroom("client", "untrust", "--client-id", client["client_id"], data_dir=data_dir)
    eventually(lambda: xauth(base, client, "hopper", "nanosecond wire") == 400)
    last = darkroom("token", "create", "--username", "hopper", "--client-id", client["client_id"], data_dir=data_dir)["access_token"]
    assert darkroom("client", "delete", "--client-id", client["client_id"], data_dir=data_dir)["deleted"] is True
    eventually(lambda: status(f"{base}/v1/users/self?access_token={last}") == 400)


def test_what_the_commands_cannot_do_they_refuse_plainly(server):
    data_dir = server["data_dir"]
    assert "no user named nobody" in refused("user", "show", "--username", "nobody", data_dir=data_dir)
    assert "no client with client_id" in refused("client", "delete", "--client-id", "0" * 32, data_dir=data_dir)
    assert "name a --username, a --client-id, or both" in refused("token", "revoke", data_dir=data_dir)
    darkroom("user", "create", "--username", "lovelace", "--password-stdin", data_dir=data_dir, stdin="bernoulli numbers\n")
    result = subprocess.run([DARKROOM, "user", "reset-password", "--username", "lovelace", "--password-stdin", "--data-dir", data_dir],
                            input="short\n", capture_output=True, text=True)
    assert result.returncode != 0 and "at least 8 characters" in result.stderr
    assert "between 1 and 10000" in refused("user", "list", "--limit", "0", data_dir=data_dir)


def test_a_suspended_account_vanishes_from_the_running_server_and_comes_back(server):
    base, data_dir = server["base"], server["data_dir"]
    user = darkroom("user", "create", "--username", "mallory", "--password-stdin", data_dir=data_dir, stdin="plausible deniability\n")
    client = darkroom("client", "create", "--name", "Reader", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
    token = darkroom("token", "create", "--username", "mallory", "--client-id", client["client_id"], data_dir=data_dir)["access_token"]
    assert status(f"{base}/v1/users/self?access_token={token}") == 200
    assert "give a --reason" in refused("user", "suspend", "--username", "mallory", "--reason", " ", data_dir=data_dir)
    suspended = darkroom("user", "suspend", "--username", "mallory", "--reason", "spam", data_dir=data_dir)
    assert suspended["suspended_time"] is not None
    eventually(lambda: status(f"{base}/v1/users/self?access_token={token}") == 400)
    assert "already suspended" in refused("user", "suspend", "--username", "mallory", "--reason", "spam", data_dir=data_dir)
    darkroom("user", "unsuspend", "--username", "mallory", "--reason", "appeal", data_dir=data_dir)
    eventually(lambda: status(f"{base}/v1/users/self?access_token={token}") == 200)
    log = darkroom("moderation", "log", "--username", "mallory", data_dir=data_dir)["actions"]
    assert [(a["action"], a["reason"], a["user_id"]) for a in log] == [("unsuspend", "appeal", user["id"]), ("suspend", "spam", user["id"])]
    assert all(a["actor"].startswith("command line (") for a in log)


def test_an_account_exported_then_deleted_from_the_command_line_is_gone_from_the_running_server(server):
    import zipfile
    base, data_dir = server["base"], server["data_dir"]
    darkroom("user", "create", "--username", "babbage", "--password-stdin", data_dir=data_dir, stdin="nanoseconds of wire\n")
    client = darkroom("client", "create", "--name", "Compiler", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
    token = darkroom("token", "create", "--username", "babbage", "--client-id", client["client_id"], data_dir=data_dir)["access_token"]
    assert status(f"{base}/v1/users/self?access_token={token}") == 200

    archive = tempfile.mktemp(suffix=".zip", dir=data_dir)
    written = darkroom("user", "export", "--username", "babbage", "--to", archive, data_dir=data_dir)
    assert written["bytes"] > 0
    with zipfile.ZipFile(archive) as exported:
        names = set(exported.namelist())
        assert {"README.md", "profile.json", "media.json", "comments.json", "likes.json", "relationships.json",
                "applications.json", "clients.json"} <= names
        assert json.loads(exported.read("profile.json"))["username"] == "babbage"
        assert [app["name"] for app in json.loads(exported.read("applications.json"))] == ["Compiler"]
    assert "exists already" in refused("user", "export", "--username", "babbage", "--to", archive, data_dir=data_dir)

    assert "add --yes" in refused("user", "delete", "--username", "babbage", data_dir=data_dir)
    deleted = darkroom("user", "delete", "--username", "babbage", "--yes", data_dir=data_dir)
    assert deleted["deleted"] is True and deleted["removed"]["media"] == 0
    eventually(lambda: status(f"{base}/v1/users/self?access_token={token}") == 400)
    assert "no user named babbage" in refused("user", "show", "--username", "babbage", data_dir=data_dir)
    assert "no user named babbage" in refused("user", "delete", "--username", "babbage", "--yes", data_dir=data_dir)
    log = darkroom("moderation", "log", data_dir=data_dir)["actions"]
    assert log[0]["action"] == "delete account" and log[0]["actor"].startswith("command line (")


def test_reports_from_the_command_line(server):
    data_dir = server["data_dir"]
    assert darkroom("moderation", "reports", data_dir=data_dir)["reports"] == []
    assert "must be one of: dismiss, remove, suspend" in refused(
        "moderation", "settle", "--report", "1", "--decision", "ignore", "--reason", "x", data_dir=data_dir)
    assert "no open report with id 1" in refused(
        "moderation", "settle", "--report", "1", "--decision", "dismiss", "--reason", "x", data_dir=data_dir)


def test_jobs_set_aside_are_listed_retried_and_dropped_from_the_command_line(server):
    data_dir = server["data_dir"]
    # Jobs of a kind no server here runs (as a newer server of a fleet might leave): set aside, with why.
    with sqlite3.connect(f"{data_dir}/darkroom.sqlite") as database:
        for job_id in (71, 72):
            database.execute(
                "INSERT INTO jobs (id, kind, payload, run_at, created_at, attempts, failed_at, last_error)"
                " VALUES (?, 'from-the-future', '{}', 0, 1700000000, 20, 1700000100, 'receiver down')", (job_id,))
    listed = darkroom("jobs", "list", "--set-aside", data_dir=data_dir)
    assert [(job["id"], job["kind"], job["last_error"]) for job in listed["jobs"]] == [
        ("71", "from-the-future", "receiver down"), ("72", "from-the-future", "receiver down")]
    assert {"kind": "from-the-future", "waiting": 0, "oldest_due_time": None, "set_aside": 2} in listed["kinds"]

    assert darkroom("jobs", "retry", "71", data_dir=data_dir) == {"retried": 1}
    waiting = darkroom("jobs", "list", data_dir=data_dir)["jobs"]
    assert [(job["id"], job["attempts"], job["set_aside_time"]) for job in waiting if job["kind"] == "from-the-future"] == [("71", 0, None)]
    assert "no job set aside has id 71" in refused("jobs", "retry", "71", data_dir=data_dir)
    assert "name a job id, or --all" in refused("jobs", "drop", data_dir=data_dir)

    assert darkroom("jobs", "drop", "--all", data_dir=data_dir) == {"dropped": 1}
    assert darkroom("jobs", "list", "--set-aside", data_dir=data_dir)["jobs"] == []
