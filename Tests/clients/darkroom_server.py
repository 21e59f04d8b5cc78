"""Starting a real `darkroom serve` for the client tests, and running its operator commands."""
import json
import os
import socket
import subprocess
import time
import urllib.request

DARKROOM = os.environ.get("DARKROOM_BIN", ".build/debug/darkroom")


def darkroom(*args, data_dir):
    """Runs an operator command; answers the JSON it prints."""
    output = subprocess.run([DARKROOM, *args, "--data-dir", data_dir], check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(data_dir, ready_path):
    """Starts the server on a free port and waits until `ready_path` answers; answers (process, base URL)."""
    port = free_port()
    process = subprocess.Popen([DARKROOM, "serve", "--port", str(port), "--data-dir", data_dir, "--log-level", "warning"])
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + ready_path)
            break
        except Exception:
            time.sleep(0.1)
    return process, base
