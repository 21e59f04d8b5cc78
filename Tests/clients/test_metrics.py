"""What an operator's Prometheus sees: a real `darkroom serve` with its metrics listener on a port of its own, and the
same figures on the public port for a request carrying the operator's token."""
import os
import shutil
import tempfile
import urllib.error
import urllib.request

import pytest

from darkroom_server import free_port, start_server

TOKEN = "operator-metrics-token-5f0c2a9e"


@pytest.fixture(scope="module")
def server():
    data_dir = tempfile.mkdtemp(prefix="darkroom-metrics-")
    token_file = os.path.join(data_dir, "metrics-token")
    with open(token_file, "w") as file:
        file.write(TOKEN + "\n")
    metrics_port = free_port()
    process, base = start_server(data_dir, "/health", extra_args=[
        "--metrics-port", str(metrics_port), "--metrics-token-file", token_file])
    yield {"base": base, "metrics": f"http://127.0.0.1:{metrics_port}/metrics"}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


def status_of(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


def series(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_the_listener_shows_requests_by_route_with_their_durations(server):
    for _ in range(3):
        assert status_of(server["base"] + "/accounts/login")[0] == 200
    status, _, headers = status_of(server["base"] + "/v1/users/12345?access_token=not-a-token")
    assert status == 400 and len(headers["X-Request-Id"]) >= 16
    status, text, headers = status_of(server["metrics"])
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert series(text, 'darkroom_http_requests_total{route="/accounts/login",method="GET",status="200"}') >= 3
    assert series(text, 'darkroom_http_requests_total{route="/v1/users/{user_id}",method="GET",status="400"}') >= 1
    assert series(text, 'darkroom_http_request_duration_seconds_count{route="/accounts/login",method="GET",status="200"}') >= 3
    assert series(text, 'darkroom_database_up{engine="sqlite"}') == 1
    assert series(text, "darkroom_jobs_pending") is not None
    assert "12345" not in text and "not-a-token" not in text


def test_the_public_port_answers_metrics_only_to_the_operators_token(server):
    assert status_of(server["base"] + "/metrics")[0] == 404
    assert status_of(server["base"] + "/metrics", {"Authorization": "Bearer someone-elses-token-123456"})[0] == 404
    status, text, _ = status_of(server["base"] + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and "darkroom_http_requests_total" in text
