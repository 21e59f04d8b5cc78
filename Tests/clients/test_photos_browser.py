"""Photos as their photographers made them, in a real headless Chromium against a live Darkroom server: a 3-photo
carousel posted from the desktop with a crop, a focal point and alt text for each; a portrait HEIC posted from a phone;
`srcset` choosing a larger file at a higher device scale factor; what a phone at DPR 3 downloads for a 12-megapixel
photo; the owner editing the description and downloading the original. Sample files are made with ImageMagick.
Screenshots at a phone's and a desktop's width go to .build/screenshots/."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from darkroom_server import headless_chromium, start_server
from test_web_browser import element, fill, press, screenshot, sign_up, wait_for

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}


def convert(*args):
    subprocess.run(["convert", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def site():
    data_dir = tempfile.mkdtemp(prefix="darkroom-photos-")
    process, base = start_server(data_dir, "/accounts/login")
    files = {}
    for name, size, seed in (("a", "1800x1200", 3), ("b", "1200x1500", 5), ("c", "1500x1000", 9)):
        files[name] = os.path.join(data_dir, f"{name}.jpg")
        convert("-seed", str(seed), "-size", size, "plasma:fractal", "-quality", "88", files[name])
    files["portrait"] = os.path.join(data_dir, "portrait.heic")
    convert("-seed", "11", "-size", "1200x1800", "plasma:fractal", "-quality", "60", files["portrait"])
    files["twelve"] = os.path.join(data_dir, "twelve.jpg")
    convert("-seed", "7", "-size", "4000x3000", "plasma:fractal", "-quality", "90", files["twelve"])
    yield {"base": base, "files": files}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium(window_size="1280,1000")
    yield driver
    driver.quit()


def emulate(driver, metrics=None):
    if metrics:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


def gone(old_element):
    """Whether a page that held `old_element` has been replaced."""
    try:
        old_element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True


def loaded(driver, img):
    return driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)


def test_a_carousel_with_crops_and_alt_text_posted_from_the_desktop(site, browser):
    base, files, driver = site["base"], site["files"], browser
    sign_up(driver, base, "dorothea", "migrant-mother-1936")
    driver.get(f"{base}/create")
    screenshot(driver, "create-pick")
    element(driver, "photo").send_keys("\n".join([files["a"], files["b"], files["c"]]))
    fill(driver, caption="Three from the valley #valley")
    element(driver, "next").click()
    wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, ".draft-photo")) == 3, "the draft's three photos")
    sections = driver.find_elements(By.CSS_SELECTOR, ".draft-photo")
    assert "Photo 2 of 3" in sections[1].text
    # Each photo its own filter, shape, focal point and description; by keyboard and by mouse.
    sections[0].find_element(By.CSS_SELECTOR, "input[name=crop_0][value=square]").click()
    sections[0].find_element(By.CSS_SELECTOR, "input[name=focal_point_0][value='0,0']").click()
    sections[1].find_element(By.CSS_SELECTOR, "#filters-1 input[value='Inkwell']").click()
    for index, text in enumerate(["Fields under cloud", "A barn door, black and white", "The river at noon"]):
        fill(driver, **{f"alt_text_{index}": text})
    before = element(driver, "crop-preview-0")
    element(driver, "preview").click()
    wait_for(driver, lambda: gone(before), "the preview's page")
    # The preview is cut as chosen: the first photo square now, the others in their own shape.
    # Found again at every look: the page before the preview has images of the same ids, which go stale when the
    # preview's page replaces it (the likely reason this test once timed out on CI).
    def crop_previews():
        return [driver.find_element(By.ID, f"crop-preview-{index}") for index in range(3)]

    wait_for(driver, lambda: all(loaded(driver, img) for img in crop_previews()), "crop previews")
    previews = crop_previews()
    sizes = [driver.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", img) for img in previews]
    assert sizes[0][0] == sizes[0][1] and sizes[1][0] < sizes[1][1] and sizes[2][0] > sizes[2][1], sizes
    assert element(driver, "alt_text_1").get_attribute("value") == "A barn door, black and white", "kept across the preview"
    screenshot(driver, "create-carousel")
    element(driver, "publish").click()
    wait_for(driver, lambda: "/p/" in driver.current_url, "the new post's page")
    slides = driver.find_elements(By.CSS_SELECTOR, ".carousel .slide img")
    assert [img.get_attribute("alt") for img in slides] == ["Fields under cloud", "A barn door, black and white", "The river at noon"]
    assert len(driver.find_elements(By.CSS_SELECTOR, ".dots a")) == 3
    for img in slides:
        assert img.get_dom_attribute("width") and img.get_dom_attribute("height") and img.get_dom_attribute("srcset")
    assert slides[1].get_attribute("loading") == "lazy" and slides[0].get_attribute("loading") != "lazy"
    # A dot takes the carousel to its photo, without script.
    driver.find_elements(By.CSS_SELECTOR, ".dots a")[2].click()
    wait_for(driver, lambda: driver.execute_script(
        "const c = document.querySelector('.carousel'); return c.scrollLeft >= c.scrollWidth - c.clientWidth - 2"), "the third photo")
    screenshot(driver, "photo-carousel")
    emulate(driver, PHONE)
    driver.refresh()
    assert driver.execute_script("return getComputedStyle(document.querySelector('.carousel')).scrollSnapType").startswith("x")
    emulate(driver)

    # The owner edits a description and downloads an original.
    element(driver, "edit").find_element(By.TAG_NAME, "summary").click()
    fill(driver, **{"edit-alt-2": "The river at noon, from the bridge"})
    element(driver, "save-edit").click()
    wait_for(driver, lambda: "Saved." in driver.page_source, "the edit saved")
    assert driver.find_elements(By.CSS_SELECTOR, ".carousel .slide img")[1].get_attribute("alt") == "The river at noon, from the bridge"
    link = driver.find_elements(By.CSS_SELECTOR, "a.original")[0].get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(link, headers={"Cookie": cookies})) as response:
        assert response.read() == open(files["a"], "rb").read()
    screenshot(driver, "photo-owner")


def test_a_portrait_heic_from_a_phone_and_srcset_at_every_density(site, browser):
    base, files, driver = site["base"], site["files"], browser
    sign_up(driver, base, "vivian", "chicago-1956")
    emulate(driver, PHONE)
    driver.get(f"{base}/create")
    element(driver, "photo").send_keys(files["portrait"])
    element(driver, "next").click()
    fill(driver, alt_text_0="A street corner at dusk")
    press(driver, "publish")
    wait_for(driver, lambda: "/p/" in driver.current_url, "the portrait's page")
    img = driver.find_element(By.CSS_SELECTOR, "article picture img")
    wait_for(driver, lambda: loaded(driver, img), "the photo")
    # 2:3 is taller than 4:5: kept at 4:5, laid out at that shape before it loads.
    assert (img.get_dom_attribute("width"), img.get_dom_attribute("height")) == ("1200", "1500")
    assert img.get_attribute("alt") == "A street corner at dusk"
    screenshot(driver, "photo-portrait")
    # The same page at DPR 1 and then DPR 3, nothing kept between (a browser would reuse a larger file it holds).
    page = driver.current_url
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    chosen = {}
    for density in (1, 3):
        emulate(driver, dict(PHONE, deviceScaleFactor=density))
        driver.get("about:blank")
        driver.get(page)
        img = driver.find_element(By.CSS_SELECTOR, "article picture img")
        wait_for(driver, lambda: loaded(driver, img), f"the photo at DPR {density}")
        chosen[density] = driver.execute_script("return arguments[0].currentSrc", img)
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    emulate(driver)
    assert chosen[1].endswith("512x640.webp") and chosen[3].endswith("1200x1500.webp"), chosen


def test_a_phone_downloads_little_for_a_twelve_megapixel_photo(site, browser):
    base, files, driver = site["base"], site["files"], browser
    sign_up(driver, base, "ansel", "moonrise-hernandez")
    driver.get(f"{base}/create")
    element(driver, "photo").send_keys(files["twelve"])
    element(driver, "next").click()
    element(driver, "publish").click()
    wait_for(driver, lambda: "/p/" in driver.current_url, "the photo's page")
    page = driver.current_url
    emulate(driver, PHONE)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.get(page)
    img = driver.find_element(By.CSS_SELECTOR, "article picture img")
    wait_for(driver, lambda: loaded(driver, img), "the photo")
    images = driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.initiatorType === 'img' || /\\.(jpg|webp)$/.test(e.name))"
        ".map(e => [e.name, e.encodedBodySize])")
    total = sum(size for _, size in images)
    report = {"page": page, "images": images, "total_kb": round(total / 1024)}
    os.makedirs(os.path.join(os.path.dirname(__file__), "..", "..", ".build"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "..", "..", ".build", "phone-image-bytes.json"), "w") as out:
        json.dump(report, out, indent=2)
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    emulate(driver)
    assert total <= 400 * 1024, report


def test_back_after_posting_resubmits_nothing_and_deleting_asks_first(site, browser):
    """Issue 32's B6 (redirect-after-post on /create) and B8 (a confirmation before deleting, a message after)."""
    base, files, driver = site["base"], site["files"], browser
    sign_up(driver, base, "imogen", "magnolia-blossom")
    driver.get(f"{base}/create")
    element(driver, "photo").send_keys(files["c"])
    fill(driver, caption="Kept across the redirect")
    element(driver, "next").click()
    wait_for(driver, lambda: "/create/drafts/" in driver.current_url, "the draft's own page, after a redirect")
    assert element(driver, "caption").get_attribute("value") == "Kept across the redirect"
    element(driver, "publish").click()
    wait_for(driver, lambda: "/p/" in driver.current_url, "the new photo's page")
    photo_page = driver.current_url
    driver.back()
    wait_for(driver, lambda: driver.execute_script("return document.readyState") == "complete", "the page before")
    assert "ERR_CACHE_MISS" not in driver.page_source and "Confirm Form Resubmission" not in driver.page_source
    assert driver.current_url == photo_page or "/create/drafts/" in driver.current_url, driver.current_url
    driver.get(photo_page)

    # Deleting asks first; keeping it changes nothing; deleting says it is done.
    element(driver, "delete-photo").click()
    element(driver, "confirm-delete")
    assert "cannot be undone" in driver.page_source
    screenshot(driver, "delete-photo")
    element(driver, "keep-photo").click()
    wait_for(driver, lambda: driver.current_url == photo_page, "back at the photo")
    element(driver, "delete-photo").click()
    element(driver, "confirm-delete").click()
    wait_for(driver, lambda: "Your photo is deleted" in driver.page_source, "the message after deleting")
    driver.get(photo_page)
    assert "does not exist" in driver.page_source


def test_a_photo_over_the_limit_keeps_the_caption_and_names_the_limit(browser):
    """Issue 32's B5: a photo over the upload limit answers the posting page again, signed in, with the caption kept,
    the limit named and a way on; a smaller photo then posts."""
    data_dir = tempfile.mkdtemp(prefix="darkroom-limit-")
    process, base = start_server(data_dir, "/accounts/login", extra_args=("--max-upload-mb", "1"))
    try:
        large, small = os.path.join(data_dir, "large.png"), os.path.join(data_dir, "small.jpg")
        convert("-seed", "4", "-size", "1400x1400", "plasma:fractal", large)
        convert("-seed", "4", "-size", "800x600", "plasma:fractal", "-quality", "80", small)
        assert os.path.getsize(large) > 1 << 20
        driver = browser
        sign_up(driver, base, "odile", "rowan-berries-red")
        driver.get(f"{base}/create")
        fill(driver, caption="Sunset over the harbour #evening")
        element(driver, "photo").send_keys(large)
        element(driver, "next").click()
        wait_for(driver, lambda: "up to 1 MB" in driver.page_source, "the posting page naming the limit")
        assert element(driver, "caption").get_attribute("value") == "Sunset over the harbour #evening"
        assert "Log in" not in driver.find_element(By.TAG_NAME, "header").text, "still signed in"
        said = re.search(r"These photos come to (\d+) MB", driver.page_source)
        assert said and int(said.group(1)) == -(-os.path.getsize(large) // (1 << 20)), "the size sent, named"
        screenshot(driver, "upload-too-large")
        element(driver, "photo").send_keys(small)
        element(driver, "next").click()
        wait_for(driver, lambda: "/create/drafts/" in driver.current_url, "the draft's page")
        assert element(driver, "caption").get_attribute("value") == "Sunset over the harbour #evening"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
