"""Video posts in a real headless Chromium against a live Darkroom server: a 20-second portrait clip with sound,
made here by FFmpeg as a phone would write it, posted from the posting page with a filter and a cover moment; its
author watches it being processed (the page looks again by itself, no script needed), then sees it play in the home
feed at a desktop's and a phone's width: Chromium reports enough data to play and a current time that moves.
Screenshots go to .build/screenshots/."""
import shutil
import subprocess
import tempfile

import pytest
from selenium.webdriver.common.by import By

from darkroom_server import start_server
from test_web_browser import browser, element, fill, press, screenshot, sign_up, wait_for  # noqa: F401 (a fixture)

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}


@pytest.fixture(scope="module")
def site():
    data_dir = tempfile.mkdtemp(prefix="darkroom-video-")
    process, base = start_server(data_dir, "/accounts/login")
    clip = f"{data_dir}/phone-clip.mov"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=30:duration=20",
                    "-f", "lavfi", "-i", "sine=frequency=330:duration=20", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip], check=True)
    yield {"base": base, "clip": clip}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


def plays(driver, video):
    """Starts the video as a person pressing play would (muted: headless Chromium has no one to hear it) and waits
    until Chromium has data to play and its time moves."""
    driver.execute_script("arguments[0].muted = true; arguments[0].play();", video)
    wait_for(driver, lambda: driver.execute_script("return arguments[0].readyState", video) >= 2, "enough of the video to play")
    start = driver.execute_script("return arguments[0].currentTime", video)
    wait_for(driver, lambda: driver.execute_script("return arguments[0].currentTime", video) > start + 0.5, "the video playing")
    driver.execute_script("arguments[0].pause();", video)


def test_a_phone_clip_with_a_filter_is_posted_processed_and_plays_in_the_feed(site, browser):
    base, driver = site["base"], browser
    sign_up(driver, base, "lumiere", "la-sortie-de-l-usine")
    driver.get(f"{base}/create")
    element(driver, "photo").send_keys(site["clip"])
    fill(driver, caption="Leaving the factory #cinema")
    element(driver, "next").click()
    wait_for(driver, lambda: driver.find_elements(By.ID, "cover_time"), "the video's draft, with its cover moment", seconds=60)
    assert "Your video" in driver.find_element(By.CSS_SELECTOR, ".draft-photo h2").text
    driver.find_element(By.CSS_SELECTOR, "#filters-0 input[value='Valencia']").click()
    cover = element(driver, "cover_time")
    cover.clear()
    cover.send_keys("4.5")
    screenshot(driver, "video-draft")
    press(driver, element(driver, "publish"))
    wait_for(driver, lambda: driver.find_elements(By.ID, "video-status"), "the processing page")
    assert "being processed" in element(driver, "video-status").text
    screenshot(driver, "video-processing")
    # The page refreshes itself every few seconds until the video is there.
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "video.photo"), "the posted video", seconds=180)
    video = driver.find_element(By.CSS_SELECTOR, "video.photo")
    assert video.get_attribute("controls") is not None and video.get_attribute("playsinline") is not None
    assert video.get_attribute("autoplay") is None and video.get_attribute("poster").endswith(".jpg")
    assert "Valencia" in driver.page_source

    driver.get(f"{base}/")
    video = driver.find_element(By.CSS_SELECTOR, "#main video.photo, video.photo")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", video)
    plays(driver, video)
    screenshot(driver, "video-feed")

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    try:
        driver.get(f"{base}/")
        video = driver.find_element(By.CSS_SELECTOR, "video.photo")
        box = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.right, r.width]", video)
        assert box[0] >= 0 and box[1] <= 390 and box[2] > 300, f"the video fits a phone's width: {box}"
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", video)
        plays(driver, video)
        screenshot(driver, "video-feed-emulated")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
