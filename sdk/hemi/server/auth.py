"""Credentials of the Bitcoin Core RPC port, as bitcoind handles them.

Bitcoin Core (src/httprpc.cpp, src/rpc/request.cpp) answers 401 to a request without valid HTTP Basic credentials.
Without ``-rpcuser``/``-rpcpassword`` it makes a random password at each start and writes ``__cookie__:<password>``
to a ``.cookie`` file in its data directory, readable by the user only, and deletes it on shutdown; clients on the
same machine read it. ``hemi devchain`` does the same: :func:`random_credentials` per run, :func:`write_cookie` in the
devchain's data directory (:func:`default_data_dir`), ``--rpcuser``/``--rpcpassword`` to fix them instead. The
Python API (``CoreRPC``, ``hemi.btc.rpc.proxy``) and the in-process transport need no credentials: nothing crosses
a socket.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
from pathlib import Path
from typing import NamedTuple

from hemi.errors import HemiValueError

COOKIE_USER = "__cookie__"  # Bitcoin Core's user name for cookie authentication
COOKIE_NAME = ".cookie"


class Credentials(NamedTuple):
    user: str
    password: str

    def matches(self, authorization: str | None) -> bool:
        """True if an ``Authorization`` header carries these credentials (HTTP Basic; constant-time compare)."""
        if not authorization or not authorization[:6].lower() == "basic ":
            return False
        try:
            given = base64.b64decode(authorization[6:].strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        expected = f"{self.user}:{self.password}".encode()
        return hmac.compare_digest(given, expected)


def random_credentials() -> Credentials:
    """``__cookie__`` and 32 random bytes in hex, as bitcoind's cookie."""
    return Credentials(COOKIE_USER, secrets.token_hex(32))


def fixed_credentials(user: str, password: str) -> Credentials:
    if not user or ":" in user:
        raise HemiValueError("the RPC user name must be non-empty and contain no ':'")
    if not password:
        raise HemiValueError("the RPC password must be non-empty")
    return Credentials(user, password)


def default_data_dir(btc_port: int) -> Path:
    """Where ``hemi devchain`` keeps its run files (the cookie): ``$HEMI_DATA_DIR`` or the user data directory of
    hemi-sdk (``platformdirs.user_data_dir``), then ``devchain-<bitcoin port>``: two devchains on different ports
    never share a cookie."""
    import platformdirs  # deferred: only the CLI path needs it

    root = os.environ.get("HEMI_DATA_DIR") or platformdirs.user_data_dir("hemi-sdk", appauthor=False)
    return Path(root) / f"devchain-{btc_port}"


def write_cookie(directory: Path, creds: Credentials) -> Path:
    """Write ``user:password`` to ``directory/.cookie``, mode 0600 from creation (never readable by others, not even
    for a moment), replacing an old one; returns the path."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / COOKIE_NAME
    tmp = directory / f"{COOKIE_NAME}.tmp"
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{creds.user}:{creds.password}")
    os.replace(tmp, path)
    return path


def read_cookie(path: Path) -> Credentials:
    user, _, password = Path(path).read_text().strip().partition(":")
    return Credentials(user, password)


def remove_cookie(path: Path | None) -> None:
    if path is not None:
        try:
            Path(path).unlink()
        except FileNotFoundError:
            pass
