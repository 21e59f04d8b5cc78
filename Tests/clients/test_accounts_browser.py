"""Accounts a person can keep, at a real browser against a live Darkroom whose mail goes through a real SMTP server
(aiosmtpd, started here, with STARTTLS and a password, on a certificate made for the test): signing up with an email
address, confirming it from the mail, changing the password, forgetting it and resetting it from the mail, seeing and
ending signed-in browsers. Also: implicit TLS, and a server that offers no TLS, to which Darkroom sends no password."""
import email
import email.policy
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from darkroom_server import DARKROOM, free_port, headless_chromium, start_server
from test_web_browser import element, fill, press, replaced, screenshot, wait_for

SMTP_USER, SMTP_PASSWORD = "darkroom", "mail-secret-42"


class Mailbox:
    """What the SMTP server received, and what each connection did."""

    def __init__(self):
        self.messages = []
        self.logins = []
        self.lock = threading.Lock()

    @staticmethod
    def encrypted(server, session):
        """Whether the connection is TLS: upgraded by STARTTLS (`session.ssl`), or TLS from the start."""
        return session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default),
                                  self.encrypted(server, session)))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        with self.lock:
            self.logins.append((mechanism, self.encrypted(server, session)))
        ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok)

    def wait(self, count, seconds=20):
        """The first `count` messages, once they have arrived (the mail job sends them in the background)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages[:count])
            time.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} messages arrived, not {count}")


def link(message, path):
    text = message.get_body(("plain",)).get_content()
    found = re.search(r"(http://[^\s]+" + re.escape(path) + r"[0-9a-f]{64})", text)
    assert found, text
    return found.group(1)


@pytest.fixture(scope="module")
def certificate():
    """A self-signed certificate for 127.0.0.1, which Darkroom is told to trust (--smtp-ca-file)."""
    folder = tempfile.mkdtemp(prefix="darkroom-smtp-tls-")
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    yield cert, context
    shutil.rmtree(folder, ignore_errors=True)


def smtp_server(mailbox, auth_require_tls=True, **options):
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=mailbox.authenticate,
                            auth_require_tls=auth_require_tls, **options)
    controller.start()
    return controller


def darkroom_with(smtp_url, certificate_path, data_prefix, log_file=None):
    data_dir = tempfile.mkdtemp(prefix=data_prefix)
    process, base = start_server(data_dir, "/accounts/login", log_level="trace" if log_file else "warning", log_file=log_file,
                                 extra_args=["--smtp-url", smtp_url, "--smtp-ca-file", certificate_path,
                                             "--mail-from", "Darkroom Test <noreply@darkroom.test>"])
    return process, base, data_dir


@pytest.fixture(scope="module")
def site(certificate):
    cert_path, context = certificate
    mailbox = Mailbox()
    controller = smtp_server(mailbox, tls_context=context, require_starttls=True)
    log_path = tempfile.mktemp(prefix="darkroom-accounts-log-")
    with open(log_path, "w") as log_file:
        process, base, data_dir = darkroom_with(f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{controller.port}", cert_path,
                                                "darkroom-accounts-", log_file=log_file)
    yield {"base": base, "mailbox": mailbox, "data_dir": data_dir, "log": log_path}
    process.terminate()
    process.wait(timeout=10)
    controller.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
    os.remove(log_path)


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium(window_size="390,900")
    yield driver
    driver.quit()


def test_email_password_change_and_reset_through_a_real_smtp_server(site, browser):
    base, mailbox = site["base"], site["mailbox"]
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/signup")
    fill(browser, username="marta", email="marta@example.com", password="first long secret")
    press(browser, "signup")
    wait_for(browser, lambda: browser.current_url.rstrip("/") == base, "after sign-up the home feed")

    # The confirmation mail, over STARTTLS, after a login over TLS; plain text and HTML, with an absolute link.
    recipients, message, secure = mailbox.wait(1)[0]
    assert recipients == ["marta@example.com"] and secure
    assert mailbox.logins and all(tls for _, tls in mailbox.logins)
    assert message["Subject"] == "Darkroom: Confirm your email address"
    assert message["From"] == "Darkroom Test <noreply@darkroom.test>"
    confirm = link(message, "/accounts/email/verify/")
    assert confirm.startswith(base) and confirm in message.get_body(("html",)).get_content()

    browser.get(confirm)
    screenshot(browser, "accounts-confirm-email")
    press(browser, "confirm-email")
    wait_for(browser, lambda: "marta@example.com is confirmed" in browser.page_source, "the address confirmed")

    # Settings lead to the password form; changing it mails a notice.
    browser.get(f"{base}/accounts/settings")
    assert "marta@example.com" in browser.page_source
    press(browser, "password-link")
    fill(browser, current_password="first long secret", new_password="second long secret", confirm_password="second long secret")
    screenshot(browser, "accounts-change-password")
    # By keyboard: Enter in the last field submits the form.
    element(browser, "confirm_password").send_keys(Keys.ENTER)
    wait_for(browser, lambda: "Your password is changed" in browser.page_source, "the password changed")
    _, notice, _ = mailbox.wait(2)[1]
    assert notice["Subject"] == "Darkroom: Your password was changed" and "Chrome on Linux" in notice.get_body(("plain",)).get_content()

    # Forgotten: from the log-in page, a link by mail, a new password, and in.
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/login")
    press(browser, "forgot-password")
    fill(browser, email="marta@example.com")
    press(browser, "send-reset")
    wait_for(browser, lambda: "Check your email" in browser.page_source, "the same answer for any address")
    _, reset_mail, _ = mailbox.wait(3)[2]
    assert reset_mail["Subject"] == "Darkroom: Reset your password"
    reset = link(reset_mail, "/accounts/password/reset/")
    browser.get(reset)
    screenshot(browser, "accounts-new-password")
    fill(browser, new_password="third long secret", confirm_password="third long secret")
    press(browser, "set-password")
    wait_for(browser, lambda: "Your new password is set" in browser.page_source, "the reset done")
    _, reset_notice, _ = mailbox.wait(4)[3]
    assert reset_notice["Subject"] == "Darkroom: Your password was reset by email"
    browser.get(reset)
    assert "This link does not work" in browser.page_source, "a reset link works once"

    browser.get(f"{base}/accounts/login")
    fill(browser, username="marta", password="third long secret")
    press(browser, "login")
    wait_for(browser, lambda: browser.current_url.rstrip("/") == base, "signed in with the new password")

    # The security page: this browser, the log of what happened.
    browser.get(f"{base}/accounts/security")
    page = browser.page_source
    assert "this browser" in page and "Password reset by email" in page and "Email address verified" in page
    screenshot(browser, "accounts-security")


def test_signed_in_browsers_are_listed_and_ended(site, browser):
    base = site["base"]
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/signup")
    fill(browser, username="niko", password="niko long secret")
    press(browser, "signup")
    wait_for(browser, lambda: browser.current_url.rstrip("/") == base, "after sign-up the home feed")
    # Another browser (a plain HTTP client with its own cookies) signs in to the same account.
    jar = CookieJar()
    other = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = other.open(f"{base}/accounts/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form).group(1)
    body = urllib.parse.urlencode({"csrf_token": csrf, "username": "niko", "password": "niko long secret"}).encode()
    other.open(urllib.request.Request(f"{base}/accounts/login", data=body, headers={"User-Agent": "Firefox/120.0 (Android 14)"}))
    assert "niko" in other.open(f"{base}/accounts/settings").read().decode()

    browser.get(f"{base}/accounts/security")
    assert "Firefox on Android" in browser.page_source
    sign_out = browser.find_elements(By.CSS_SELECTOR, "button.end-session")
    assert len(sign_out) == 1
    press(browser, sign_out[0])
    wait_for(browser, lambda: "Signed out 1 browser." in browser.page_source, "the other browser signed out")
    assert "/accounts/login" in other.open(f"{base}/accounts/settings").geturl()


def test_implicit_tls(certificate):
    cert_path, context = certificate
    mailbox = Mailbox()
    # aiosmtpd's own TLS check knows only STARTTLS; the mailbox checks this connection is TLS instead.
    controller = smtp_server(mailbox, auth_require_tls=False, ssl_context=context)
    process, base, data_dir = darkroom_with(f"smtps://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{controller.port}", cert_path,
                                            "darkroom-smtps-")
    try:
        sign_up_by_http(base, "olga", "olga@example.com")
        recipients, message, secure = mailbox.wait(1)[0]
        assert recipients == ["olga@example.com"] and secure and message["Subject"] == "Darkroom: Confirm your email address"
        assert mailbox.logins == [("PLAIN", True)]
    finally:
        process.terminate()
        process.wait(timeout=10)
        controller.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_no_password_is_sent_to_a_server_without_tls(certificate):
    cert_path, _ = certificate
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=mailbox.authenticate,
                            auth_require_tls=False)
    controller.start()
    process, base, data_dir = darkroom_with(f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{controller.port}", cert_path,
                                            "darkroom-plain-smtp-")
    try:
        sign_up_by_http(base, "pavel", "pavel@example.com")
        # The mail job fails, saying why, and waits to be retried; the server heard no password and no message.
        deadline = time.time() + 20
        error = None
        while time.time() < deadline and not error:
            listed = subprocess.run([DARKROOM, "jobs", "list", "--data-dir", data_dir], capture_output=True, text=True)
            jobs = [job for job in json.loads(listed.stdout)["jobs"] if job["kind"] == "send-mail"]
            error = jobs[0]["last_error"] if jobs else None
            time.sleep(0.1)
        assert error and "never sent in the clear" in error, error
        assert mailbox.logins == [] and mailbox.messages == []
    finally:
        process.terminate()
        process.wait(timeout=10)
        controller.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def sign_up_by_http(base, username, address):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/accounts/signup").read().decode()
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form).group(1)
    body = urllib.parse.urlencode({"csrf_token": csrf, "username": username, "email": address,
                                   "password": f"{username} long secret"}).encode()
    opener.open(urllib.request.Request(f"{base}/accounts/signup", data=body))


def test_two_factor_with_codes_computed_by_pyotp(site, browser):
    """An authenticator app's part played by pyotp, which reads the otpauth URI the page shows and computes its own
    codes (never Darkroom's)."""
    import pyotp
    base = site["base"]
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/signup")
    fill(browser, username="rosa", password="rosa long secret")
    press(browser, "signup")
    wait_for(browser, lambda: browser.current_url.rstrip("/") == base, "after sign-up the home feed")
    browser.get(f"{base}/accounts/settings")
    press(browser, "two-factor-link")
    press(browser, "set-up")
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#qr svg"), "the QR code")
    screenshot(browser, "accounts-two-factor-setup")
    uri = element(browser, "otpauth").get_attribute("href")
    totp = pyotp.parse_uri(uri)
    assert totp.secret == element(browser, "secret").text.replace(" ", "") and totp.issuer.startswith("Darkroom")
    fill(browser, code=totp.now())
    press(browser, "confirm-code")
    wait_for(browser, lambda: browser.find_elements(By.ID, "recovery-codes"), "the recovery codes")
    codes = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#recovery-codes code")]
    assert len(codes) == 10
    screenshot(browser, "accounts-recovery-codes")

    # Signing in again: the password, then a code of a later step than the set-up's (each step works once).
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/login")
    fill(browser, username="rosa", password="rosa long secret")
    press(browser, "login")
    wait_for(browser, lambda: "/accounts/login/two-factor" in browser.current_url, "the code page")
    screenshot(browser, "accounts-login-two-factor")
    fill(browser, code="000000")
    press(browser, "verify")
    wait_for(browser, lambda: "not right" in browser.page_source, "a wrong code refused")
    next_step = (int(time.time()) // 30 + 1) * 30
    fill(browser, code=totp.at(next_step))
    element(browser, "code").send_keys(Keys.ENTER)
    wait_for(browser, lambda: browser.current_url.rstrip("/") == base, "signed in with the code")

    # A recovery code, once.
    browser.delete_all_cookies()
    browser.get(f"{base}/accounts/login")
    fill(browser, username="rosa", password="rosa long secret")
    press(browser, "login")
    wait_for(browser, lambda: "/accounts/login/two-factor" in browser.current_url, "the code page")
    fill(browser, code=codes[0])
    press(browser, "verify")
    wait_for(browser, lambda: browser.current_url.rstrip("/") == base, "signed in with a recovery code")
    browser.get(f"{base}/accounts/security")
    assert "Signed in with a recovery code" in browser.page_source and "Two-factor sign-in turned on" in browser.page_source


def test_no_link_token_or_mail_password_reaches_the_log(site):
    """The server ran at its most verbose level through the flows above: every link it mailed is a credential until
    used, and the SMTP password is one for good; none of them is in its log."""
    with open(site["log"]) as log:
        text = log.read()
    assert "GET /accounts/password/reset/[redacted]" in text, "the log has the requests, with their tokens cut"
    secrets = {SMTP_PASSWORD}
    for _, message, _ in site["mailbox"].messages:
        secrets |= set(re.findall(r"/(?:verify|reset)/([0-9a-f]{64})", message.get_body(("plain",)).get_content()))
    assert len(secrets) >= 3, "the password, a verification link and a reset link"
    for secret in secrets:
        assert secret not in text, "a secret in the server's log"


def test_an_operator_runs_approval_mode_sign_ups_from_admin(certificate, browser):
    """A server that approves its sign-ups: a person asks to join with a reason, an operator approves them in /admin,
    and the welcome mail arrives through the real SMTP server with the link that verifies their address."""
    cert_path, context = certificate
    mailbox = Mailbox()
    controller = smtp_server(mailbox, tls_context=context, require_starttls=True)
    data_dir = tempfile.mkdtemp(prefix="darkroom-approval-")
    process, base = start_server(data_dir, "/accounts/login", extra_args=[
        "--smtp-url", f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{controller.port}", "--smtp-ca-file", cert_path,
        "--signup-mode", "approval"])
    try:
        subprocess.run([DARKROOM, "user", "create", "--username", "ops", "--password-stdin", "--data-dir", data_dir],
                       input="ops long secret\n", capture_output=True, text=True, check=True)
        subprocess.run([DARKROOM, "user", "promote", "--username", "ops", "--data-dir", data_dir], capture_output=True, check=True)

        browser.delete_all_cookies()
        browser.get(f"{base}/accounts/signup")
        fill(browser, username="tomas", email="tomas@example.com", password="tomas long secret", reason="Street photos of Lisbon")
        press(browser, "signup")
        wait_for(browser, lambda: "waiting for an operator" in browser.page_source, "the request taken")

        browser.delete_all_cookies()
        browser.get(f"{base}/accounts/login")
        fill(browser, username="ops", password="ops long secret")
        press(browser, "login")
        wait_for(browser, lambda: browser.current_url.rstrip("/") == base, "the operator signed in")
        browser.get(f"{base}/admin/signups")
        assert "Street photos of Lisbon" in browser.page_source
        screenshot(browser, "admin-signups")
        press(browser, "approve-tomas")
        wait_for(browser, lambda: "Approved" in browser.page_source, "approved")
        recipients, welcome, secure = mailbox.wait(1)[0]
        assert recipients == ["tomas@example.com"] and secure and "approved" in welcome["Subject"]
        confirm = link(welcome, "/accounts/email/verify/")

        browser.delete_all_cookies()
        browser.get(f"{base}/accounts/login")
        fill(browser, username="tomas", password="tomas long secret")
        press(browser, "login")
        wait_for(browser, lambda: browser.current_url.rstrip("/") == base, "the approved person signed in")
        browser.get(confirm)
        press(browser, "confirm-email")
        wait_for(browser, lambda: "tomas@example.com is confirmed" in browser.page_source, "the address confirmed")
    finally:
        process.terminate()
        process.wait(timeout=10)
        controller.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
