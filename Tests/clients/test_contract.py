"""The API held to its description: schemathesis runs the served OpenAPI document against a live, seeded server on
each engine (examples, coverage and fuzzing phases; fixed seed, bounded examples and time) and fails on any 5xx, any
undocumented status or content type, and any response body that does not match its schema."""
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

from darkroom_server import darkroom, start_server

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
# The data set the document's examples were taken from: the same ids on every run.
SEED = ["seed", "--users", "50", "--media", "300", "--now", "1767225600", "--quiet"]


# Operations where most generated input is refused whatever the document says, and why.
REFUSED_FOR_STATE = {
    "DELETE /v1/media/{media_id}",  # only the token user's own media, and generated ids name none
    "DELETE /v1/media/{media_id}/comments/{comment_id}",  # a comment of theirs, or on their media
    "DELETE /v1/subscriptions",  # one of `id` or `object` is required (a rule between parameters), and ids must exist
    "GET /v1/geographies/{geo_id}/media/recent",  # only geographies this client made
    "POST /oauth/access_token",  # a code this server issued, or the password grant for a trusted client
    "POST /v1/media/upload",  # the bytes must be a photo
    "POST /v1/users/{user_id}/profile_picture",  # likewise
    "POST /v1/subscriptions",  # the callback must answer the challenge, and object_id or lat/lng/radius go with the object
}


def mostly_refused(report):
    """The operations schemathesis's warning names as refusing most generated input."""
    lines = report.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Schema validation mismatch"):
            names = set()
            for following in lines[index + 1:]:
                if following.strip().startswith("- "):
                    names.add(following.strip()[2:])
                elif names and not following.strip():
                    break
            return names
    return set()


def contract_config(client, token):
    """schemathesis's settings: the run's credentials for each of the document's security schemes (a random token or
    client id only tests the refusal), the client's secret where the subscription calls ask for it, and a short read of
    the live stream, which never ends by itself (each example reads what a second brings, replayed events included)."""
    return f"""
[auth.openapi.accessToken]
api_key = "{token}"
[auth.openapi.accessTokenHeader]
api_key = "Token token={token}"
[auth.openapi.clientID]
api_key = "{client['client_id']}"

[[operations]]
include-path = "/v1/subscriptions"
parameters = {{ "query.client_secret" = "{client['client_secret']}", "body.client_secret" = "{client['client_secret']}" }}

[[operations]]
include-path = "/oauth/access_token"
parameters = {{ "body.client_id" = "{client['client_id']}", "body.client_secret" = "{client['client_secret']}" }}

[[operations]]
include-path = "/v1/stream"
request-timeout = 1
"""


@pytest.mark.parametrize("storage", [pytest.param([], id="sqlite"), pytest.param(None, id="postgresql")])
def test_schemathesis_finds_the_server_true_to_its_description(storage):
    data_dir = tempfile.mkdtemp(prefix="darkroom-contract-")
    if storage is None:
        base_url = os.environ.get("DARKROOM_TEST_POSTGRES_URL")
        if not base_url:
            pytest.skip("needs DARKROOM_TEST_POSTGRES_URL (scripts/test on CI starts PostgreSQL)")
        schema = "contract_" + uuid.uuid4().hex
        subprocess.run(["psql", base_url, "-q", "-c", f"CREATE SCHEMA {schema}"], check=True, capture_output=True)
        storage = ["--database-url", base_url + ("&" if "?" in base_url else "?") + f"search_path={schema}"]
    process = None
    try:
        darkroom(*SEED, *storage, data_dir=data_dir)
        client = darkroom("client", "create", "--name", "Contract", "--redirect-uri", "http://localhost/cb", *storage, data_dir=data_dir)
        token = darkroom("token", "create", "--username", "sammy.leibovitz0", "--client-id", client["client_id"],
                         "--scope", "basic comments relationships likes upload", *storage, data_dir=data_dir)["access_token"]
        config = os.path.join(data_dir, "schemathesis.toml")
        with open(config, "w") as file:
            file.write(contract_config(client, token))
        # Rate limits high enough that the run is not answered 429 from the middle on; callbacks get a short timeout.
        process, base = start_server(data_dir, "/ready", extra_args=[
            "--rate-limit", "1000000", "--client-rate-limit", "1000000", "--callback-timeout", "2", *storage])
        result = subprocess.run([
            SCHEMATHESIS, "--config-file", config, "run", f"{base}/v1/openapi.json", "--url", base,
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases", "examples,coverage,fuzzing",
            "--seed", "2013", "--max-examples", "30", "--max-time", "100", "--request-timeout", "15",
            "--no-color",
        ], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
        # Generated input the server refuses means the document is looser than the server: it says what is taken. The
        # operations left refuse for the state of the data, which no schema can say, not for the shape of the input.
        refused = mostly_refused(result.stdout)
        assert refused <= REFUSED_FOR_STATE, f"the document is looser than the server for {sorted(refused - REFUSED_FOR_STATE)}"
        print(result.stdout[-3000:])
    finally:
        if process:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
