"""Sign-up, log-in and OAuth with a person at a real browser (headless Chromium through Selenium), against a live
Darkroom server, and a third-party web app that uses python-instagram's own token exchanges.

The app is a small HTTP server in this process: its page links to Darkroom's authorize URL, and its callback trades
the code for a token with `exchange_code_for_access_token`, then shows whose token it got. Its client-side page
reads the token from the URL fragment with JavaScript, as an implicit-flow app does.
"""
import html
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import pytest
from instagram.client import InstagramAPI
from instagram.oauth2 import OAuth2AuthExchangeError

from darkroom_server import headless_chromium, darkroom, free_port, start_server

from selenium.webdriver.common.by import By  # noqa: E402

# Every credential the tests below use or receive: the last test reads the server's whole log, written at the most
# verbose level, and finds none of them there.
SECRETS = {}


@pytest.fixture(scope="module")
def darkroom_server():
    data_dir = tempfile.mkdtemp(prefix="darkroom-oauth-")
    log_path = os.path.join(data_dir, "server.log")
    with open(log_path, "w") as log_file:
        process, base = start_server(data_dir, "/accounts/login", log_level="trace", extra_args=["--log-format", "json"],
                                     log_file=log_file)
    yield {"base": base, "data_dir": data_dir, "log": log_path}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium()
    yield driver
    driver.quit()


class ThirdPartyApp:
    """A web app that signs its users in with Darkroom."""

    def __init__(self, darkroom_base):
        self.darkroom = darkroom_base
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.client_id = self.client_secret = None
        app = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/":
                    body = app.home()
                elif url.path == "/callback":
                    body = app.callback(query)
                elif url.path == "/implicit":
                    body = ("<p id='result'>waiting</p><script>var f = new URLSearchParams(location.hash.slice(1));"
                            "document.getElementById('result').textContent = 'token:' + (f.get('access_token') || '') +"
                            " ' state:' + (f.get('state') || '');</script>")
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def api(self):
        api = InstagramAPI(client_id=self.client_id, client_secret=self.client_secret, redirect_uri=f"{self.base}/callback")
        api.access_token_url = f"{self.darkroom}/oauth/access_token"
        return api

    def home(self):
        query = urllib.parse.urlencode({"client_id": self.client_id, "redirect_uri": f"{self.base}/callback",
                                        "response_type": "code", "scope": "likes comments", "state": "csrf-123"})
        return f"<a id='sign-in' href='{self.darkroom}/oauth/authorize/?{html.escape(query)}'>Sign in with Darkroom</a>"

    def callback(self, query):
        if "error" in query:
            return f"<p id='result'>refused:{html.escape(query['error'])}:{html.escape(query.get('error_reason', ''))}</p>"
        assert query.get("state") == "csrf-123"
        token, user = self.api().exchange_code_for_access_token(query["code"])
        self.last_code, self.last_token = query["code"], token
        SECRETS[f"code {query['code']}"] = query["code"]
        SECRETS[f"token {token}"] = token
        return f"<p id='result'>signed in as {html.escape(user['username'])}</p>"


def wait_for(driver, fragment, seconds=15):
    """Waits until the browser is at a URL containing `fragment` (a form's response can take a moment)."""
    deadline = time.time() + seconds
    while fragment not in driver.current_url:
        if time.time() > deadline:
            raise AssertionError(f"still at {driver.current_url}: {driver.page_source[:2000]}")
        time.sleep(0.05)


def wait_for_element(driver, element_id, seconds=15):
    deadline = time.time() + seconds
    while not driver.find_elements(By.ID, element_id):
        if time.time() > deadline:
            raise AssertionError(f"no #{element_id} at {driver.current_url}: {driver.page_source[:2000]}")
        time.sleep(0.05)


def wait_for_text(driver, element_id, prefix, seconds=15):
    deadline = time.time() + seconds
    while not driver.find_element(By.ID, element_id).text.startswith(prefix):
        if time.time() > deadline:
            raise AssertionError(driver.page_source[:2000])
        time.sleep(0.05)


def fill(driver, **fields):
    for name, value in fields.items():
        element = driver.find_element(By.ID, name)
        element.clear()
        element.send_keys(value)


def test_a_person_signs_up_registers_an_app_and_signs_in_to_it(darkroom_server, browser):
    base = darkroom_server["base"]
    app = ThirdPartyApp(base)

    # Sign up.
    browser.get(f"{base}/accounts/signup")
    fill(browser, username="grace", full_name="Grace Hopper", password="cobol-1959")
    browser.find_element(By.ID, "signup").click()
    wait_for_element(browser, "empty-feed")
    assert "@grace" in browser.page_source

    # Register the app on the developer page, and read its credentials off it.
    browser.get(f"{base}/developer/clients")
    fill(browser, name="Grace's Printer", redirect_uris=f"{app.base}/callback\n{app.base}/implicit")
    browser.find_element(By.ID, "register").click()
    wait_for(browser, "/developer/clients/")
    app.client_id = browser.find_element(By.ID, "client-id").text
    app.client_secret = browser.find_element(By.ID, "client-secret").text
    assert len(app.client_id) == 32 and len(app.client_secret) == 32
    SECRETS["password"] = "cobol-1959"
    SECRETS["client secret"] = app.client_secret
    for cookie in browser.get_cookies():
        SECRETS[f"cookie {cookie['name']}"] = cookie["value"]

    # Log out, then sign in to the app: Darkroom asks to log in, then for consent, then sends the code back.
    browser.find_element(By.ID, "logout").click()
    wait_for(browser, "/accounts/login")
    browser.get(app.base)
    browser.find_element(By.ID, "sign-in").click()
    wait_for(browser, "/accounts/login")
    fill(browser, username="grace", password="cobol-1959")
    browser.find_element(By.ID, "login").click()
    wait_for(browser, "/oauth/authorize")
    assert browser.find_element(By.ID, "client-name").text == "Grace's Printer"
    scopes = browser.find_element(By.ID, "scopes").text
    assert "Like and unlike photos" in scopes and "Post and delete comments" in scopes
    browser.find_element(By.ID, "allow").click()
    wait_for(browser, "/callback")
    assert browser.find_element(By.ID, "result").text == "signed in as grace"

    def api_with(token):
        api = InstagramAPI(access_token=token, client_secret=app.client_secret)
        api.host, api.protocol = base.split("://")[1], "http"
        return api

    first = api_with(app.last_token)
    assert first.user().username == "grace"
    # A code works once; presenting it again also revokes the token it gave.
    with pytest.raises(OAuth2AuthExchangeError):
        app.api().exchange_code_for_access_token(app.last_code)
    with pytest.raises(Exception):
        first.user()

    # Signed in already, Grace goes straight to consent; the new token works until she revokes the app.
    browser.get(app.base)
    browser.find_element(By.ID, "sign-in").click()
    wait_for(browser, "/oauth/authorize")
    browser.find_element(By.ID, "allow").click()
    wait_for(browser, "/callback")
    second_token = app.last_token
    second = api_with(second_token)
    assert second.user().username == "grace"
    # Once more: the app already holds what it asks for, so no consent page, and the same token comes back.
    browser.get(app.base)
    browser.find_element(By.ID, "sign-in").click()
    wait_for(browser, "/callback")
    assert browser.find_element(By.ID, "result").text == "signed in as grace"
    assert app.last_token == second_token
    browser.get(f"{base}/accounts/applications")
    assert "Grace's Printer" in browser.page_source
    browser.find_element(By.CLASS_NAME, "revoke").click()
    wait_for_element(browser, "no-apps")
    with pytest.raises(Exception):
        second.user()

    # Denying sends the app the documented error.
    browser.get(app.base)
    browser.find_element(By.ID, "sign-in").click()
    browser.find_element(By.ID, "deny").click()
    wait_for(browser, "/callback")
    assert browser.find_element(By.ID, "result").text == "refused:access_denied:user_denied"

    # The client-side flow: the token arrives in the fragment, where only the app's page script reads it.
    query = urllib.parse.urlencode({"client_id": app.client_id, "redirect_uri": f"{app.base}/implicit",
                                    "response_type": "token", "state": "s-9"})
    browser.get(f"{base}/oauth/authorize?{query}")
    browser.find_element(By.ID, "allow").click()
    wait_for(browser, "/implicit")
    wait_for_text(browser, "result", "token:")
    text = browser.find_element(By.ID, "result").text
    assert text.startswith("token:") and text.endswith(" state:s-9") and len(text) > len("token: state:s-9") + 40
    SECRETS["implicit token"] = text[len("token:"):-len(" state:s-9")]
    for cookie in browser.get_cookies():
        SECRETS[f"cookie {cookie['name']} at the end"] = cookie["value"]
    with urllib.request.urlopen(f"{base}/v1/users/self?access_token={SECRETS['implicit token']}") as response:
        assert len(response.headers["X-Request-Id"]) >= 16


def test_xauth_password_grant_for_a_trusted_client(darkroom_server):
    data_dir = darkroom_server["data_dir"]
    darkroom("user", "create", "--username", "ada", "--password-stdin", data_dir=data_dir, stdin="analytical engine\n")
    trusted = darkroom("client", "create", "--name", "First party", "--redirect-uri", "http://localhost/cb", "--trusted",
                       data_dir=data_dir)
    api = InstagramAPI(client_id=trusted["client_id"], client_secret=trusted["client_secret"], redirect_uri="http://localhost/cb")
    api.access_token_url = f"{darkroom_server['base']}/oauth/access_token"
    SECRETS.update({"xauth password": "analytical engine", "wrong password": "wrong-password",
                    "trusted secret": trusted["client_secret"]})
    token, user = api.exchange_xauth_login_for_access_token("ada", "analytical engine", scope=["likes"])
    SECRETS["xauth token"] = token
    assert user["username"] == "ada" and token.startswith(user["id"] + ".")
    with pytest.raises(OAuth2AuthExchangeError):
        api.exchange_xauth_login_for_access_token("ada", "wrong-password")
    untrusted = darkroom("client", "create", "--name", "Third party", "--redirect-uri", "http://localhost/cb", data_dir=data_dir)
    other = InstagramAPI(client_id=untrusted["client_id"], client_secret=untrusted["client_secret"], redirect_uri="http://localhost/cb")
    other.access_token_url = f"{darkroom_server['base']}/oauth/access_token"
    with pytest.raises(OAuth2AuthExchangeError):
        other.exchange_xauth_login_for_access_token("ada", "analytical engine")


def test_the_log_holds_every_request_and_no_credential(darkroom_server):
    assert len(SECRETS) >= 10, "run the whole module: the tests above gather the credentials this one looks for"
    with open(darkroom_server["log"]) as log_file:
        text = log_file.read()
    lines = [json.loads(line) for line in text.splitlines()]
    requests = [line for line in lines if line.get("route")]
    assert len(requests) > 20
    assert all(len(line["request_id"]) >= 16 and line["status"].isdigit() for line in requests)
    assert any(line.get("user_id") for line in requests if line["path"].startswith("/v1/"))
    for name, secret in SECRETS.items():
        # Percent-encoded too, as a secret would appear in a logged URL or form.
        for form in {secret, urllib.parse.quote(secret), urllib.parse.quote_plus(secret)}:
            assert form not in text, f"the {name} is in the server's log"
