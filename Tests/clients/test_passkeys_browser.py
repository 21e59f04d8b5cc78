"""Passkeys at a real browser: Chromium's virtual authenticator (Selenium's add_virtual_authenticator) plays the
person's phone. A passkey is added from settings, signs in without a password, serves as the second factor after a
password, and is refused from an origin that is not the server's."""
import shutil
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions

from darkroom_server import headless_chromium, start_server
from test_web_browser import element, fill, press, screenshot, wait_for


@pytest.fixture(scope="module")
def site():
    data_dir = tempfile.mkdtemp(prefix="darkroom-passkeys-")
    # WebAuthn's relying party id is a host name, never an address: the site is reached as localhost.
    process, base = start_server(data_dir, "/accounts/login", host_name="localhost")
    yield base
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium(window_size="390,900")
    options = VirtualAuthenticatorOptions()
    options.protocol = VirtualAuthenticatorOptions.Protocol.CTAP2
    options.transport = VirtualAuthenticatorOptions.Transport.INTERNAL
    options.has_resident_key = True
    options.has_user_verification = True
    options.is_user_verified = True
    options.is_user_consenting = True
    driver.add_virtual_authenticator(options)
    yield driver
    driver.quit()


def signed_in(driver, base):
    return driver.current_url.rstrip("/") == base and driver.find_elements(By.ID, "my-profile")


def test_a_passkey_added_signs_in_alone_and_as_a_second_factor(site, browser):
    base = site
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/signup")
    fill(browser, username="sofia", password="sofia long secret")
    press(browser, "signup")
    wait_for(browser, lambda: signed_in(browser, base), "after sign-up the home feed")

    browser.get(f"{base}/accounts/passkeys")
    wait_for(browser, lambda: element(browser, "add-passkey-form").is_displayed(), "the passkey form shown by its script")
    fill(browser, **{"passkey-name": "Test phone"})
    press(browser, "add-passkey")
    # The first second factor comes with recovery codes.
    wait_for(browser, lambda: browser.find_elements(By.ID, "recovery-codes"), "the recovery codes after the first passkey")
    assert "The passkey is added" in browser.page_source
    credentials = browser.get_credentials()
    assert len(credentials) == 1 and credentials[0].is_resident_credential
    browser.get(f"{base}/accounts/passkeys")
    assert "Test phone" in browser.page_source
    screenshot(browser, "accounts-passkeys")

    # Without a password: the log-in page's passkey button.
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/login")
    wait_for(browser, lambda: element(browser, "passkey-form").is_displayed(), "the passkey button")
    screenshot(browser, "accounts-login")
    press(browser, "passkey-login")
    wait_for(browser, lambda: signed_in(browser, base), "signed in with the passkey alone")
    assert browser.get_credentials()[0].sign_count >= 1

    # After a password, the passkey is the second factor.
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/login")
    fill(browser, username="sofia", password="sofia long secret")
    press(browser, "login")
    wait_for(browser, lambda: "/accounts/login/two-factor" in browser.current_url, "the second-factor page")
    wait_for(browser, lambda: element(browser, "passkey-form").is_displayed(), "the passkey button")
    press(browser, "passkey-verify")
    wait_for(browser, lambda: signed_in(browser, base), "signed in with password and passkey")
    browser.get(f"{base}/accounts/security")
    assert "Passkey added" in browser.page_source


def test_a_passkey_is_refused_from_another_origin(site, browser):
    # The same server reached by its address: not the relying party's origin, so the passkey is never used.
    other = site.replace("localhost", "127.0.0.1")
    browser.delete_all_cookies()
    browser.get(f"{other}/accounts/login")
    wait_for(browser, lambda: element(browser, "passkey-form").is_displayed(), "the passkey button")
    count = browser.get_credentials()[0].sign_count
    press(browser, "passkey-login")
    wait_for(browser, lambda: "did not work" in element(browser, "passkey-form").text, "the refusal")
    assert "/accounts/login" in browser.current_url and not browser.find_elements(By.ID, "my-profile")
    assert browser.get_credentials()[0].sign_count == count
