"""python-instagram, the official v1 client, run unchanged against a real Darkroom server.

Starts `darkroom serve` on a free port with a fresh data folder (SQLite), fills it with `darkroom seed`, makes
tokens with the operator commands, and calls the client's own methods.
"""
import calendar
import json
import tempfile
import urllib.request

import pytest
from instagram.client import InstagramAPI

from darkroom_server import darkroom, start_server

@pytest.fixture(scope="module")
def server():
    data_dir = tempfile.mkdtemp(prefix="darkroom-pyig-")
    darkroom("seed", "--users", "60", "--media", "400", "--seed", "5", "--quiet", data_dir=data_dir)
    client = darkroom("client", "create", "--name", "python-instagram", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
    process, base = start_server(data_dir, f"/v1/users/search?q=a&client_id={client['client_id']}")
    port = int(base.rsplit(":", 1)[1])
    users = json.load(urllib.request.urlopen(f"{base}/v1/users/search?q=a&count=50&client_id={client['client_id']}"))["data"]
    yield {"port": port, "data_dir": data_dir, "client": client, "users": users}
    process.terminate()
    process.wait(timeout=10)


def api_for(server, username, scope="basic likes comments relationships"):
    token = darkroom("token", "create", "--username", username, "--client-id", server["client"]["client_id"],
                     "--scope", scope, data_dir=server["data_dir"])["access_token"]
    api = InstagramAPI(access_token=token, client_secret=server["client"]["client_secret"])
    api.host = f"127.0.0.1:{server['port']}"
    api.protocol = "http"
    return api


def test_user_feed_recent_and_search(server):
    me = server["users"][0]
    api = api_for(server, me["username"])
    user = api.user()
    assert user.username == me["username"]
    assert user.counts["follows"] >= 0
    feed, next_url = api.user_media_feed(count=5)
    assert 0 < len(feed) <= 5
    assert all(media.images["standard_resolution"].width == 612 for media in feed)
    if next_url:
        more, _ = api.user_media_feed(with_next_url=next_url)
        assert not {m.id for m in more} & {m.id for m in feed}
    found = api.user_search(q=me["username"])
    assert found[0].username == me["username"]


def test_walking_a_users_media_with_pagination(server):
    api = api_for(server, server["users"][1]["username"])
    owner = next(u for u in server["users"] if api.user(u["id"]).counts["media"] > 3)
    pages = api.user_recent_media(user_id=owner["id"], count=2, as_generator=True, max_pages=50)
    seen = [media.id for page, _ in pages for media in page]
    assert len(seen) == len(set(seen))
    assert len(seen) == api.user(owner["id"]).counts["media"] > 3


def test_likes_and_comments(server):
    me = server["users"][2]
    api = api_for(server, me["username"])
    media = next(m for m in api.user_media_feed(count=20)[0] if m.user.id != me["id"])
    api.like_media(media_id=media.id)
    assert me["username"] in [user.username for user in api.media_likes(media_id=media.id)]
    liked, _ = api.user_liked_media(count=5)
    assert liked[0].id == media.id
    api.unlike_media(media_id=media.id)
    assert me["username"] not in [user.username for user in api.media_likes(media_id=media.id)]
    api.create_media_comment(media_id=media.id, text="Nice from python-instagram")
    comments = api.media_comments(media_id=media.id)
    assert comments[-1].text == "Nice from python-instagram"
    api.delete_comment(media_id=media.id, comment_id=comments[-1].id)
    assert "Nice from python-instagram" not in [c.text for c in api.media_comments(media_id=media.id)]


def entry(result):
    """Some relationship calls are declared as paginating in the client and answer (object, next_url)."""
    return result[0] if isinstance(result, tuple) else result


def test_a_carousel_reads_as_its_first_photo(server):
    """A post of several photos (2017's carousels): the 2013 client reads its first photo, as it reads any photo."""
    from photos import png
    me = server["users"][2]
    token = darkroom("token", "create", "--username", me["username"], "--client-id", server["client"]["client_id"],
                     "--scope", "basic upload", data_dir=server["data_dir"])["access_token"]
    boundary = "darkroomboundary"
    parts = [("caption", None, b"Three at once #carousel")] + [("alt_text", None, text.encode()) for text in ("one", "two", "three")]
    parts += [("photo", "p.png", png(width=240 + 40 * index, height=240, seed=index)) for index in range(3)]
    body = b""
    for name, filename, data in parts:
        disposition = f"form-data; name=\"{name}\"" + (f"; filename=\"{filename}\"\r\nContent-Type: image/png" if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    upload = urllib.request.Request(f"http://127.0.0.1:{server['port']}/v1/media/upload?access_token={token}", data=body,
                                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(upload) as answer:
        posted = json.load(answer)["data"]
    assert posted["type"] == "image" and [item["alt_text"] for item in posted["carousel_media"]] == ["one", "two", "three"]

    api = api_for(server, me["username"])
    media = api.media(posted["id"])
    assert media.id == posted["id"] and media.caption.text == "Three at once #carousel"
    first = posted["carousel_media"][0]["images"]
    assert media.get_standard_resolution_url() == first["standard_resolution"]["url"]
    assert media.images["thumbnail"].width == 150 and media.images["low_resolution"].height == 306
    recent, _ = api.user_recent_media(user_id=me["id"], count=5)
    assert recent[0].id == posted["id"] and recent[0].get_low_resolution_url() == first["low_resolution"]["url"]
    tagged, _ = api.tag_recent_media(tag_name="carousel", count=5)
    assert [item.id for item in tagged] == [posted["id"]]


def test_relationships(server):
    me, other = server["users"][3], server["users"][4]
    api = api_for(server, me["username"])
    relationship = entry(api.follow_user(user_id=other["id"]))
    assert relationship.outgoing_status in ("follows", "requested")
    followers, _ = api.user_followed_by(user_id=other["id"])
    if relationship.outgoing_status == "follows":
        assert me["username"] in [user.username for user in followers]
    assert entry(api.unfollow_user(user_id=other["id"])).outgoing_status == "none"
    assert entry(api.block_user(user_id=other["id"])).incoming_status == "blocked_by_you"
    assert entry(api.unblock_user(user_id=other["id"])).incoming_status == "none"
    assert entry(api.user_relationship(user_id=other["id"])).outgoing_status == "none"
    follows, _ = api.user_follows(user_id=me["id"])
    assert all(user.id for user in follows)
    assert isinstance(api.user_incoming_requests(), list)


def test_media_and_tags(server):
    api = api_for(server, server["users"][0]["username"])
    feed, _ = api.user_media_feed(count=10)
    media = feed[0]
    assert api.media(media.id).id == media.id
    code = media.link.rstrip("/").split("/")[-1]
    assert api.media_shortcode(code).id == media.id
    assert isinstance(api.media_popular(count=5), list)
    tagged = next(m for m in api.user_media_feed(count=50)[0] if m.tags)
    name = tagged.tags[0].name
    assert api.tag(name).media_count >= 1
    recent, _ = api.tag_recent_media(tag_name=name, count=5)
    assert recent and all(name in [t.name for t in m.tags] for m in recent)
    assert api.tag_search(q=name[:2])[0][0].name.startswith(name[:2])


def test_locations_and_geo_search(server):
    api = api_for(server, server["users"][0]["username"])
    # python-instagram sets `location` only on media that have one.
    located = next(m for m in api.user_media_feed(count=100)[0] if getattr(m, "location", None) and m.location.id)
    place = api.location(located.location.id)
    assert place.name == located.location.name
    recent, _ = api.location_recent_media(location_id=place.id, count=5)
    assert all(m.location.id == place.id for m in recent)
    nearby = api.location_search(lat=place.point.latitude, lng=place.point.longitude, distance=100)
    assert nearby[0].id == place.id
    assert isinstance(api.media_search(lat=place.point.latitude, lng=place.point.longitude, distance=5000), list)


def test_operator_imports_places_from_csv_and_geojson(server, tmp_path):
    csv_file = tmp_path / "places.csv"
    csv_file.write_text('name,lat,lng,street_address,foursquare_v2_id\n'
                        '"Blue Bottle, Mint Plaza",37.7825,-122.4075,66 Mint St,fsq-bb\n'
                        'Nowhere,95,0,,\n'
                        ',10,10,,\n')
    geojson_file = tmp_path / "places.geojson"
    geojson_file.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-122.4177, 37.8080]},
         "properties": {"name": "Pier 39", "facebook_places_id": "fb-39"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "properties": {"name": "A road"}},
    ]}))
    from_csv = darkroom("locations", "import", str(csv_file), "--quiet", data_dir=server["data_dir"])
    assert (from_csv["imported"], from_csv["skipped"]) == (1, 2)
    from_geojson = darkroom("locations", "import", str(geojson_file), "--quiet", data_dir=server["data_dir"])
    assert (from_geojson["imported"], from_geojson["skipped"]) == (1, 1)
    api = api_for(server, server["users"][0]["username"])
    found = api.location_search(foursquare_v2_id="fsq-bb")
    assert [place.name for place in found] == ["Blue Bottle, Mint Plaza"]
    assert [place.name for place in api.location_search(lat=37.8080, lng=-122.4177, distance=50)] == ["Pier 39"]


def test_private_account_approves_and_ignores_requests(server):
    for name in ("hermit", "hermit_friend_a"):
        darkroom("user", "create", "--username", name, "--password-stdin", *(["--private"] if name == "hermit" else []),
                 data_dir=server["data_dir"], stdin="hermit's long password\n")
    hermit = api_for(server, "hermit")
    asker = api_for(server, "hermit_friend_a")
    other = api_for(server, server["users"][0]["username"])
    hermit_id = hermit.user().id
    assert entry(asker.follow_user(user_id=hermit_id)).outgoing_status == "requested"
    assert entry(other.follow_user(user_id=hermit_id)).outgoing_status == "requested"
    pending = {user.username for user in hermit.user_incoming_requests()}
    assert pending == {"hermit_friend_a", server["users"][0]["username"]}
    asker_id = asker.user().id
    assert entry(hermit.approve_user_request(user_id=asker_id)).incoming_status == "followed_by"
    assert entry(hermit.ignore_user_request(user_id=server["users"][0]["id"])).incoming_status == "none"
    assert hermit.user_incoming_requests() == []
    assert entry(asker.user_relationship(user_id=hermit_id)).outgoing_status == "follows"


def media_with(api, wanted, pages=30):
    """The first media in the caller's feed for which `wanted` holds, walking pages as the client does."""
    feed, next_url = api.user_media_feed(count=20)
    for _ in range(pages):
        for media in feed:
            if wanted(media):
                return media
        if not next_url:
            break
        feed, next_url = api.user_media_feed(with_next_url=next_url)
    pytest.fail("the seeded feed has no such media: the seed or the feed changed")


def test_tags(server):
    api = api_for(server, server["users"][3]["username"])
    media = media_with(api, lambda m: getattr(m, "tags", None))
    name = media.tags[0].name
    tag = api.tag(tag_name=name)
    assert tag.name == name and tag.media_count >= 1
    recent, _ = api.tag_recent_media(count=5, tag_name=name)
    assert recent and all(name in [t.name for t in m.tags] for m in recent)
    found, _ = api.tag_search(q=name[:3])
    assert name in [t.name for t in found]
    counts = [t.media_count for t in found]
    assert counts == sorted(counts, reverse=True)


def test_locations_and_media_search(server):
    api = api_for(server, server["users"][4]["username"])
    media = media_with(api, lambda m: getattr(m, "location", None) is not None and getattr(m.location, "id", None))
    location = api.location(location_id=media.location.id)
    assert location.name == media.location.name
    recent, _ = api.location_recent_media(location_id=location.id, count=50)
    assert all(m.location.id == location.id for m in recent)
    near = api.location_search(lat=location.point.latitude, lng=location.point.longitude)
    assert near[0].id == location.id
    taken = calendar.timegm(media.created_time.utctimetuple())  # the client turns times into naive UTC datetimes
    found = api.media_search(lat=location.point.latitude, lng=location.point.longitude, distance=1000,
                             min_timestamp=taken - 3600, max_timestamp=taken + 3600)
    assert media.id in [m.id for m in found]


def test_real_time_subscriptions_with_python_instagram(tmp_path):
    """python-instagram's subscription calls and its reactor, unchanged, against a live server whose callbacks may
    reach loopback (the operator's setting): a tag subscription is verified, a new photo's notification arrives
    signed as the reactor checks it, and geography_recent_media lists the circle's photos."""
    import http.server
    import json as json_module
    import threading
    import time as time_module
    import urllib.request as request_module

    from instagram.client import InstagramAPI
    from instagram.subscriptions import SubscriptionsReactor, SubscriptionType

    from darkroom_server import darkroom, free_port, start_server

    data_dir = str(tmp_path)
    process, base = start_server(data_dir, "/health", extra_args=["--allow-callback-network", "127.0.0.1/32"])
    try:
        client = darkroom("client", "create", "--name", "Realtime", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
        darkroom("user", "create", "--username", "lumiere", "--password-stdin", data_dir=data_dir, stdin="cinematograph\n")
        token = darkroom("token", "create", "--username", "lumiere", "--client-id", client["client_id"], "--scope", "basic upload",
                         data_dir=data_dir)["access_token"]

        received = []
        reactor = SubscriptionsReactor()
        reactor.register_callback(SubscriptionType.TAG, lambda update: received.append(update))

        class Callback(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                from urllib.parse import parse_qs, urlparse
                challenge = parse_qs(urlparse(self.path).query).get("hub.challenge", [""])[0]
                self.send_response(200)
                self.end_headers()
                self.wfile.write(challenge.encode())

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                reactor.process(client["client_secret"], raw.decode(), self.headers["X-Hub-Signature"])
                self.send_response(200)
                self.end_headers()

        port = free_port()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Callback)
        threading.Thread(target=server.serve_forever, daemon=True).start()

        api = InstagramAPI(client_id=client["client_id"], client_secret=client["client_secret"])
        api.host = base.split("://")[1]
        api.protocol = "http"
        made = api.create_subscription(object="tag", object_id="premiere", aspect="media", callback_url=f"http://127.0.0.1:{port}/cb")
        assert made["data"]["object"] == "tag" and made["data"]["object_id"] == "premiere"
        geo = api.create_subscription(object="geography", aspect="media", lat=48.87, lng=2.33, radius=1000,
                                      callback_url=f"http://127.0.0.1:{port}/cb")
        assert len(api.list_subscriptions()["data"]) == 2

        # A photo with the tag, posted through the API; its notification arrives and the reactor accepts the signature.
        from photos import png
        boundary = "darkroomboundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nFirst show #premiere\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"lat\"\r\n\r\n48.8701\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"lng\"\r\n\r\n2.3301\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n").encode() \
            + png(width=320, height=320) + f"\r\n--{boundary}--\r\n".encode()
        upload = request_module.Request(f"{base}/v1/media/upload?access_token={token}", data=body,
                                        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with request_module.urlopen(upload) as answer:
            media_id = json_module.load(answer)["data"]["id"]
        deadline = time_module.time() + 15
        while not received and time_module.time() < deadline:
            time_module.sleep(0.1)
        assert received and received[0]["object_id"] == "premiere" and received[0]["data"]["media_id"] == media_id

        recent, _ = api.geography_recent_media(geography_id=geo["data"]["object_id"], count=10)
        assert [media.id for media in recent] == [media_id]

        api.delete_subscriptions(object="all")
        assert api.list_subscriptions()["data"] == []
        server.shutdown()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_video_reads_as_a_video_once_it_is_ready(server):
    """A clip FFmpeg makes here, posted through the upload endpoint: answered 202 while the server transcodes it,
    then read by the 2013 client as a video, with `videos` at v1's sizes and its cover in `images`."""
    import subprocess
    import time
    me = server["users"][3]
    token = darkroom("token", "create", "--username", me["username"], "--client-id", server["client"]["client_id"],
                     "--scope", "basic upload", data_dir=server["data_dir"])["access_token"]
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=480x270:rate=30:duration=2",
                        "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", f"{folder}/clip.mp4"], check=True)
        clip = open(f"{folder}/clip.mp4", "rb").read()
    boundary = "darkroomboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nA clip #moving\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"filter\"\r\n\r\nValencia\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n").encode()
    body += clip + f"\r\n--{boundary}--\r\n".encode()
    base = f"http://127.0.0.1:{server['port']}"
    upload = urllib.request.Request(f"{base}/v1/media/upload?access_token={token}", data=body,
                                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(upload) as answer:
        assert answer.status == 202
        pending = json.load(answer)
    assert pending["meta"]["code"] == 202 and pending["data"]["status"] == "processing"
    media_id = pending["data"]["id"]

    api = api_for(server, me["username"])
    # The server's own job worker transcodes it; its author's client asks until it is there.
    deadline = time.monotonic() + 120
    while True:
        with urllib.request.urlopen(f"{base}/v1/media/{media_id}?access_token={token}") as answer:
            if answer.status == 200:
                break
        assert time.monotonic() < deadline, "the video was not ready in two minutes"
        time.sleep(0.25)
    media = api.media(media_id)
    assert media.type == "video" and media.caption.text == "A clip #moving" and media.filter == "Valencia"
    assert media.videos["standard_resolution"].width == 640 and media.videos["low_resolution"].height == 480
    assert media.get_standard_resolution_url() == media.videos["standard_resolution"].url
    assert media.get_standard_resolution_url().endswith("/standard.mp4")
    assert media.images["standard_resolution"].url.endswith("/standard.jpg")
    with urllib.request.urlopen(media.videos["low_bandwidth"].url) as file:
        assert file.headers["Content-Type"] == "video/mp4" and file.read(8)[4:8] == b"ftyp"
    recent, _ = api.user_recent_media(user_id=me["id"], count=5)
    assert recent[0].id == media_id and recent[0].type == "video"
