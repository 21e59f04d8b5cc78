"""Finding people and photos, and tagging them, in a real headless Chromium against a live Darkroom server (issue 32
items 4 and 5): a visitor lands on recent public photos and explore; a new person follows someone explore suggests;
a photo is posted with a friend tagged where they stand (by mouse, and by keyboard without a spot) and a place picked
from the gazetteer as one types, and again with script turned off. Screenshots at a phone's and a desktop's width go
to .build/screenshots/."""
import json
import os
import shutil
import tempfile

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from darkroom_server import darkroom, headless_chromium, start_server
from photos import png
from test_feed_browser import upload
from test_web_browser import element, fill, log_in, press, replaced, screenshot, sign_up, wait_for


@pytest.fixture(scope="module")
def explore_site():
    data_dir = tempfile.mkdtemp(prefix="darkroom-explore-")
    process, base = start_server(data_dir, "/accounts/login")
    client = darkroom("client", "create", "--name", "Poster", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
    darkroom("user", "create", "--username", "ansel", "--password-stdin", data_dir=data_dir, stdin="moonrise-hernandez\n")
    token = darkroom("token", "create", "--username", "ansel", "--client-id", client["client_id"], "--scope", "basic upload",
                     data_dir=data_dir)["access_token"]
    media = [upload(base, token, f"Half Dome {index} #yosemite #granite", seed=index * 1.3) for index in range(3)]
    places = os.path.join(data_dir, "places.csv")
    with open(places, "w") as out:
        out.write("name,latitude,longitude,street_address\n"
                  "Harbour Lights,51.5007,-0.1246,1 Quay Street\n"
                  "Harbour Steps,37.8080,-122.4177,Pier 39\n"
                  "Hill Top,40.0,-105.0,\n")
    darkroom("locations", "import", places, "--quiet", data_dir=data_dir)
    photo = os.path.join(data_dir, "photo.png")
    with open(photo, "wb") as out:
        out.write(png(width=480, height=360, seed=2.2))
    driver = headless_chromium(window_size="1280,1000")
    yield {"base": base, "driver": driver, "media": media, "photo": photo}
    driver.quit()
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


def tiles(driver):
    return driver.find_elements(By.CSS_SELECTOR, ".grid .tile")


def test_a_visitor_sees_recent_photos_and_explore_and_a_new_person_follows_a_suggestion(explore_site):
    base, driver = explore_site["base"], explore_site["driver"]
    driver.delete_all_cookies()
    driver.get(base)
    wait_for(driver, lambda: len(tiles(driver)) == 3, "the landing page's recent photos")
    assert element(driver, "welcome-signup").is_displayed()
    screenshot(driver, "welcome")
    element(driver, "welcome-explore").click()
    wait_for(driver, lambda: driver.current_url.endswith("/explore/") and tiles(driver), "explore")
    trending = element(driver, "trending").text
    assert "#granite" in trending and "#yosemite" in trending and "3 photos" in trending
    suggested = element(driver, "suggested")
    assert "ansel" in suggested.text and not suggested.find_elements(By.CSS_SELECTOR, "button.follow")
    assert len(tiles(driver)) == 3
    screenshot(driver, "explore-visitor")

    sign_up(driver, base, "newcomer", "first-day-here")
    # An empty feed points to explore; explore offers the one account that has posted, with a button to follow it.
    driver.find_element(By.CSS_SELECTOR, "#empty-feed a[href='/explore/']").click()
    follow = element(driver, "suggested").find_element(By.CSS_SELECTOR, "button.follow")
    screenshot(driver, "explore")
    follow.click()
    wait_for(driver, lambda: replaced(follow), "the page after following")
    assert element(driver, "suggested").find_element(By.CSS_SELECTOR, "button.unfollow").text == "Following"
    assert driver.current_url.rstrip("/").endswith("/explore")
    driver.get(base)
    wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, "#feed article")) == 3, "the followed account's photos")


def posting_page(driver, base, photo, caption):
    driver.get(f"{base}/create")
    element(driver, "photo").send_keys(photo)
    fill(driver, caption=caption)
    element(driver, "next").click()
    spot = element(driver, "tag_at_0")
    wait_for(driver, lambda: driver.execute_script("return arguments[0].offsetWidth > 0", spot), "the photo to tag on")
    return spot


def test_tagging_a_friend_where_they_stand_and_picking_a_place_as_one_types(explore_site):
    base, driver, photo = explore_site["base"], explore_site["driver"], explore_site["photo"]
    log_in(driver, base, "newcomer", "first-day-here")
    spot = posting_page(driver, base, photo, "Meeting @ansel")
    width, height = int(spot.get_dom_attribute("width")), int(spot.get_dom_attribute("height"))
    assert (width, height) == (320, 240), "drawn at the crop preview's own size"
    fill(driver, tag_username_0="@ansel")
    # Click a quarter of the way across and three quarters down.
    ActionChains(driver).move_to_element_with_offset(spot, round(width * 0.25 - width / 2), round(height * 0.75 - height / 2)).click().perform()
    wait_for(driver, lambda: replaced(spot), "the page with the tag")
    tagged = element(driver, "tagging-0")
    assert "@ansel" in tagged.text
    value = tagged.find_element(By.CSS_SELECTOR, "input[name=tagged_0]").get_attribute("value")
    _, x, y, name = value.split(" ")
    assert name == "ansel" and abs(float(x) - 0.25) < 0.02 and abs(float(y) - 0.75) < 0.02, value
    # Someone who does not exist is refused with words, and the tag already made stays.
    fill(driver, tag_username_0="nobody-here")
    element(driver, "tag_add_0").click()
    wait_for(driver, lambda: "There is no account named @nobody-here." in driver.page_source, "the refusal")
    assert "@ansel" in element(driver, "tagging-0").text

    # The place, found as one types: the nearest of two by the coordinates given.
    driver.find_element(By.CSS_SELECTOR, "#place summary").click()
    fill(driver, lat="51.5", lng="-0.12")
    element(driver, "place_q").send_keys("harb")
    wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, "#place-results input[name=location_id]")) == 2,
             "the places as one types")
    choices = driver.find_elements(By.CSS_SELECTOR, "#place-results label")
    assert choices[0].text.startswith("Harbour Lights"), [choice.text for choice in choices]
    choices[0].click()
    screenshot(driver, "create-tag-and-place")
    element(driver, "publish").click()
    wait_for(driver, lambda: "/p/" in driver.current_url, "the new post's page")
    article = driver.find_element(By.CSS_SELECTOR, "article")
    assert "Harbour Lights" in article.text
    with_people = driver.find_elements(By.CSS_SELECTOR, "article .with a[href='/ansel/']")
    assert with_people, "the tagged person is linked from the post"
    log_in(driver, base, "ansel", "moonrise-hernandez")
    driver.get(f"{base}/accounts/activity")
    activity = element(driver, "activity").text
    assert "newcomer tagged you in a photo." in activity and "newcomer mentioned you" in activity, activity


def test_tagging_by_keyboard_and_a_place_without_script_on_a_phone(explore_site):
    base, driver, photo = explore_site["base"], explore_site["driver"], explore_site["photo"]
    log_in(driver, base, "newcomer", "first-day-here")
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    driver.set_window_size(390, 844)
    try:
        posting_page(driver, base, photo, "Steps")
        field = element(driver, "tag_username_0")
        field.send_keys("ansel")
        # Enter in a field brings the page back as it is, never posts: the form's first button is "Update".
        field.send_keys(Keys.ENTER)
        wait_for(driver, lambda: replaced(field), "the page again")
        assert "/create/drafts/" in driver.current_url and element(driver, "tag_username_0").get_attribute("value") == "ansel"
        button = element(driver, "tag_add_0")
        button.send_keys(Keys.ENTER)
        wait_for(driver, lambda: replaced(button), "the page with the tag")
        value = element(driver, "tagging-0").find_element(By.CSS_SELECTOR, "input[name=tagged_0]").get_attribute("value")
        assert value.endswith(" 0.500 0.500 ansel"), value
        # Taken off again, then put back.
        press(driver, driver.find_element(By.CSS_SELECTOR, "button[name=untag_0]"))
        wait_for(driver, lambda: not driver.find_elements(By.CSS_SELECTOR, "input[name=tagged_0]"), "the tag taken off")
        fill(driver, tag_username_0="ansel")
        press(driver, "tag_add_0")
        wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "#tagging-0 input[name=tagged_0]"), "the tag put back")

        press(driver, driver.find_element(By.CSS_SELECTOR, "#place summary"))
        fill(driver, place_q="harbour st")
        press(driver, "find-place")
        wait_for(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, "#place-results input[name=location_id]")) == 1,
                 "the places found by the button")
        press(driver, driver.find_element(By.CSS_SELECTOR, "#place-results input[name=location_id]"))
        fill(driver, place_q="zzz")
        press(driver, "find-place")
        wait_for(driver, lambda: "No place by that name." in driver.page_source, "no match, said")
        assert driver.find_element(By.CSS_SELECTOR, "#place-results input[name=location_id]").is_selected(), "the choice stays"
        screenshot(driver, "create-place-without-script")
        driver.set_window_size(390, 844)
        press(driver, "publish")
        wait_for(driver, lambda: "/p/" in driver.current_url, "the new post's page")
        assert "Harbour Steps" in driver.find_element(By.CSS_SELECTOR, "article").text
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
        driver.set_window_size(1280, 1000)
