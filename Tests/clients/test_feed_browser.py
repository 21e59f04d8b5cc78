"""The home feed's two main actions, and a page that does not exist, in a real headless Chromium (issue 32's B1–B3):
the comment field is on screen and usable by mouse and keyboard at a phone's and a desktop's width, liking or
commenting far down the feed comes back to that photo rather than to the top, and unknown addresses answer a page
that says so, not the API's JSON."""
import json
import shutil
import tempfile
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from darkroom_server import darkroom, headless_chromium, start_server
from photos import png
from test_web_browser import element, log_in, screenshot, sign_up, wait_for

PHOTOS = 8


def upload(base, token, caption, seed, people=None):
    boundary = "darkroomfeedtest"
    tagged = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"users_in_photo\"\r\n\r\n{json.dumps(people)}\r\n"
              if people else "")
    body = (tagged + f"--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n{caption}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n"
            ).encode() + png(width=320, height=320, seed=seed) + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{base}/v1/media/upload?access_token={token}", data=body,
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["data"]["id"]


@pytest.fixture(scope="module")
def feed_site():
    data_dir = tempfile.mkdtemp(prefix="darkroom-feed-")
    process, base = start_server(data_dir, "/accounts/login")
    client = darkroom("client", "create", "--name", "Poster", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
    darkroom("user", "create", "--username", "lumiere", "--password-stdin", data_dir=data_dir, stdin="cinematograph\n")
    token = darkroom("token", "create", "--username", "lumiere", "--client-id", client["client_id"], "--scope", "basic upload",
                     data_dir=data_dir)["access_token"]
    media = [upload(base, token, f"Reel {index}", seed=index * 0.7) for index in range(PHOTOS)]
    driver = headless_chromium(window_size="1280,1000")
    sign_up(driver, base, "viewer", "watching-the-reels")
    driver.get(f"{base}/lumiere/")
    element(driver, "follow").click()
    element(driver, "unfollow")
    yield {"base": base, "driver": driver, "media": list(reversed(media)), "token": token}
    driver.quit()
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_comment_field_is_on_screen_and_takes_a_comment_by_mouse_and_by_keyboard(feed_site, width):
    base, driver = feed_site["base"], feed_site["driver"]
    driver.set_window_size(width, 900)
    driver.get(base)
    wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, "#feed .card")) == PHOTOS, "the feed")
    card = driver.find_elements(By.CSS_SELECTOR, "#feed .card")[0]
    field = card.find_element(By.NAME, "text")
    box = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.right, r.width, r.height];", field)
    assert box[0] >= 0 and box[1] <= width and box[2] >= 120 and box[3] >= 20, f"the comment field at {box}"
    assert field.is_displayed()
    # Its label names it for a screen reader.
    assert driver.execute_script("return arguments[0].labels[0].textContent.trim()", field) == "Add a comment"

    # By mouse: click into it, type, press the button.
    field.click()
    assert driver.switch_to.active_element == field
    field.send_keys(f"Clicked in at {width}")
    card.find_element(By.CSS_SELECTOR, "button.post-comment").click()
    wait_for(driver, lambda: f"Clicked in at {width}" in driver.page_source, "the comment typed after a click")

    # By keyboard alone: tab from the card's like button to the field, type, press Enter.
    card = driver.find_elements(By.CSS_SELECTOR, "#feed .card")[0]
    driver.execute_script("arguments[0].focus()", card.find_element(By.CSS_SELECTOR, ".actions button"))
    for _ in range(12):
        if driver.switch_to.active_element.get_attribute("name") == "text":
            break
        driver.switch_to.active_element.send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    assert active.get_attribute("name") == "text", "tabbing from the like button reaches the comment field"
    assert driver.execute_script("const r = arguments[0].getBoundingClientRect(); return r.left >= 0 && r.width > 0", active)
    active.send_keys(f"Typed by keyboard at {width}", Keys.ENTER)
    wait_for(driver, lambda: f"Typed by keyboard at {width}" in driver.page_source, "the comment sent with Enter")
    screenshot(driver, f"feed-comment-{width}")


def test_liking_the_sixth_photo_comes_back_to_it(feed_site):
    base, driver, media = feed_site["base"], feed_site["driver"], feed_site["media"]
    driver.set_window_size(390, 800)
    driver.get(base)
    wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, "#feed .card")) == PHOTOS, "the feed")
    sixth = driver.find_elements(By.CSS_SELECTOR, "#feed .card")[5]
    assert sixth.get_attribute("id") == f"media-{media[5]}"
    driver.execute_script("arguments[0].scrollIntoView()", sixth)
    sixth.find_element(By.CSS_SELECTOR, "button.like").click()
    wait_for(driver, lambda: driver.find_element(By.ID, f"media-{media[5]}").find_elements(By.CSS_SELECTOR, "button.unlike"), "liked")
    assert driver.current_url.endswith(f"#media-{media[5]}")
    # At the top of the window, under the top bar that stays there (the page's scroll-padding leaves it room).
    bar = driver.execute_script("return document.querySelector('.topbar').getBoundingClientRect().bottom")
    top = driver.execute_script(f"return document.getElementById('media-{media[5]}').getBoundingClientRect().top")
    assert driver.execute_script("return window.scrollY") > 1000 and bar <= top < bar + 50, f"the page is at the liked photo (top {top})"

    # Commenting there comes back to it too.
    card = driver.find_element(By.ID, f"media-{media[5]}")
    card.find_element(By.NAME, "text").send_keys("Sixth and liked")
    card.find_element(By.CSS_SELECTOR, "button.post-comment").click()
    wait_for(driver, lambda: "Sixth and liked" in driver.page_source, "the comment")
    top = driver.execute_script(f"return document.getElementById('media-{media[5]}').getBoundingClientRect().top")
    assert driver.current_url.endswith(f"#media-{media[5]}") and bar <= top < bar + 50

    # "1 like" says who: the photo's likers, each with a follow button.
    driver.find_element(By.ID, f"media-{media[5]}").find_element(By.CSS_SELECTOR, "a.likers").click()
    wait_for(driver, lambda: driver.current_url.endswith("/likes/") and driver.find_elements(By.CSS_SELECTOR, "#people-list li"), "who liked it")
    assert [li.text.split()[0] for li in driver.find_elements(By.CSS_SELECTOR, "#people-list li")] == ["viewer"]
    screenshot(driver, "likers")
    driver.set_window_size(1280, 1000)


def test_an_address_with_no_page_answers_a_page_that_says_so(feed_site):
    base, driver = feed_site["base"], feed_site["driver"]
    for path in ("/no/such/page", "/explore/nothing/", "/x/followers/", "/nosuchperson/"):
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(base + path)
        assert answer.value.code == 404, path
        assert answer.value.headers["Content-Type"].startswith("text/html"), path
        page = answer.value.read().decode()
        assert "Page not found" in page and '"meta"' not in page, path
    # The API's unknown routes keep their v1 error.
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(base + "/v1/no/such/thing")
    assert answer.value.code == 404 and json.load(answer.value)["meta"]["error_type"] == "APINotFoundError"
    # In the browser, signed in: the page keeps the signed-in header and a way on.
    driver.get(base + "/no/such/page")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Page not found"
    assert driver.find_elements(By.CSS_SELECTOR, "a[href='/']"), "a way back home"
    screenshot(driver, "not-found")


def luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_the_smaller_findings_a_skip_link_one_comment_a_report_on_the_comments_line_and_words_for_people(feed_site):
    """Issue 32's smaller items: a skip link that the first Tab reaches and that moves to the content; "1 comment";
    "Report" on the comment's own line rather than a line of its own; date text at 4.5:1 or more; page errors in a
    person's words, not the API's; no "0 photos" over an empty tag."""
    base, driver = feed_site["base"], feed_site["driver"]
    driver.set_window_size(390, 900)
    driver.get(base)
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "#feed .card"), "the feed")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.text == "Skip to content" and skip.is_displayed() and skip.rect["x"] >= 0
    skip.send_keys(Keys.ENTER)
    wait_for(driver, lambda: driver.switch_to.active_element.get_attribute("id") == "main", "the content focused")

    # Date text contrast, from the computed colours.
    meta = driver.find_element(By.CSS_SELECTOR, "#feed .card .meta")
    colour = driver.execute_script("return getComputedStyle(arguments[0]).color", meta)
    rgb = [int(part) for part in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    ratio = (1.05) / (luminance(rgb) + 0.05)
    assert ratio >= 4.5, f"date text {colour} on white: {ratio:.2f}:1"

    # Someone else's comment: "Report" sits on its line.
    card = driver.find_elements(By.CSS_SELECTOR, "#feed .card")[0]
    card.find_element(By.NAME, "text").send_keys("A line of its own")
    card.find_element(By.CSS_SELECTOR, "button.post-comment").click()
    wait_for(driver, lambda: "A line of its own" in driver.page_source, "the comment")
    sign_up(driver, base, "critic", "reviews-everything")
    driver.get(f"{base}/lumiere/")
    driver.find_element(By.CSS_SELECTOR, ".grid .tile").click()
    wait_for(driver, lambda: "/p/" in driver.current_url, "the photo page")
    line = next(item for item in driver.find_elements(By.CSS_SELECTOR, ".comments li") if "A line of its own" in item.text)
    summary = line.find_element(By.CSS_SELECTOR, "details summary")
    words = line.find_element(By.CSS_SELECTOR, "a")
    assert abs(summary.rect["y"] - words.rect["y"]) < 12, f"Report at {summary.rect}, the comment at {words.rect}"
    screenshot(driver, "comment-report-inline")

    # The profile grid says "1 comment"; a tag no photo has says so in words.
    driver.get(f"{base}/lumiere/")
    # The counts show when a tile is pointed at or focused; they are in the tile's link text all the same.
    counts = [tile.get_attribute("textContent") for tile in driver.find_elements(By.CSS_SELECTOR, ".grid .tile-counts")]
    assert any(text.endswith("· 1 comment") for text in counts) and not any("1 comments" in text for text in counts), counts
    driver.get(f"{base}/explore/tags/nothinghere/")
    assert "0 photos" not in driver.page_source and "No photos with this tag yet." in driver.page_source

    # A page's error in a person's words: a file that is not a photo, posted.
    not_a_photo = tempfile.NamedTemporaryFile(suffix=".jpg", delete=False)
    not_a_photo.write(b"just some words, not a picture")
    not_a_photo.close()
    driver.get(f"{base}/create")
    element(driver, "photo").send_keys(not_a_photo.name)
    element(driver, "next").click()
    error = element_by_css(driver, ".error")
    assert error.text.startswith("Photo:") and "Invalid parameter" not in error.text, error.text
    driver.set_window_size(1280, 1000)


def element_by_css(driver, selector):
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, selector), f"no {selector}")
    return driver.find_element(By.CSS_SELECTOR, selector)


def test_photos_of_you_and_taking_yourself_out(feed_site):
    """Issue 32 item 3's "photos of you": a person tagged in a photo is told, finds it under their profile's Tagged,
    and takes themselves out of it from the photo's page."""
    base, driver, token = feed_site["base"], feed_site["driver"], feed_site["token"]
    with urllib.request.urlopen(f"{base}/v1/users/search?q=viewer&access_token={token}") as answer:
        viewer_id = next(user["id"] for user in json.load(answer)["data"] if user["username"] == "viewer")
    upload(base, token, "With the viewer", seed=9.1, people=[{"user_id": viewer_id, "x": 0.4, "y": 0.6}])
    log_in(driver, base, "viewer", "watching-the-reels")
    driver.get(f"{base}/accounts/activity")
    assert "lumiere tagged you in a photo." in element(driver, "activity").text
    driver.get(f"{base}/viewer/")
    element(driver, "tagged-link").click()
    wait_for(driver, lambda: driver.current_url.endswith("/viewer/tagged/") and driver.find_elements(By.CSS_SELECTOR, ".grid .tile"),
             "the tagged photos")
    tiles = driver.find_elements(By.CSS_SELECTOR, ".grid .tile")
    assert len(tiles) == 1
    screenshot(driver, "photos-of-you")
    tiles[0].click()
    element(driver, "untag-me").click()
    wait_for(driver, lambda: "You are no longer tagged in this photo." in driver.page_source, "the notice")
    assert not driver.find_elements(By.ID, "untag-me")
    driver.get(f"{base}/viewer/tagged/")
    assert not driver.find_elements(By.CSS_SELECTOR, ".grid .tile") and "No one has tagged you in a photo yet." in driver.page_source
