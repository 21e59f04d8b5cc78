"""The pages' accessibility and look, checked in a real headless Chromium (issue 32 item 6; axe-core is not available,
so these are the checks that matter, written here): every visible control has a name and is on screen; the text
colours the stylesheet gives have WCAG AA contrast against what is behind them, in the light and the dark scheme; the
first Tab reaches a skip link that shows; focus is visible on what Tab reaches; on a phone the main navigation is a tab
bar at the bottom and nothing runs off the side. Screenshots of the dark scheme go to .build/screenshots/."""
import shutil
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from darkroom_server import darkroom, headless_chromium, start_server
from test_feed_browser import upload
from test_web_browser import screenshot, sign_up, wait_for

# Runs in the page: every visible control without an accessible name or off the screen's sides.
UNNAMED_CONTROLS = """
const problems = [];
for (const control of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
  if (control.closest('.default-submit, .skip') || control.classList.contains('default-submit')) continue;
  const box = control.getBoundingClientRect();
  const style = getComputedStyle(control);
  if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
  const labelled = (control.getAttribute('aria-label') || '').trim() || control.getAttribute('aria-labelledby')
    || (control.labels && [...control.labels].some(label => label.textContent.trim()))
    || (control.textContent || '').trim() || (control.alt || '').trim() || (control.title || '').trim()
    || [...control.querySelectorAll('img[alt]')].some(img => img.alt.trim())
    || (['submit', 'button'].includes(control.type) && (control.value || '').trim());
  if (!labelled) problems.push('unnamed: ' + control.outerHTML.slice(0, 120));
  if (box.right < 0 || box.left > window.innerWidth) problems.push('off screen: ' + control.outerHTML.slice(0, 120));
}
return problems;
"""

# Runs in the page: the contrast of each visible text against the first opaque background behind it.
LOW_CONTRAST = """
function rgba(text) {
  const parts = text.match(/[\\d.]+/g).map(Number);
  return parts.length === 3 ? [...parts, 1] : parts;
}
function luminance([r, g, b]) {
  const channel = value => { value /= 255; return value <= 0.03928 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4); };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}
function background(element) {
  for (let node = element; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.backgroundImage !== 'none' || node.tagName === 'IMG' || node.tagName === 'PICTURE') return null;  // over a photo
    const colour = rgba(style.backgroundColor);
    if (colour[3] >= 0.99) return colour;
  }
  return rgba(getComputedStyle(document.documentElement).backgroundColor || 'rgb(255,255,255)');
}
const problems = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  if (!node.textContent.trim()) continue;
  const element = node.parentElement;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || element.closest('.sr, .skip, .default-submit, [hidden]')) continue;
  let faded = false;
  for (let up = element; up; up = up.parentElement) { if (getComputedStyle(up).opacity === '0') { faded = true; break; } }
  if (faded || (element.closest('.tabs') && getComputedStyle(element).position === 'absolute' && box.width <= 1)) continue;
  const behind = background(element);
  if (!behind) continue;
  const colour = rgba(style.color);
  const [light, dark] = [luminance(colour), luminance(behind)].sort((a, b) => b - a);
  const ratio = (light + 0.05) / (dark + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`${ratio.toFixed(2)}: "${node.textContent.trim().slice(0, 40)}" (${style.color} on rgb(${behind.slice(0, 3)}))`);
}
return problems;
"""


@pytest.fixture(scope="module")
def design_site():
    data_dir = tempfile.mkdtemp(prefix="darkroom-design-")
    process, base = start_server(data_dir, "/accounts/login")
    client = darkroom("client", "create", "--name", "Poster", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
    darkroom("user", "create", "--username", "imogen", "--password-stdin", data_dir=data_dir, stdin="magnolia-blossom\n")
    token = darkroom("token", "create", "--username", "imogen", "--client-id", client["client_id"], "--scope", "basic upload",
                     data_dir=data_dir)["access_token"]
    media = [upload(base, token, f"Magnolia {index} #botany", seed=index * 0.9) for index in range(4)]
    driver = headless_chromium(window_size="1280,1000")
    sign_up(driver, base, "looker", "seeing-clearly")
    driver.get(f"{base}/imogen/")
    driver.find_element(By.ID, "follow").click()
    wait_for(driver, lambda: driver.find_elements(By.ID, "unfollow"), "following imogen")
    yield {"base": base, "driver": driver, "media": media}
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    driver.quit()
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


PAGES = ["/", "/explore/", "/imogen/", "/accounts/activity", "/accounts/settings", "/create", "/explore/search?q=im",
         "/imogen/followers/"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_controls_are_named_and_text_has_contrast_in_both_schemes(design_site, scheme, width):
    base, driver = design_site["base"], design_site["driver"]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    driver.set_window_size(width, 900)
    try:
        pages = PAGES + [f"/p/{code}/" for code in photo_codes(driver, base)]
        for path in pages:
            driver.get(base + path)
            assert driver.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
            assert driver.execute_script(UNNAMED_CONTROLS) == [], path
            assert driver.execute_script(LOW_CONTRAST) == [], path
            assert driver.execute_script("return document.documentElement.scrollWidth") <= width, f"{path} runs off the side"
        if scheme == "dark":
            driver.get(base)
            screenshot(driver, "feed-dark")
            driver.get(base + "/explore/")
            screenshot(driver, "explore-dark")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        driver.set_window_size(1280, 1000)


def photo_codes(driver, base):
    driver.get(base + "/imogen/")
    return [tile.get_attribute("href").rstrip("/").rsplit("/", 1)[1] for tile in driver.find_elements(By.CSS_SELECTOR, ".grid .tile")][:1]


def test_the_skip_link_comes_first_and_focus_shows(design_site):
    base, driver = design_site["base"], design_site["driver"]
    driver.get(base)
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.get_attribute("class") == "skip" and skip.is_displayed()
    box = driver.execute_script("return arguments[0].getBoundingClientRect()", skip)
    assert box["left"] >= 0 and box["top"] >= 0, "the skip link shows when focused"
    skip.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"
    # Each of the next stops shows where focus is: an outline (or a ring) on it.
    for _ in range(8):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        focused = driver.switch_to.active_element
        outline = driver.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.boxShadow]", focused)
        assert (outline[0] != "none" and outline[1] != "0px") or outline[2] != "none", focused.get_attribute("outerHTML")[:120]


def test_on_a_phone_the_navigation_is_a_tab_bar_at_the_bottom(design_site):
    base, driver = design_site["base"], design_site["driver"]
    driver.set_window_size(390, 844)
    try:
        driver.get(base)
        tabs = driver.find_element(By.CSS_SELECTOR, "nav.tabs")
        box = driver.execute_script("return arguments[0].getBoundingClientRect()", tabs)
        height = driver.execute_script("return window.innerHeight")
        assert abs(box["bottom"] - height) < 2 and box["height"] < 80, box
        links = tabs.find_elements(By.TAG_NAME, "a")
        assert [link.get_attribute("id") for link in links] == ["home-link", "explore-link", "new-photo", "activity-link", "my-profile"]
        tops = {round(link.rect["y"]) for link in links}
        assert len(tops) == 1, "one row"
        top_bar = driver.execute_script("return document.querySelector('.topbar').getBoundingClientRect().height")
        assert top_bar < 60, "the top bar is one line"
        # By touch: the tab bar's explore takes you there.
        links[1].click()
        wait_for(driver, lambda: driver.current_url.rstrip("/").endswith("/explore"), "explore, from the tab bar")
    finally:
        driver.set_window_size(1280, 1000)
