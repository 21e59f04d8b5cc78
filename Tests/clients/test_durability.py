"""A server killed with SIGKILL in the middle of a write load keeps every write it acknowledged (group commit answers a
caller only after the commit that holds its write), and its counts still match its rows."""
import json
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from darkroom_server import darkroom, start_server


def get(url):
    return json.load(urllib.request.urlopen(url, timeout=10))


def test_acknowledged_comments_survive_a_kill():
    data_dir = tempfile.mkdtemp(prefix="darkroom-durability-")
    try:
        darkroom("seed", "--users", "40", "--media", "300", "--seed", "7", "--quiet", data_dir=data_dir)
        client = darkroom("client", "create", "--name", "durability", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
        process, base = start_server(data_dir, "/health")
        users = get(f"{base}/v1/users/search?q=a&count=50&client_id={client['client_id']}")["data"]
        tokens = [darkroom("token", "create", "--username", user["username"], "--client-id", client["client_id"],
                           "--scope", "basic comments", data_dir=data_dir)["access_token"] for user in users[:8]]
        media = []
        for user in users:
            try:
                media += [item["id"] for item in get(f"{base}/v1/users/{user['id']}/media/recent?access_token={tokens[0]}")["data"]]
            except urllib.error.HTTPError:
                pass  # a private account the first token does not follow
        media = media[:20]
        assert len(media) == 20

        acknowledged = []
        lock = threading.Lock()
        stop = threading.Event()

        def comment(worker):
            sent = 0
            while not stop.is_set():
                target = media[(worker * 7 + sent) % len(media)]
                text = f"durable {worker} {sent}"
                body = urllib.parse.urlencode({"access_token": tokens[worker], "text": text}).encode()
                try:
                    urllib.request.urlopen(f"{base}/v1/media/{target}/comments", data=body, timeout=10)
                except Exception:
                    return  # the server is gone: this write was not acknowledged
                with lock:
                    acknowledged.append((target, text))
                sent += 1

        workers = [threading.Thread(target=comment, args=(index,)) for index in range(len(tokens))]
        for worker in workers:
            worker.start()
        time.sleep(2)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        stop.set()
        for worker in workers:
            worker.join(timeout=15)
        assert len(acknowledged) > 50, "the load made too few writes to prove anything"
        print(f"{len(acknowledged)} comments acknowledged before the kill")

        process, base = start_server(data_dir, "/health")
        try:
            for target in media:
                stored = {item["text"] for item in get(f"{base}/v1/media/{target}/comments?access_token={tokens[0]}")["data"]}
                expected = {text for media_id, text in acknowledged if media_id == target}
                assert expected <= stored, f"acknowledged comments lost on {target}: {sorted(expected - stored)[:5]}"
        finally:
            process.terminate()
            process.wait(timeout=10)
        with sqlite3.connect(f"file:{data_dir}/darkroom.sqlite?mode=ro", uri=True) as database:
            wrong = database.execute("""
                SELECT count(*) FROM media m WHERE m.comment_count <> (SELECT count(*) FROM comments c WHERE c.media_id = m.id)
                """).fetchone()[0]
        assert wrong == 0, f"{wrong} media whose comment count does not match its comments"
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
