"""The photo site as people use it, in a real headless Chromium against a live Darkroom server: signing up,
posting a photo with a filter, following, the home feed, likes and comments, profiles, tags, a private account's
hidden grid. Screenshots of the main pages at a phone's and a desktop's width are written to .build/screenshots/
(not committed) for a reviewer to look at."""
import os
import shutil
import tempfile
import time

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By

from darkroom_server import headless_chromium, start_server
from photos import png

SCREENSHOTS = os.path.join(os.path.dirname(__file__), "..", "..", ".build", "screenshots")


@pytest.fixture(scope="module")
def site():
    data_dir = tempfile.mkdtemp(prefix="darkroom-web-")
    process, base = start_server(data_dir, "/accounts/login")
    photos = []
    for seed in (0.0, 1.7, 3.1):
        path = os.path.join(data_dir, f"photo-{seed}.png")
        with open(path, "wb") as out:
            out.write(png(width=480, height=480, seed=seed))
        photos.append(path)
    yield {"base": base, "photos": photos}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium(window_size="1280,1000")
    yield driver
    driver.quit()


def wait_for(driver, condition, what, seconds=15):
    """Waits for `condition`; while a form's answer loads, elements found a moment ago go stale: that is not yet."""
    deadline = time.time() + seconds
    while True:
        try:
            if condition():
                return
        except (StaleElementReferenceException, NoSuchElementException, IndexError):
            pass
        except WebDriverException as error:
            # An element found just before the page was replaced, asked about through the inspector: stale too.
            if "does not belong to the document" not in str(error):
                raise
        if time.time() > deadline:
            raise AssertionError(f"{what}: still at {driver.current_url}: {driver.page_source[:3000]}")
        time.sleep(0.05)


def replaced(element):
    """Whether a page's element is gone with its page (a form's answer has loaded in its place)."""
    try:
        element.tag_name
        return False
    except StaleElementReferenceException:
        return True


def element(driver, element_id):
    wait_for(driver, lambda: driver.find_elements(By.ID, element_id), f"no #{element_id}")
    return driver.find_element(By.ID, element_id)


def press(driver, control):
    """Clicks a control (or the one with that id) after bringing it to the middle of the window, as a person scrolls to
    it: on a phone the tab bar is fixed over the bottom of the window, where WebDriver would otherwise scroll it to."""
    if isinstance(control, str):
        control = element(driver, control)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", control)
    control.click()


def fill(driver, **fields):
    for name, value in fields.items():
        field = element(driver, name)
        field.clear()
        field.send_keys(value)


def screenshot(driver, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    for label, width in (("phone", 390), ("desktop", 1280)):
        driver.set_window_size(width, 1000)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height, 600), 4000))
        driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}-{label}.png"))
    driver.set_window_size(1280, 1000)


def sign_up(driver, base, username, password):
    driver.delete_all_cookies()
    driver.get(f"{base}/accounts/signup")
    fill(driver, username=username, password=password)
    element(driver, "signup").click()
    wait_for(driver, lambda: driver.current_url.rstrip("/") == base, "after sign-up the home feed")


def log_in(driver, base, username, password):
    driver.delete_all_cookies()
    driver.get(f"{base}/accounts/login")
    fill(driver, username=username, password=password)
    element(driver, "login").click()
    wait_for(driver, lambda: driver.current_url.rstrip("/") == base, "after log-in the home feed")


def post(driver, base, photo, caption, filter_name, place=None):
    driver.get(f"{base}/create")
    element(driver, "photo").send_keys(photo)
    fill(driver, caption=caption)
    element(driver, "next").click()
    element(driver, "filters-0")
    previews = driver.find_elements(By.CSS_SELECTOR, "#filters-0 img")
    assert len(previews) == 20
    # Every preview loaded: a real image from the server, at its size.
    wait_for(driver, lambda: all(driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) == 150
                                 for img in previews), "previews loaded")
    driver.find_element(By.CSS_SELECTOR, f"#filters-0 input[value='{filter_name}']").click()
    if place:
        driver.find_element(By.CSS_SELECTOR, "details summary").click()
        fill(driver, location_name=place[0], lat=place[1], lng=place[2])
    element(driver, "publish").click()
    wait_for(driver, lambda: "/p/" in driver.current_url, "the new photo's page")
    return driver.current_url


def test_people_post_follow_like_and_comment_in_a_browser(site, browser):
    base, photos = site["base"], site["photos"]
    driver = browser

    driver.delete_all_cookies()
    driver.get(base)
    element(driver, "welcome-signup")
    screenshot(driver, "welcome")

    # Ada signs up and posts a photo with a filter, a caption with a tag and a place.
    sign_up(driver, base, "ada", "analytical-engine")
    screenshot(driver, "feed-empty")
    driver.get(f"{base}/create")
    screenshot(driver, "create")
    element(driver, "photo").send_keys(photos[0])
    element(driver, "next").click()
    element(driver, "filters-0")
    screenshot(driver, "create-filters")
    photo_page = post(driver, base, photos[0], "Sunrise over the lake #sunrise <b>bold?</b>", "Valencia",
                      place=("Lake Pavilion", "51.5007", "-0.1246"))
    assert "Valencia" in driver.page_source and "&lt;b&gt;bold?&lt;/b&gt;" in driver.page_source
    assert driver.find_element(By.CSS_SELECTOR, ".place").text == "Lake Pavilion"
    post(driver, base, photos[1], "Second one #sunrise", "Inkwell")

    # Grace signs up, finds Ada, follows her, and sees her photos in her feed.
    sign_up(driver, base, "grace", "compiler-1952")
    driver.get(f"{base}/explore/search?q=ad")
    driver.find_element(By.CSS_SELECTOR, "#people a[href='/ada/']").click()
    element(driver, "follow").click()
    element(driver, "unfollow")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".grid .tile")) == 2
    screenshot(driver, "profile")
    driver.get(base)
    cards = driver.find_elements(By.CSS_SELECTOR, "#feed .card")
    assert len(cards) == 2 and "Second one" in cards[0].text and "Sunrise over the lake" in cards[1].text

    # She likes the first photo and comments on it from the feed; both show at once.
    driver.find_elements(By.CSS_SELECTOR, "#feed .card")[1].find_element(By.CSS_SELECTOR, "button.like").click()
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "#feed .card")[1].find_elements(By.CSS_SELECTOR, "button.unlike"),
             "liked")
    wait_for(driver, lambda: "1 like" in driver.find_elements(By.CSS_SELECTOR, "#feed .card")[1].text, "the like counted")
    card = driver.find_elements(By.CSS_SELECTOR, "#feed .card")[1]
    card.find_element(By.NAME, "text").send_keys("Beautiful light, @ada #sunrise")
    card.find_element(By.CSS_SELECTOR, "button.post-comment").click()
    wait_for(driver, lambda: "Beautiful light" in driver.page_source, "the comment")
    screenshot(driver, "feed")
    driver.get(photo_page)
    assert "1 like" in driver.page_source and "Beautiful light" in driver.page_source
    screenshot(driver, "photo")

    # The tag page and Ada's profile show the photos.
    driver.get(f"{base}/explore/tags/sunrise/")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".grid .tile")) == 2 and "2 photos" in element(driver, "subtitle").text
    screenshot(driver, "tag")

    # Ada is told: a count in the navigation, then who did what on the activity page, newest first; reading clears it.
    log_in(driver, base, "ada", "analytical-engine")
    assert element(driver, "unread-activity").text == "3"
    element(driver, "activity-link").click()
    wait_for(driver, lambda: "/accounts/activity" in driver.current_url and len(driver.find_elements(By.CSS_SELECTOR, "#activity li")) == 3,
             "the activity page")
    items = driver.find_elements(By.CSS_SELECTOR, "#activity li")
    assert [item.get_attribute("data-kind") for item in items] == ["comment", "like", "follow"]
    assert "grace commented: Beautiful light, @ada #sunrise" in items[0].text and "grace liked your photo." in items[1].text
    assert "grace started following you." in items[2].text and items[0].find_elements(By.CSS_SELECTOR, ".thumb img")
    assert not driver.find_elements(By.ID, "unread-activity")
    screenshot(driver, "activity")

    # Ada sees the like and comment, and deletes Grace's comment from her own photo.
    driver.get(photo_page)
    assert "Beautiful light" in driver.page_source
    driver.find_element(By.CSS_SELECTOR, ".comments button.delete-comment").click()
    wait_for(driver, lambda: "Beautiful light" not in driver.page_source, "the comment deleted")

    # Ada goes private: a stranger sees her header but not her grid; Grace, who follows her, still does.
    driver.get(f"{base}/accounts/settings")
    element(driver, "is_private").click()
    element(driver, "save").click()
    wait_for(driver, lambda: "Saved." in driver.find_element(By.CSS_SELECTOR, "[role=status]").text, "the settings saved")
    sign_up(driver, base, "mallory", "stranger-danger")
    driver.get(f"{base}/ada/")
    element(driver, "private-grid")
    assert not driver.find_elements(By.CSS_SELECTOR, ".grid .tile") and element(driver, "follow").text == "Ask to follow"
    screenshot(driver, "profile-private")
    driver.get(photo_page)
    assert "does not exist" in driver.page_source
    driver.get(f"{base}/ada/")
    element(driver, "follow").click()
    element(driver, "cancel-request")

    # Ada approves Mallory's request from her requests page; Mallory then sees the grid.
    log_in(driver, base, "ada", "analytical-engine")
    driver.get(f"{base}/accounts/requests")
    driver.find_element(By.CSS_SELECTOR, "#requests button.approve").click()
    element(driver, "no-requests")
    log_in(driver, base, "mallory", "stranger-danger")
    assert element(driver, "unread-activity").text == "1"
    driver.get(f"{base}/accounts/activity")
    assert "ada approved your request to follow." in element(driver, "activity").text
    driver.get(f"{base}/ada/")
    wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, ".grid .tile")) == 2, "the grid after approval")

    # Her followers and whom she follows are pages of their own, with follow buttons; Ada removes Mallory.
    element(driver, "followers-link").click()
    wait_for(driver, lambda: driver.current_url.endswith("/ada/followers/") and len(driver.find_elements(By.CSS_SELECTOR, "#people-list li")) == 2,
             "the followers page")
    names = [link.text for link in driver.find_elements(By.CSS_SELECTOR, "#people-list li strong")]
    assert names == ["mallory", "grace"], names
    assert driver.find_elements(By.CSS_SELECTOR, "#people-list button.follow") and not driver.find_elements(By.CSS_SELECTOR, "button.remove-follower")
    screenshot(driver, "followers")
    log_in(driver, base, "ada", "analytical-engine")
    driver.get(f"{base}/ada/followers/")
    mallory = next(row for row in driver.find_elements(By.CSS_SELECTOR, "#people-list li") if "mallory" in row.text)
    mallory.find_element(By.CSS_SELECTOR, "button.remove-follower").click()
    wait_for(driver, lambda: [link.text for link in driver.find_elements(By.CSS_SELECTOR, "#people-list li strong")] == ["grace"], "removed")
    driver.get(f"{base}/grace/following/")
    assert [link.text for link in driver.find_elements(By.CSS_SELECTOR, "#people-list li strong")] == ["ada"]
    log_in(driver, base, "mallory", "stranger-danger")
    driver.get(f"{base}/ada/")
    element(driver, "private-grid")
    driver.get(f"{base}/ada/followers/")
    assert "Not allowed" in driver.page_source or "cannot" in driver.page_source


def test_an_embed_shows_on_another_site_and_the_console_reaches_the_api(site, browser):
    import http.server
    import json
    import threading
    import urllib.parse
    import urllib.request

    from darkroom_server import free_port

    base, photos = site["base"], site["photos"]
    driver = browser
    sign_up(driver, base, "linus", "penguins-everywhere")
    photo_page = post(driver, base, photos[2], "Embed me #embedded", "Hefe")
    code = photo_page.rstrip("/").split("/")[-1]

    # oEmbed, asked the way an old consumer asks (the instagr.am short link), answers the 2013 fields and html.
    with urllib.request.urlopen(f"{base}/oembed?url=" + urllib.parse.quote(f"http://instagr.am/p/{code}/") + "&maxwidth=400") as answer:
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        oembed = json.load(answer)
    assert oembed["author_name"] == "linus" and oembed["title"] == "Embed me #embedded" and oembed["width"] == 306
    assert oembed["media_id"].endswith("_" + str(oembed["author_id"])) and oembed["thumbnail_width"] == 150
    assert "darkroom-media" in oembed["html"] and "/static/embed.js" in oembed["html"]

    # Another site (another origin) puts the html in its page; the photo shows in the embed's frame.
    port = free_port()
    page = f"<!doctype html><title>Elsewhere</title><h1>A blog</h1>{oembed['html']}".encode()

    class Blog(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

    blog = http.server.ThreadingHTTPServer(("127.0.0.1", port), Blog)
    threading.Thread(target=blog.serve_forever, daemon=True).start()
    try:
        driver.get(f"http://localhost:{port}/")
        wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "iframe.darkroom-embed"), "the embed's iframe")
        screenshot(driver, "embed-elsewhere")
        driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "iframe.darkroom-embed"))
        photo = element(driver, "embedded-photo")
        wait_for(driver, lambda: driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", photo) == 612,
                 "the photo loaded in the frame")
        assert "Embed me" in driver.page_source
        driver.switch_to.default_content()
    finally:
        blog.shutdown()

    # The console: a token with the likes scope, then three calls, their answers shown.
    driver.get(f"{base}/developer/console")
    element(driver, "no-token")
    element(driver, "scope_likes").click()
    element(driver, "make-token").click()
    token = element(driver, "console-token").text
    assert len(token) > 20

    def call(method, path, **fields):
        form = driver.find_element(By.CSS_SELECTOR, f"form.console-endpoint[data-method='{method}'][data-path='{path}']")
        for name, value in fields.items():
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        form.find_element(By.CSS_SELECTOR, "button.send").click()
        wait_for(driver, lambda: form.get_attribute("data-status"), f"the answer to {method} {path}")
        return form.get_attribute("data-status"), form.find_element(By.CSS_SELECTOR, ".request").text, form.find_element(By.CSS_SELECTOR, ".response").text

    status, request, response = call("GET", "/users/{user_id}", user_id="self")
    assert status == "200" and '"username": "linus"' in response and "GET " in request and "access_token=" in request
    status, _, response = call("GET", "/media/shortcode/{shortcode}", shortcode=code)
    assert status == "200" and '"filter": "Hefe"' in response
    media_id = json.loads(response[response.index("{"):])["data"]["id"]
    status, request, response = call("POST", "/media/{media_id}/likes", media_id=media_id)
    assert status == "200" and request.startswith("POST ") and '"code": 200' in response
    screenshot(driver, "console")
    status, _, response = call("GET", "/media/{media_id}/likes", media_id=media_id)
    assert status == "200" and '"username": "linus"' in response

    # Issue 32's B7: the token is remembered on the next visit, and without JavaScript "Send" makes the call on the
    # server and shows it under its endpoint.
    driver.get(f"{base}/developer/console")
    assert element(driver, "console-token").text == token
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        driver.get(f"{base}/developer/console")

        def call_without_script(method, path, **fields):
            selector = f"form.console-endpoint[data-method='{method}'][data-path='{path}']"
            form = driver.find_element(By.CSS_SELECTOR, selector)
            for name, value in fields.items():
                field = form.find_element(By.NAME, name)
                field.clear()
                field.send_keys(value)
            page = driver.find_element(By.TAG_NAME, "html")
            form.find_element(By.CSS_SELECTOR, "button.send").click()
            # The address is the same after every call: wait for the page itself to be replaced.
            wait_for(driver, lambda: replaced(page) and "/developer/console/call" in driver.current_url, f"the page after {method} {path}")
            exchange = driver.find_element(By.CSS_SELECTOR, selector + " .exchange")
            return (exchange.get_attribute("data-status"), exchange.find_element(By.CSS_SELECTOR, ".request").text,
                    exchange.find_element(By.CSS_SELECTOR, ".response").text)

        status, request, response = call_without_script("GET", "/users/{user_id}", user_id="self")
        assert status == "200" and '"username": "linus"' in response and f"access_token={token}" in request, request
        status, request, response = call_without_script("DELETE", "/media/{media_id}/likes", media_id=media_id)
        assert status == "200" and request.startswith("DELETE ") and '"code": 200' in response, response
        screenshot(driver, "console-without-script")
        status, _, response = call_without_script("GET", "/media/{media_id}/likes", media_id=media_id)
        assert status == "200" and '"data": []' in response, response
        # A live stream never ends: the console shows what came within its deadline.
        status, _, response = call_without_script("GET", "/stream")
        assert status == "200" and ": connected" in response and "still coming after" in response, response
        assert element(driver, "console-token").text == token
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
