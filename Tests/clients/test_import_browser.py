"""Bringing an Instagram download into Darkroom, as a person does it in a real headless Chromium against a live
server: the archive (in two parts, with a post whose photo is not an image and one whose file is missing) is uploaded
from the settings page, the page follows the import by itself (no script needed) and lists what could not be imported
with the reason; the profile shows the posts at their original dates; the import is undone. Held for review, the
posts wait on the page (looked at at a phone's width) to be posted or discarded. And a server killed with SIGKILL in
the middle of an import goes on, once started again, without losing or doubling a post. Screenshots go to
.build/screenshots/."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from darkroom_server import DARKROOM, darkroom, start_server
from test_web_browser import browser, element, press, screenshot, sign_up, wait_for  # noqa: F401 (a fixture)

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}


@pytest.fixture(scope="module")
def site():
    data_dir = tempfile.mkdtemp(prefix="darkroom-import-")
    archive = f"{data_dir}-archive.zip"
    parts = subprocess.run([DARKROOM, "sample-archive", "--posts", "12", "--parts", "2", "--with-faults", archive],
                           capture_output=True, text=True, check=True).stdout.split()
    process, base = start_server(data_dir, "/accounts/login")
    yield {"base": base, "parts": parts, "data_dir": data_dir}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)
    for part in parts:
        os.remove(part)


def upload(driver, base, parts, held=False):
    driver.get(f"{base}/accounts/settings")
    press(driver, "import-link")
    if held:
        # By keyboard: the choice, then the form sent with Enter on the button.
        choice = driver.find_element(By.CSS_SELECTOR, "input[name=visibility][value=held]")
        choice.send_keys(Keys.SPACE)
        assert choice.is_selected()
    element(driver, "archive").send_keys("\n".join(parts))
    element(driver, "start-import").send_keys(Keys.ENTER)
    wait_for(driver, lambda: driver.find_elements(By.ID, "import-state")
             and ("Finished" in element(driver, "import-state").text), "the import finished (the page reloads itself)", seconds=120)


def test_an_instagram_download_is_imported_followed_and_undone(site, browser):
    base, driver = site["base"], browser
    sign_up(driver, base, "voyageuse", "carnet-de-voyage-2015")
    upload(driver, base, site["parts"])
    assert "12 of 14 posts imported" in element(driver, "import-state").text
    failures = element(driver, "import-failures").text
    assert "cannot be read" in failures and "has no file media/posts/202009/missing.jpg" in failures
    screenshot(driver, "import-finished")

    driver.get(f"{base}/voyageuse")
    tiles = driver.find_elements(By.CSS_SELECTOR, "#main a[href^='/p/']")
    assert len(tiles) == 12, f"twelve posts on the profile: {len(tiles)}"
    # The newest first: the last post of the archive was taken on 2015-04-08 plus 99 days.
    press(driver, tiles[0])
    wait_for(driver, lambda: "/p/" in driver.current_url, "the newest post")
    assert "2015" in driver.page_source and "café crème" in driver.page_source
    screenshot(driver, "import-post")

    driver.get(f"{base}/accounts/import")
    press(driver, driver.find_element(By.CSS_SELECTOR, "#undo-form input[name=confirm]"))
    press(driver, "undo-import")
    wait_for(driver, lambda: "Undone" in element(driver, "import-state").text, "the import undone", seconds=60)
    driver.get(f"{base}/voyageuse")
    assert not driver.find_elements(By.CSS_SELECTOR, "#main a[href^='/p/']")

    # Moving on: the data page says where the account is now (by keyboard), and the profile links to it.
    driver.get(f"{base}/accounts/export")
    moved = element(driver, "moved_to")
    moved.send_keys("https://photos.example/voyageuse")
    moved.send_keys(Keys.ENTER)
    wait_for(driver, lambda: element(driver, "moved_to").get_attribute("value") == "https://photos.example/voyageuse", "the address saved")
    assert driver.find_element(By.ID, "follows-csv").get_attribute("href").endswith("/accounts/export/follows.csv")
    screenshot(driver, "export-moving")
    driver.get(f"{base}/voyageuse")
    link = element(driver, "moved-to").find_element(By.TAG_NAME, "a")
    assert link.get_attribute("href") == "https://photos.example/voyageuse"
    screenshot(driver, "profile-moved")


def test_held_posts_are_reviewed_on_a_phone(site, browser):
    base, driver = site["base"], browser
    sign_up(driver, base, "critique", "revue-avant-publication")
    upload(driver, base, site["parts"], held=True)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    try:
        driver.get(f"{base}/accounts/import")
        posts = driver.find_elements(By.CSS_SELECTOR, ".held-post")
        assert len(posts) == 12
        box = driver.execute_script("const r = document.querySelector('#held-posts').getBoundingClientRect(); return [r.left, r.right]")
        assert box[0] >= 0 and box[1] <= 390, f"the review fits a phone: {box}"
        driver.save_screenshot(".build/screenshots/import-review-phone-touch.png")
        press(driver, posts[0].find_element(By.XPATH, ".//button[text()='Discard']"))
        wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, ".held-post")) == 11, "one discarded")
        press(driver, driver.find_elements(By.CSS_SELECTOR, ".held-post")[0].find_element(By.XPATH, ".//button[text()='Post']"))
        wait_for(driver, lambda: "Posted 1 post" in driver.page_source, "one posted")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
    screenshot(driver, "import-review")
    press(driver, "publish-all")
    wait_for(driver, lambda: "Posted 10 posts" in driver.page_source, "the rest posted")
    assert media_count(site["data_dir"], "critique") == 11


def media_count(data_dir, username):
    return darkroom("user", "show", "--username", username, data_dir=data_dir)["counts"]["media"]


def test_a_server_killed_mid_import_goes_on_without_losing_or_doubling_a_post():
    data_dir = tempfile.mkdtemp(prefix="darkroom-import-kill-")
    try:
        archive = f"{data_dir}/archive.zip"
        subprocess.run([DARKROOM, "sample-archive", "--posts", "120", "--size", "1080", archive], capture_output=True, check=True)
        darkroom("user", "create", "--username", "durable", "--password-stdin", data_dir=data_dir, stdin="an-import-that-survives\n")
        process, _ = start_server(data_dir, "/health")
        darkroom("user", "import-instagram", "--username", "durable", "--no-wait", archive, data_dir=data_dir)
        deadline = time.time() + 120
        while media_count(data_dir, "durable") < 15:
            assert time.time() < deadline and process.poll() is None, "the import did not start"
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        posted = media_count(data_dir, "durable")
        assert 15 <= posted < 120, f"killed part-way: {posted}"

        process, _ = start_server(data_dir, "/health")
        try:
            deadline = time.time() + 180
            while media_count(data_dir, "durable") < 120:
                assert time.time() < deadline, "the import did not go on after the restart"
                time.sleep(0.3)
            time.sleep(1)
            assert media_count(data_dir, "durable") == 120
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
