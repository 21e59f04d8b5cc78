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
        # Under a second: curl sends the body anyway after one, so a later answer is as good as none.
        connection.settimeout(0.9)
        received = connection.recv(100)
        assert received.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), received
        connection.settimeout(5)
        try:
            connection.sendall(body)
        except OSError:
            pass  # the answer may already have come: without credentials the body is not read
        while b"}}" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                break
            received += chunk
    answer = received[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
    assert answer.startswith(b"HTTP/1.1 400") and b"OAuthParameterException" in answer, answer


def read_until(connection, marker):
    """Bytes from the connection up to and including `marker`."""
    got = b""
    while marker not in got:
        chunk = connection.recv(65536)
        assert chunk, got
        got += chunk
    return got


def content_length(answer):
    return [line for line in answer.split(b"\r\n") if line.lower().startswith(b"content-length:")]


def test_head_over_a_real_socket_has_the_get_length_and_no_body(base):
    """HEAD answers the headers of GET, its Content-Length included, and the connection stays usable."""
    host, port = base.split("://")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(f"GET /accounts/login HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        got = read_until(connection, b"</html>")
        connection.sendall(f"HEAD /accounts/login HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head = read_until(connection, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        get_length, head_length = content_length(got), content_length(head)
        assert head_length == get_length and get_length, (head_length, get_length)
        assert head.endswith(b"\r\n\r\n"), "no body after the headers"
        # The next request on the same connection is answered as usual.
        connection.sendall(f"GET /static/anonymousUser.jpg HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        after = connection.recv(100)
        assert after.startswith(b"HTTP/1.1 200"), after


def test_a_body_just_over_two_mebibytes_is_a_logged_413(base):
    """Url-encoded and type-less bodies past the form limit answer 413 in the v1 format, never an empty 500."""
    import urllib.error
    import urllib.request
    for content_type in ("application/x-www-form-urlencoded", None):
        request = urllib.request.Request(base + "/v1/media/1/likes", data=b"a" * (2 * 1024 * 1024 + 1), method="POST")
        if content_type:
            request.add_header("Content-Type", content_type)
        else:
            request.add_header("Content-Type", "")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 413
        assert b"APIInvalidParametersError" in refused.value.read()


def test_a_declared_length_over_the_upload_limit_is_refused_unread(base):
    host, port = base.split("://")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall((
            f"POST /v1/media/upload?access_token=whatever HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {100 * 1024 * 1024}\r\n\r\n").encode())
        answer = connection.recv(4096)
    # Credentials are checked first (this token is unknown); nothing of the 100 MiB was awaited.
    assert answer.startswith(b"HTTP/1.1 400") and b"OAuthAccessTokenException" in answer, answer


def test_a_trickled_body_is_cut(base):
    """A body sent a byte every two seconds is cut by its deadline (ten seconds for a small one), not held for minutes."""
    import time
    host, port = base.split("://")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall((
            f"POST /accounts/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: 1000\r\n\r\n").encode())
        started = time.monotonic()
        answer = b""
        connection.settimeout(2)
        while time.monotonic() - started < 25:
            try:
                connection.sendall(b"a")
            except OSError:
                break
            try:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
            except socket.timeout:
                pass
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert elapsed < 20, elapsed


def test_a_burst_of_anonymous_uploads_leaves_memory_alone():
    """30 parallel 19 MiB uploads with no token: refused before their bodies are read, so RSS stays near idle."""
    import threading
    import time
    data_dir = tempfile.mkdtemp(prefix="darkroom-burst-")
    process, url = start_server(data_dir, "/accounts/login")
    try:
        host, port = url.split("://")[1].split(":")

        def rss_kib():
            with open(f"/proc/{process.pid}/status") as status:
                return int(next(line for line in status if line.startswith("VmRSS:")).split()[1])

        idle = rss_kib()
        peak = idle
        body = b"x" * (19 * 1024 * 1024)
        answers = []

        def upload():
            try:
                with socket.create_connection((host, int(port)), timeout=30) as connection:
                    connection.sendall((
                        f"POST /v1/media/upload HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode())
                    try:
                        connection.sendall(body)
                    except OSError:
                        pass
                    answers.append(connection.recv(100))
            except OSError as error:
                answers.append(repr(error).encode())

        threads = [threading.Thread(target=upload) for _ in range(30)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            peak = max(peak, rss_kib())
            time.sleep(0.02)
        assert sum(answer.startswith(b"HTTP/1.1 400") for answer in answers) >= 25, answers[:3]
        assert (peak - idle) < 100 * 1024, f"RSS grew {(peak - idle) // 1024} MiB over {idle // 1024} MiB idle"
        print(f"burst: idle {idle // 1024} MiB, peak {peak // 1024} MiB")
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
