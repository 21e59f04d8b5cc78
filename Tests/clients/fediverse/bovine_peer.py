"""The bovine account's side of the federation tests, run with bovine's own Python (its virtual environment):

    bovine_peer.py setup DB DOMAIN HANDLE     makes an account; prints its secret (an Ed25519 key, Moo-Auth-1)
    bovine_peer.py send DOMAIN SECRET JSON    posts an activity (its actor filled in) to the account's outbox
    bovine_peer.py inbox DOMAIN SECRET        prints what arrived in the account's inbox, newest first, as JSON
    bovine_peer.py whoami DOMAIN SECRET       prints the account's actor id

bovine delivers what its outbox takes, signing each request with the account's RSA key, and checks the signature of
everything that reaches its inbox."""
import asyncio
import json
import sys

from bovine import BovineClient
from bovine.crypto import generate_ed25519_private_key, private_key_to_did_key
from bovine_store import bovine_admin_store
from bovine_store.utils.cli import create_tables


async def setup(db, domain, handle):
    await create_tables(db)
    async with bovine_admin_store(db_url=db, domain=domain) as store:
        name = await store.register(handle)
        secret = generate_ed25519_private_key()
        did_key = private_key_to_did_key(secret)
        await store.add_identity_string_to_actor(name, did_key.removeprefix("did:key:"), did_key)
    print(json.dumps({"secret": secret}))


async def send(domain, secret, activity):
    async with BovineClient(domain=domain, secret=secret) as actor:
        data = json.loads(activity)
        data.setdefault("@context", "https://www.w3.org/ns/activitystreams")
        data["actor"] = actor.actor_id
        if isinstance(data.get("object"), dict) and data["object"].get("type") == "Note":
            data["object"]["attributedTo"] = actor.actor_id
        response = await actor.send_to_outbox(data)
        print(json.dumps({"status": response.status, "location": response.headers.get("location"), "actor": actor.actor_id}))


async def whoami(domain, secret):
    async with BovineClient(domain=domain, secret=secret) as actor:
        print(json.dumps({"actor": actor.actor_id}))


async def inbox(domain, secret):
    async with BovineClient(domain=domain, secret=secret) as actor:
        collection = await actor.get(actor.information["inbox"])
        items = collection.get("orderedItems") or []
        if not items and collection.get("first"):
            first = collection["first"]
            page = await actor.get(first if isinstance(first, str) else first["id"])
            items = page.get("orderedItems", [])
        resolved = []
        for item in items:
            resolved.append(await actor.proxy(item) if isinstance(item, str) else item)
        print(json.dumps({"actor": actor.actor_id, "items": resolved}))


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    asyncio.run({"setup": setup, "send": send, "inbox": inbox, "whoami": whoami}[command](*arguments))
