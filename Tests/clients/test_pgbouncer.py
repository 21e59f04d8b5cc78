"""PgBouncer in transaction mode between Darkroom and PostgreSQL, as a deployment with many nodes runs it. Debian 12's
PgBouncer (1.18) keeps no prepared statement from one transaction to the next, so Darkroom runs with
`?prepared_statements=off` (docs/OPERATING.md): migrations, operator commands, uploads, likes, comments and reads from
concurrent clients all go through four server connections shared transaction by transaction, and every count matches
its rows afterwards. Uses the PostgreSQL the CI starts (DARKROOM_TEST_POSTGRES_URL)."""
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest

from darkroom_server import DARKROOM, darkroom, free_port, start_server
from test_cluster import call
from test_realtime import upload

POSTGRES = os.environ.get("DARKROOM_TEST_POSTGRES_URL")


@pytest.fixture(scope="module")
def bouncer():
    if not POSTGRES:
        pytest.skip("DARKROOM_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    assert shutil.which("pgbouncer"), "pgbouncer must be installed (scripts/test installs it)"
    server = urllib.parse.urlparse(POSTGRES)
    admin = f"postgres://{server.username}@{server.hostname}:{server.port}/postgres"
    subprocess.run(["psql", admin, "-qc", "DROP DATABASE IF EXISTS darkroom_pgbouncer"], check=True)
    subprocess.run(["psql", admin, "-qc", "CREATE DATABASE darkroom_pgbouncer"], check=True)
    # PgBouncer refuses to run as root: its folder and process belong to the postgres user.
    folder = tempfile.mkdtemp(prefix="darkroom-pgbouncer-")
    shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    with open(os.path.join(folder, "pgbouncer.ini"), "w") as config:
        config.write(f"""[databases]
darkroom_pgbouncer = host={server.hostname} port={server.port} dbname=darkroom_pgbouncer user={server.username}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 4
max_client_conn = 500
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
""")
    process = subprocess.Popen(["runuser", "-u", "postgres", "--", "pgbouncer", os.path.join(folder, "pgbouncer.ini")])
    for _ in range(100):
        if subprocess.run(["psql", f"postgres://postgres@127.0.0.1:{port}/darkroom_pgbouncer", "-qAtc", "SELECT 1"],
                          capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/darkroom_pgbouncer?prepared_statements=off", folder
    finally:
        process.terminate()
        process.wait(timeout=10)
        subprocess.run(["psql", admin, "-qc", "DROP DATABASE IF EXISTS darkroom_pgbouncer WITH (FORCE)"])
        shutil.rmtree(folder, ignore_errors=True)


def test_darkroom_works_through_pgbouncer_in_transaction_mode(bouncer):
    url, folder = bouncer
    data_dir = tempfile.mkdtemp(prefix="darkroom-pgbouncer-data-")
    shared = ("--database-url", url)
    process, base = start_server(data_dir, "/ready", extra_args=shared)
    try:
        client = darkroom("client", "create", "--name", "Bouncer", "--redirect-uri", "http://localhost/cb", *shared, data_dir=data_dir)
        tokens = []
        for index in range(4):
            darkroom("user", "create", "--username", f"bouncer{index}", "--password-stdin", *shared, data_dir=data_dir,
                     stdin="through the pooler\n")
            tokens.append(darkroom("token", "create", "--username", f"bouncer{index}", "--client-id", client["client_id"],
                                   "--scope", "basic likes comments upload", *shared, data_dir=data_dir)["access_token"])
        media = [upload(base, tokens[index], f"pooled #bouncer {index}", seed=index * 0.7) for index in range(4)]

        failures = []

        def work(worker):
            token = tokens[worker % 4]
            for round in range(10):
                target = media[(worker + round) % 4]
                answers = [
                    call(f"{base}/v1/media/{target}/likes?access_token={token}", data=b""),
                    call(f"{base}/v1/media/{target}/comments?access_token={token}",
                         data=urllib.parse.urlencode({"text": f"w{worker} r{round}"}).encode()),
                    call(f"{base}/v1/users/self/feed?access_token={token}"),
                    call(f"{base}/v1/media/{target}?access_token={token}"),
                    call(f"{base}/v1/tags/bouncer/media/recent?access_token={token}"),
                ]
                failures.extend((worker, round, status, body) for status, body, _ in answers if status != 200)

        threads = [threading.Thread(target=work, args=(worker,)) for worker in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not failures, failures[:5]

        # Every like and comment acknowledged is there, and each count matches its rows.
        total_comments = 0
        for media_id in media:
            status, body, _ = call(f"{base}/v1/media/{media_id}?access_token={tokens[0]}")
            assert status == 200
            status, comments, _ = call(f"{base}/v1/media/{media_id}/comments?access_token={tokens[0]}")
            assert status == 200 and len(comments["data"]) == body["data"]["comments"]["count"]
            status, likes, _ = call(f"{base}/v1/media/{media_id}/likes?access_token={tokens[0]}")
            assert status == 200 and len(likes["data"]) == body["data"]["likes"]["count"] == 4
            total_comments += body["data"]["comments"]["count"]
        assert total_comments == 16 * 10
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
