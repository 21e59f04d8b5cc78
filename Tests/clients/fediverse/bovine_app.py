"""A bovine-herd server (an ActivityPub server built on bovine), as its README sets one up: run with
`hypercorn --bind 127.0.0.1:PORT bovine_app:app`, its database named by BOVINE_DB."""
import os

from quart import Quart
from bovine_herd import BovineHerd

app = Quart(__name__)
BovineHerd(app, db_url=os.environ["BOVINE_DB"])
