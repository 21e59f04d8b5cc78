"""HTTP behaviour only a real socket shows."""
import shutil
import socket
import tempfile

import pytest

from darkroom_server import start_server


@pytest.fixture(scope="module")
def base():
    data_dir = tempfile.mkdtemp(prefix="darkroom-http-")
    process, url = start_server(data_dir, "/accounts/login")
    yield url
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(data_dir, ignore_errors=True)


def test_expect_100_continue_is_answered_before_the_body(base):
    """curl asks before sending a large upload; without an answer it waits a second per photo."""
    host, port = base.split("://")[1].split(":")
    body = b"--b\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nhi\r\n--b--\r\n"
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall((
            f"POST /v1/media/upload HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
        connection.settimeout(0.5)
        interim = connection.recv(100)
        assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        connection.settimeout(5)
        connection.sendall(body)
        answer = b""
        while b"}}" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and b"OAuthParameterException" in answer, answer
