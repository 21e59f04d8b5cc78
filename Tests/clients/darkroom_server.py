"""Starting a real `darkroom serve` for the client tests, and running its operator commands."""
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request

DARKROOM = os.environ.get("DARKROOM_BIN", ".build/debug/darkroom")


def darkroom(*args, data_dir, stdin=None):
    """Runs an operator command (with `stdin` as its standard input, for secrets); answers the JSON it prints."""
    result = subprocess.run([DARKROOM, *args, "--data-dir", data_dir], capture_output=True, text=True, input=stdin)
    assert result.returncode == 0, f"darkroom {' '.join(args)} failed: {result.stderr}"
    return json.loads(result.stdout)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(data_dir, ready_path, log_level="warning", extra_args=(), log_file=None, host_name=None):
    """Starts the server on a free port and waits until `ready_path` answers; answers (process, base URL).
    Its log goes to `log_file` (an open file) when given. With `host_name` (say, localhost), that name is in the base
    URL and the server's public URL. Raises, with the server stopped, when it exits or does not answer within ten
    seconds."""
    port = free_port()
    public = ["--public-url", f"http://{host_name}:{port}"] if host_name else []
    process = subprocess.Popen([DARKROOM, "serve", "--port", str(port), "--data-dir", data_dir, "--log-level", log_level,
                                "--metrics-port", "0", *public, *extra_args], stderr=log_file)
    base = f"http://{host_name or '127.0.0.1'}:{port}"
    last_error = None
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"darkroom serve exited with status {process.returncode} before answering {ready_path}")
        try:
            urllib.request.urlopen(base + ready_path)
            return process, base
        except Exception as error:
            last_error = error
            time.sleep(0.1)
    process.terminate()
    process.wait(timeout=10)
    raise RuntimeError(f"darkroom serve did not answer {ready_path} within ten seconds: {last_error}")


def headless_chromium(window_size=None):
    """A headless Chromium driven by Selenium (scripts/test installs chromium and chromium-driver)."""
    from selenium import webdriver
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "chromium and chromium-driver must be installed (scripts/test installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    if window_size:
        options.add_argument(f"--window-size={window_size}")
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver
