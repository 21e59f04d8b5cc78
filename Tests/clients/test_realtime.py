"""Real-time notifications survive the server: photos posted while their subscriber's callback is down, then the
server killed with SIGKILL and started again — every photo's notification still arrives, once the callback is up."""
import http.server
import json
import shutil
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from darkroom_server import darkroom, free_port, start_server
from photos import png


class Callback:
    def __init__(self):
        self.media = []
        self.up = False
        callback = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                challenge = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("hub.challenge", [""])[0]
                self.send_response(200)
                self.end_headers()
                self.wfile.write(challenge.encode())

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not callback.up:
                    self.send_response(503)
                    self.end_headers()
                    return
                callback.media += [item["data"]["media_id"] for item in json.loads(body)]
                self.send_response(200)
                self.end_headers()

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def upload(base, token, caption, seed):
    boundary = "durableboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n{caption}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n").encode() \
        + png(width=160, height=160, seed=seed) + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{base}/v1/media/upload?access_token={token}", data=body,
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["data"]["id"]


def test_every_notification_arrives_after_a_kill_and_restart():
    data_dir = tempfile.mkdtemp(prefix="darkroom-realtime-")
    allow = ["--allow-callback-network", "127.0.0.1/32"]
    callback = Callback()
    try:
        client = darkroom("client", "create", "--name", "Hub", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
        darkroom("user", "create", "--username", "daguerre", "--password-stdin", data_dir=data_dir, stdin="silver iodide plate\n")
        token = darkroom("token", "create", "--username", "daguerre", "--client-id", client["client_id"], "--scope", "basic upload",
                         data_dir=data_dir)["access_token"]
        process, base = start_server(data_dir, "/health", extra_args=allow)
        subscribe = urllib.parse.urlencode({"client_id": client["client_id"], "client_secret": client["client_secret"], "object": "tag",
                                            "object_id": "durable", "aspect": "media",
                                            "callback_url": f"http://127.0.0.1:{callback.port}/callback"}).encode()
        with urllib.request.urlopen(f"{base}/v1/subscriptions", data=subscribe, timeout=30) as answer:
            assert json.load(answer)["data"]["object_id"] == "durable"

        posted = [upload(base, token, f"plate {index} #durable", index / 3) for index in range(12)]
        time.sleep(0.5)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert callback.media == []

        callback.up = True
        process, base = start_server(data_dir, "/health", extra_args=allow)
        try:
            deadline = time.time() + 60
            while set(callback.media) != set(posted) and time.time() < deadline:
                time.sleep(0.2)
            assert set(callback.media) == set(posted), f"missing after the restart: {sorted(set(posted) - set(callback.media))}"
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        callback.server.shutdown()
        shutil.rmtree(data_dir, ignore_errors=True)


def read_events(response, count, seconds=15):
    """The next `count` events of a Server-Sent Events stream, as (id, event, data) tuples."""
    events, current = [], {}
    deadline = time.time() + seconds
    while len(events) < count and time.time() < deadline:
        line = response.readline().decode().rstrip("\n")
        if line == "":
            if "event" in current:
                events.append((current.get("id"), current["event"], json.loads(current.get("data", "{}"))))
            current = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            current[name] = value
    return events


def test_a_live_stream_delivers_a_followed_accounts_new_photo_and_resumes():
    data_dir = tempfile.mkdtemp(prefix="darkroom-stream-")
    try:
        client = darkroom("client", "create", "--name", "Live", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
        for name in ("niepce", "talbot"):
            darkroom("user", "create", "--username", name, "--password-stdin", data_dir=data_dir, stdin=f"{name} heliograph\n")
        poster = darkroom("token", "create", "--username", "niepce", "--client-id", client["client_id"], "--scope", "basic upload",
                          data_dir=data_dir)["access_token"]
        viewer = darkroom("token", "create", "--username", "talbot", "--client-id", client["client_id"], "--scope", "basic relationships",
                          data_dir=data_dir)["access_token"]
        process, base = start_server(data_dir, "/health")
        try:
            niepce = json.load(urllib.request.urlopen(f"{base}/v1/users/self?access_token={poster}"))["data"]["id"]
            follow = urllib.parse.urlencode({"action": "follow", "access_token": viewer}).encode()
            urllib.request.urlopen(f"{base}/v1/users/{niepce}/relationship", data=follow)

            stream = urllib.request.urlopen(f"{base}/v1/stream?access_token={viewer}", timeout=30)
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            first = upload(base, poster, "view from the window", 0.4)
            events = read_events(stream, 1)
            assert events and events[0][1] == "media" and events[0][2]["media_id"] == first
            last_seen = events[0][0]
            stream.close()

            # Two more while disconnected: a reconnection from the last id it saw gets both, in order.
            missed = [upload(base, poster, "boulevard", 0.7), upload(base, poster, "still life", 0.9)]
            request = urllib.request.Request(f"{base}/v1/stream?access_token={viewer}", headers={"Last-Event-ID": last_seen})
            with urllib.request.urlopen(request, timeout=30) as resumed:
                events = read_events(resumed, 2)
            assert [event[2]["media_id"] for event in events] == missed

            # Four streams at once for one person in one app; a fifth is refused until one closes. (A closed stream's
            # place comes back when the server next writes to it, within seconds: so each opening may wait a little.)
            def open_stream(seconds=20):
                deadline = time.time() + seconds
                while True:
                    try:
                        return urllib.request.urlopen(f"{base}/v1/stream?access_token={viewer}", timeout=10)
                    except urllib.error.HTTPError as error:
                        assert error.code == 429 and json.load(error)["meta"]["error_type"] == "OAuthRateLimitException"
                        assert time.time() < deadline, "a closed stream's place was not given back"
                        time.sleep(0.3)

            held = [open_stream() for _ in range(4)]
            try:
                urllib.request.urlopen(f"{base}/v1/stream?access_token={viewer}", timeout=10)
                raise AssertionError("a fifth stream was served")
            except urllib.error.HTTPError as error:
                assert error.code == 429
            held.pop().close()
            held.append(open_stream())
            for each in held:
                each.close()

            refused = urllib.request.Request(f"{base}/v1/stream?client_id={client['client_id']}")
            try:
                urllib.request.urlopen(refused, timeout=10)
                raise AssertionError("a stream without a user's token was served")
            except urllib.error.HTTPError as error:
                assert error.code == 400
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_two_servers_on_one_postgresql_deliver_each_notification_once():
    """Two server processes share one PostgreSQL database and its outbox: photos posted through both reach the
    callback, each exactly once in the normal case (each notification is claimed by one of them)."""
    import os
    import subprocess
    import uuid

    import pytest

    base_url = os.environ.get("DARKROOM_TEST_POSTGRES_URL")
    if not base_url:
        pytest.skip("needs DARKROOM_TEST_POSTGRES_URL (scripts/test on CI starts PostgreSQL)")
    schema = "rt_" + uuid.uuid4().hex
    subprocess.run(["psql", base_url, "-q", "-c", f"CREATE SCHEMA {schema}"], check=True, capture_output=True)
    database_url = base_url + ("&" if "?" in base_url else "?") + f"search_path={schema}&pool_size=4"
    data_dir = tempfile.mkdtemp(prefix="darkroom-two-")
    callback = Callback()
    callback.up = True
    processes = []
    try:
        shared = ["--database-url", database_url]
        client = darkroom("client", "create", "--name", "Hub", "--redirect-uri", "http://localhost/cb", *shared, data_dir=data_dir)
        darkroom("user", "create", "--username", "nadar", "--password-stdin", *shared, data_dir=data_dir, stdin="balloon over paris\n")
        token = darkroom("token", "create", "--username", "nadar", "--client-id", client["client_id"], "--scope", "basic upload",
                         *shared, data_dir=data_dir)["access_token"]
        servers = []
        for _ in range(2):
            process, base = start_server(data_dir, "/health", extra_args=["--allow-callback-network", "127.0.0.1/32", *shared])
            processes.append(process)
            servers.append(base)
        subscribe = urllib.parse.urlencode({"client_id": client["client_id"], "client_secret": client["client_secret"], "object": "tag",
                                            "object_id": "twice", "callback_url": f"http://127.0.0.1:{callback.port}/callback"}).encode()
        urllib.request.urlopen(f"{servers[0]}/v1/subscriptions", data=subscribe, timeout=30)
        posted = [upload(servers[index % 2], token, f"aerial {index} #twice", index / 5) for index in range(16)]
        deadline = time.time() + 30
        while len(callback.media) < len(posted) and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        assert sorted(callback.media) == sorted(posted), "each photo's notification arrives exactly once"
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        callback.server.shutdown()
        shutil.rmtree(data_dir, ignore_errors=True)
        subprocess.run(["psql", base_url, "-q", "-c", f"DROP SCHEMA {schema} CASCADE"], capture_output=True)
