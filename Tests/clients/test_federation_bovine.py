"""Federation against a real fediverse server: bovine (`bovine-herd` on PyPI), started beside Darkroom on loopback.
A bovine account and Darkroom people follow each other; photos with alt text, likes and replies travel both ways,
each request signed by its sender and checked by the other side; an unfollow and a delete take effect; a private
account's post never reaches a server none of whose people it approved; and the bovine account moves to a Darkroom
person who named it as their old account (on the data page, in a real Chromium), taking its Darkroom followers along.

bovine runs in its own virtual environment (scripts/test makes it from fediverse/requirements.txt); BOVINE_PYTHON
names its interpreter."""
import http.server
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import pytest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from darkroom_server import darkroom, free_port, start_server
from photos import png
from test_web_browser import browser, element, screenshot, sign_up  # noqa: F401 (a fixture)

HERE = os.path.dirname(os.path.abspath(__file__))
BOVINE_PYTHON = os.environ.get("BOVINE_PYTHON", os.path.join(HERE, "..", "..", ".build", "bovine", "bin", "python"))
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def wait_for(check, what, seconds=30):
    """Polls `check` until it answers something true; deliveries are jobs, so what they do shows a moment later."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Bovine:
    """A bovine-herd server with one account, driven through bovine's own client (fediverse/bovine_peer.py)."""

    def __init__(self, folder):
        self.port = free_port()
        self.domain = f"http://127.0.0.1:{self.port}"
        database = f"sqlite://{folder}/bovine.sqlite3"
        self.secret = json.loads(self.peer("setup", database, self.domain, "milkdrinker"))["secret"]
        self.log = open(os.path.join(folder, "bovine.log"), "w")
        self.process = subprocess.Popen(
            [os.path.join(os.path.dirname(BOVINE_PYTHON), "hypercorn"), "--bind", f"127.0.0.1:{self.port}", "bovine_app:app"],
            cwd=os.path.join(HERE, "fediverse"), env={**os.environ, "BOVINE_DB": database}, stdout=self.log, stderr=self.log)
        wait_for(lambda: self.answers(), "bovine to start")
        self.handle = f"milkdrinker@127.0.0.1:{self.port}"
        self.actor = json.loads(self.peer("whoami", self.domain, self.secret))["actor"]

    def answers(self):
        try:
            urllib.request.urlopen(f"{self.domain}/.well-known/nodeinfo", timeout=2)
            return True
        except Exception:
            return False

    def peer(self, *arguments):
        result = subprocess.run([BOVINE_PYTHON, os.path.join(HERE, "fediverse", "bovine_peer.py"), *arguments],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip().splitlines()[-1]

    def send(self, activity):
        answer = json.loads(self.peer("send", self.domain, self.secret, json.dumps(activity)))
        assert answer["status"] in (200, 201, 202), answer
        return answer

    def inbox(self):
        return json.loads(self.peer("inbox", self.domain, self.secret))["items"]

    def received(self, kind, matching=lambda item: True):
        return [item for item in self.inbox() if item.get("type") == kind and matching(item)]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


class PhotoHost:
    """Serves the photos the bovine account posts (bovine keeps no files of its own)."""

    def __init__(self):
        self.files = {}
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = host.files.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(body or b"")

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, name, body):
        self.files["/" + name] = body
        return f"http://127.0.0.1:{self.port}/{name}"


class Darkroom:
    def __init__(self, folder):
        self.folder = folder
        self.client_id = darkroom("client", "create", "--name", "Federation test", "--redirect-uri", "http://localhost/cb",
                                  data_dir=folder)["client_id"]
        self.process, self.base = start_server(
            folder, "/health", extra_args=("--federation", "on", "--allow-federation-network", "127.0.0.0/8"))

    def person(self, username, private=False):
        arguments = ["user", "create", "--username", username, "--password-stdin"] + (["--private"] if private else [])
        user = darkroom(*arguments, data_dir=self.folder, stdin="a long password\n")
        token = darkroom("token", "create", "--username", username, "--client-id", self.client_id,
                         "--scope", "basic likes comments relationships upload", data_dir=self.folder)["access_token"]
        return {"id": user["id"], "username": username, "token": token, "actor": f"{self.base}/{username}"}

    def api(self, method, path, token, fields=None):
        data = urllib.parse.urlencode({**(fields or {}), "access_token": token}).encode() if method != "GET" else None
        url = f"{self.base}/v1{path}" + (f"?access_token={token}" if method == "GET" else "")
        separator = "&" if "?" in path else "?"
        if method == "GET" and "?" in path:
            url = f"{self.base}/v1{path}{separator}access_token={token}"
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method), timeout=30) as answer:
            return json.load(answer)["data"]

    def post(self, token, photos, caption, alt_texts):
        boundary = "federationboundary"
        body = b""
        for name, value in [("caption", caption), ("crop", "original"), ("crop", "original")] + [("alt_text", a) for a in alt_texts]:
            body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
        for index, photo in enumerate(photos):
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p{index}.png\"\r\n"
                     "Content-Type: image/png\r\n\r\n").encode() + photo + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(f"{self.base}/v1/media/upload?access_token={token}", data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)["data"]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def servers():
    folder = tempfile.mkdtemp(prefix="darkroom-federation-")
    bovine = Bovine(os.path.join(folder))
    photos = PhotoHost()
    dark = Darkroom(os.path.join(folder, "darkroom"))
    yield dark, bovine, photos
    dark.stop()
    bovine.stop()
    photos.server.shutdown()


def note_id(media_id, dark):
    return f"{dark.base}/ap/media/{media_id}"


def test_a_bovine_account_follows_a_darkroom_person_and_gets_their_photos(servers):
    dark, bovine, _ = servers
    alice = dark.person("alice")
    follow = bovine.send({"type": "Follow", "object": alice["actor"], "to": [alice["actor"]]})
    # Darkroom checked bovine's signature, took the follow, and answered with an Accept that bovine checked in turn.
    wait_for(lambda: dark.api("GET", "/users/self", alice["token"])["counts"]["followed_by"] == 1, "the follow")
    accepts = wait_for(lambda: bovine.received("Accept"), "the Accept at bovine")
    assert accepts[0]["object"]["id"] == follow["location"] or accepts[0]["object"]["type"] == "Follow"

    media = dark.post(alice["token"], [png(320, 240, seed=1), png(240, 320, seed=2)], "Two from the coast #sea",
                      ["Waves on a grey beach", "A lighthouse at dusk"])
    created = wait_for(lambda: bovine.received("Create", lambda item: item["object"]["id"] == note_id(media["id"], dark)),
                       "the post at bovine")[0]
    note = created["object"]
    attachments = note["attachment"]
    assert [a["name"] for a in attachments] == ["Waves on a grey beach", "A lighthouse at dusk"]
    assert all(a["mediaType"] == "image/jpeg" and a["type"] == "Image" for a in attachments)
    assert (attachments[0]["width"], attachments[0]["height"]) == (320, 240)
    # Each photo's BlurHash (Mastodon's `toot:blurhash`; bovine keeps the term under its full name).
    hashes = [value for a in attachments for key, value in a.items() if key.endswith("blurhash")]
    assert len(hashes) == 2 and all(len(h) == 28 for h in hashes), attachments
    assert "Two from the coast" in note["content"]
    for attachment in attachments:
        with urllib.request.urlopen(attachment["url"]) as image:
            assert image.read(3) == b"\xff\xd8\xff"

    # A like and a reply travel back and are counted once, however often they are delivered.
    like = {"type": "Like", "object": note["id"], "to": [alice["actor"]]}
    bovine.send(like)
    reply = {"type": "Create", "to": [alice["actor"]], "object": {
        "type": "Note", "content": "<p>Lovely light!</p>", "inReplyTo": note["id"], "to": [alice["actor"]]}}
    bovine.send(reply)
    seen = wait_for(lambda: (lambda m: m if m["likes"]["count"] == 1 and m["comments"]["count"] == 1 else None)(
        dark.api("GET", f"/media/{media['id']}", alice["token"])), "the like and the reply")
    assert seen["likes"]["data"][0]["username"] == bovine.handle
    assert seen["comments"]["data"][0]["text"] == "Lovely light!"
    assert seen["comments"]["data"][0]["from"]["username"] == bovine.handle

    # The unfollow takes effect.
    bovine.send({"type": "Undo", "to": [alice["actor"]], "object": {"type": "Follow", "object": alice["actor"], "id": follow["location"]}})
    wait_for(lambda: dark.api("GET", "/users/self", alice["token"])["counts"]["followed_by"] == 0, "the unfollow")


def follow_bovine(dark, bovine, person):
    """The person finds the bovine account by its handle and follows it; bovine accepts. Answers its id here."""
    found = dark.api("GET", f"/users/search?q={urllib.parse.quote(bovine.handle)}", person["token"])
    assert [user["username"] for user in found] == [bovine.handle]
    remote_id = found[0]["id"]
    assert dark.api("POST", f"/users/{remote_id}/relationship", person["token"], {"action": "follow"})["outgoing_status"] == "requested"
    follow = wait_for(lambda: bovine.received("Follow", lambda item: (item.get("actor") or {}).get("id", item.get("actor")) == person["actor"]
                                              or item.get("actor") == person["actor"]), f"{person['username']}'s Follow at bovine")[0]
    bovine.send({"type": "Accept", "object": follow["id"], "to": [person["actor"]]})
    wait_for(lambda: dark.api("GET", f"/users/{remote_id}/relationship", person["token"])["outgoing_status"] == "follows", "the Accept")
    return remote_id


def test_a_darkroom_person_follows_a_bovine_account_and_its_posts_reach_their_feed(servers):
    dark, bovine, photos = servers
    carol = dark.person("carol")
    follow_bovine(dark, bovine, carol)

    first = photos.add("harbour.png", png(400, 300, seed=5))
    second = photos.add("boats.png", png(300, 400, seed=6))
    note = {"type": "Note", "content": "<p>Morning at the harbour #boats</p>", "to": [AS_PUBLIC], "cc": [carol["actor"]],
            "attachment": [{"type": "Image", "mediaType": "image/png", "url": first, "name": "Boats at their moorings"},
                           {"type": "Image", "mediaType": "image/png", "url": second, "name": "A red hull"}]}
    bovine.send({"type": "Create", "to": [AS_PUBLIC], "cc": [carol["actor"]], "object": note})
    feed = wait_for(lambda: [m for m in dark.api("GET", "/users/self/feed", carol["token"]) if m["user"]["username"] == bovine.handle],
                    "the bovine post in carol's feed")
    post = feed[0]
    assert post["caption"]["text"] == "Morning at the harbour #boats"
    assert post["tags"] == ["boats"]
    assert post["alt_text"] == "Boats at their moorings"
    assert len(post["carousel_media"]) == 2 and post["carousel_media"][1]["alt_text"] == "A red hull"
    assert post["aspect_ratio"] == pytest.approx(4 / 3, abs=0.01)
    # The pages show it too: the bovine account's profile here, as a visitor sees it, holds the post.
    with urllib.request.urlopen(f"{dark.base}/{urllib.parse.quote(bovine.handle)}") as page:
        html = page.read().decode()
    assert urllib.parse.urlparse(post["link"]).path in html

    # Carol's like and comment reach the bovine account, signed by Darkroom and checked by bovine.
    dark.api("POST", f"/media/{post['id']}/likes", carol["token"])
    dark.api("POST", f"/media/{post['id']}/comments", carol["token"], {"text": "Beautiful boats"})
    wait_for(lambda: bovine.received("Like"), "the Like at bovine")
    replies = wait_for(lambda: bovine.received("Create", lambda item: isinstance(item["object"], dict) and item["object"].get("inReplyTo")),
                       "the reply at bovine")
    assert "Beautiful boats" in replies[0]["object"]["content"]

    # The bovine account deletes its post: it goes from carol's feed.
    bovine_note = wait_for(lambda: [i for i in bovine.received("Like")], "the like")[0]["object"]
    bovine_note_id = bovine_note if isinstance(bovine_note, str) else bovine_note["id"]
    bovine.send({"type": "Delete", "object": bovine_note_id, "to": [AS_PUBLIC], "cc": [carol["actor"]]})
    wait_for(lambda: not [m for m in dark.api("GET", "/users/self/feed", carol["token"]) if m["user"]["username"] == bovine.handle],
             "the delete")


def test_a_private_accounts_posts_reach_only_approved_followers(servers):
    dark, bovine, _ = servers
    dora = dark.person("dora", private=True)
    bovine.send({"type": "Follow", "object": dora["actor"], "to": [dora["actor"]]})
    requests = wait_for(lambda: dark.api("GET", "/users/self/requested-by", dora["token"]), "the follow request")
    assert requests[0]["username"] == bovine.handle
    hidden = dark.post(dora["token"], [png(200, 200, seed=9)], "Only for friends", ["A quiet room"])
    # Not approved: the post goes nowhere. (A later post proves deliveries to bovine run, so this one would have come.)
    dark.api("POST", f"/users/{requests[0]['id']}/relationship", dora["token"], {"action": "approve"})
    wait_for(lambda: bovine.received("Accept", lambda item: item.get("actor") == dora["actor"]
                                     or (item.get("actor") or {}).get("id") == dora["actor"]), "dora's Accept")
    shown = dark.post(dora["token"], [png(200, 200, seed=10)], "Now you may see", ["A garden"])
    created = wait_for(lambda: bovine.received("Create", lambda item: item["object"]["id"] == note_id(shown["id"], dark)), "the approved post")
    assert AS_PUBLIC not in json.dumps(created[0]["object"].get("to", [])), "a private account's post is for its followers only"
    assert not bovine.received("Create", lambda item: item["object"]["id"] == note_id(hidden["id"], dark))


def test_the_bovine_account_moves_to_a_darkroom_person_who_named_it_and_its_followers_come_along(servers, browser):
    dark, bovine, _ = servers
    frank = dark.person("frank")
    remote_id = follow_bovine(dark, bovine, frank)

    # Erin signs up here and names the bovine account as her old one, by its handle (looked up through WebFinger).
    driver = browser
    sign_up(driver, dark.base, "erin", "moving-in-from-bovine")
    driver.get(f"{dark.base}/accounts/export")
    field = element(driver, "alias")
    field.send_keys(bovine.handle)
    field.send_keys(Keys.ENTER)
    wait_for(lambda: [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#aliases .alias")] == ["@" + bovine.handle], "the old account listed")
    screenshot(driver, "export-moving-here")
    request = urllib.request.Request(f"{dark.base}/erin", headers={"Accept": "application/activity+json"})
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer)["alsoKnownAs"] == [bovine.actor]

    # bovine moves the account; Darkroom checks Erin names it, and Frank follows Erin instead.
    erin = dark.api("GET", "/users/search?q=erin", frank["token"])[0]
    bovine.send({"type": "Move", "object": bovine.actor, "target": f"{dark.base}/erin", "to": [frank["actor"]]})
    wait_for(lambda: dark.api("GET", f"/users/{erin['id']}/relationship", frank["token"])["outgoing_status"] == "follows", "frank following erin")
    assert dark.api("GET", f"/users/{remote_id}/relationship", frank["token"])["outgoing_status"] == "none"
    assert dark.api("GET", f"/users/{remote_id}", frank["token"])["moved_to"] == f"{dark.base}/erin"
