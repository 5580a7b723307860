"""The remote side of a fork: a JSON-RPC client that reads one pinned block of a Hemi node, once per value.

Every answer is kept in memory and, unless disabled, in the on-disk cache (:mod:`hemi.node.fork.cache`), so each
account, storage slot, block and hVM precompile answer is fetched from the remote at most once per fork point. Reads
are retried with exponential backoff on transport failures, HTTP 429/5xx and JSON-RPC rate-limit errors; when the
retries run out the read raises :class:`~hemi.errors.ForkRemoteFailed` naming the URL. :func:`open_remote` checks the
remote at start with a short timeout, so a bad or unreachable URL fails in seconds
(:class:`~hemi.errors.ForkUnreachable`). Nothing local is ever sent: the client only issues reads at the fork block.

HTTP goes through ``requests`` (already installed with web3): a keep-alive session reuses one TLS connection for
the many small reads a fork makes, which ``urllib`` would reopen for every request.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from hemi.errors import ForkRemoteFailed, ForkUnreachable, ForkValueError
from hemi.node.fork.cache import DiskCache, default_dir

log = logging.getLogger("hemi.node.fork")

RATE_LIMIT_CODES = frozenset({-32005, 429})  # JSON-RPC "limit exceeded" (EIP-1474) and providers' HTTP-like code
# eth_call errors that mean the call itself failed (geth: 3 "execution reverted" with data, -32000 any other EVM
# error), and so are the precompile's answer to cache; anything else is the node failing, never cached
EXECUTION_ERROR_CODES = frozenset({3, -32000})
_NODE_TROUBLE = re.compile(r"header not found|missing trie node|unknown block|timeout|timed out|try again|busy",
                           re.IGNORECASE)
START_TIMEOUT = (3.0, 5.0)  # connect, read (seconds), two tries: a bad URL fails at start within ~10 s at worst
READ_TIMEOUT = (5.0, 60.0)
MAX_BACKOFF = 8.0


class _Retryable(Exception):
    pass


@dataclass
class Transport:
    """JSON-RPC over HTTP(S) with retries; ``sleep`` is injectable so tests of the backoff do not wait."""

    url: str
    retries: int = 4
    backoff: float = 0.25
    timeout: tuple[float, float] = READ_TIMEOUT
    sleep: Callable[[float], None] = time.sleep
    requests_sent: int = 0
    _session: requests.Session = field(default_factory=requests.Session, repr=False)
    _ids: Any = field(default_factory=itertools.count, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def batch(self, calls: list[tuple[str, list[Any]]], *, retries: int | None = None,
              timeout: tuple[float, float] | None = None) -> list[dict[str, Any]]:
        """Send ``calls`` as one JSON-RPC batch; returns each reply object (``result`` or ``error``) in order."""
        with self._lock:
            ids = [next(self._ids) for _ in calls]
        body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                           for i, (m, p) in zip(ids, calls, strict=True)])
        tries = (self.retries if retries is None else retries) + 1
        last = "no attempt"
        for attempt in range(tries):
            wait = self.backoff * 2 ** attempt
            try:
                return self._post_once(body, ids, timeout or self.timeout)
            except _Retryable as err:
                last = str(err)
                hint = err.args[1] if len(err.args) > 1 else None
                wait = min(MAX_BACKOFF, hint if hint is not None else wait)
            except (requests.ConnectionError, requests.Timeout) as err:
                last = _short(err)
            if attempt + 1 < tries:
                log.info("fork remote %s: %s; retrying in %.2f s", self.url, last, wait)
                self.sleep(wait)
        methods = ", ".join(sorted({m for m, _ in calls}))
        raise ForkRemoteFailed(self.url, f"{methods} failed after {tries} attempt(s): {last}")

    def _post_once(self, body: str, ids: list[int], timeout: tuple[float, float]) -> list[dict[str, Any]]:
        self.requests_sent += 1
        resp = self._session.post(self.url, data=body, timeout=timeout,
                                  headers={"Content-Type": "application/json"})
        if resp.status_code == 429 or resp.status_code >= 500:
            retry_after = resp.headers.get("Retry-After", "")
            raise _Retryable(f"HTTP {resp.status_code}", float(retry_after) if retry_after.isdigit() else None)
        if resp.status_code != 200:
            raise ForkRemoteFailed(self.url, f"HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            replies = resp.json()
        except ValueError:
            raise ForkRemoteFailed(self.url, f"not a JSON-RPC answer: {resp.text[:200]!r}") from None
        if isinstance(replies, dict):  # a whole-batch error (some nodes refuse batches this way)
            replies = [replies]
        for r in replies:  # before the ids: providers' rate-limit replies often carry none, or another
            err = r.get("error") if isinstance(r, dict) else None
            if isinstance(err, dict) and err.get("code") in RATE_LIMIT_CODES:
                raise _Retryable(f"rate limited: {err.get('message')}")
        by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
        if any(i not in by_id for i in ids):
            raise ForkRemoteFailed(self.url, f"the batch answer misses replies: {resp.text[:200]!r}")
        return [by_id[i] for i in ids]

    def close(self) -> None:
        self._session.close()


def _short(err: requests.RequestException) -> str:
    """The root cause of a transport error (requests nests urllib3's retry error around it)."""
    reason = getattr(err.args[0], "reason", None) if err.args else None
    text = str(reason if reason is not None else err)
    return f"{type(err).__name__}: {text.split('): ', 1)[-1]}"


def _result(transport: Transport, reply: dict[str, Any], what: str) -> Any:
    if "error" in reply:
        err = reply["error"]
        message = err.get("message") if isinstance(err, dict) else err
        raise ForkRemoteFailed(transport.url, f"{what}: {message}")
    return reply.get("result")


class ForkRemote:
    """Reads of one remote at one block, each fetched once (memory, then disk, then the remote)."""

    def __init__(self, transport: Transport, *, chain_id: int, block: dict[str, Any], disk: DiskCache,
                 read_at: int | None = None) -> None:
        self.transport = transport
        self.url = transport.url
        self.chain_id = chain_id
        self.block = block  # the fork block's header fields, as the remote's eth_getBlockByNumber gave them
        self.number = int(block["number"], 16)
        self.read_at = self.number if read_at is None else read_at  # the block state reads are pinned at
        self.tag = hex(self.read_at)
        self.disk = disk
        self._memory: dict[str, Any] = {}
        self._past: dict[int, ForkRemote] = {}

    def at(self, number: int) -> ForkRemote:
        """This remote read at block ``number`` (below the fork block: calls and reads at old blocks)."""
        if number == self.read_at:
            return self
        if number not in self._past:
            self._past[number] = ForkRemote(self.transport, chain_id=self.chain_id, block=self.block, disk=self.disk,
                                            read_at=number)
        return self._past[number]

    def _cached(self, key: str, fetch: Callable[[], Any]) -> Any:
        if self.read_at != self.number:  # one cache file per fork point: older blocks' reads are keyed apart
            key = f"@{self.read_at}:{key}"
        if key in self._memory:
            return self._memory[key]
        raw = self.disk.get(key)
        if raw is not None:
            value = json.loads(raw)
        else:
            value = fetch()
            self.disk.put(key, json.dumps(value))
        self._memory[key] = value
        return value

    # The reader the hVM engine's fork state uses (hemi.hvm.fork_state.RemoteReader)

    def account(self, address: bytes) -> tuple[int, int, bytes]:
        """(balance, nonce, code) of ``address`` at the fork block: one batch of three reads."""
        a = "0x" + address.hex()

        def fetch() -> list[str]:
            replies = self.transport.batch([("eth_getBalance", [a, self.tag]),
                                            ("eth_getTransactionCount", [a, self.tag]),
                                            ("eth_getCode", [a, self.tag])])
            return [_result(self.transport, r, f"account {a}") for r in replies]

        balance, nonce, code = self._cached(f"account:{a}", fetch)
        return int(balance, 16), int(nonce, 16), bytes.fromhex(code[2:])

    def storage(self, address: bytes, slot: int) -> int:
        a, s = "0x" + address.hex(), hex(slot)

        def fetch() -> str:
            (reply,) = self.transport.batch([("eth_getStorageAt", [a, "0x" + slot.to_bytes(32, "big").hex(),
                                                                   self.tag])])
            return str(_result(self.transport, reply, f"storage {a} slot {s}"))

        return int(self._cached(f"slot:{a}:{s}", fetch), 16)

    def block_fields(self, number: int) -> dict[str, Any]:
        """The header fields of remote block ``number`` (below the fork block: BLOCKHASH, old blocks)."""
        if number == self.number:
            return self.block

        def fetch() -> dict[str, Any]:
            (reply,) = self.transport.batch([("eth_getBlockByNumber", [hex(number), False])])
            fields = _result(self.transport, reply, f"block {number}")
            if not isinstance(fields, dict):
                raise ForkRemoteFailed(self.url, f"block {number} not found")
            return {k: v for k, v in fields.items() if k not in ("transactions", "uncles", "withdrawals")}

        value: dict[str, Any] = self._cached(f"block:{number}", fetch)
        return value

    def history(self, method: str, params: list[Any]) -> Any:
        """The remote's own answer to a read of its history (a block, a transaction, a receipt, as its JSON-RPC
        gives them), fetched once; None for anything after the fork block (the remote's later blocks and pending
        transactions are not the fork's). Blocks up to the fork block are the remote's, as on anvil's forks."""

        def fetch() -> Any:
            (reply,) = self.transport.batch([(method, params)])
            return _result(self.transport, reply, method)

        value = self._cached(f"history:{method}:{json.dumps(params, separators=(',', ':'))}", fetch)
        if isinstance(value, dict):
            number = value.get("number", value.get("blockNumber"))
            if not isinstance(number, str) or int(number, 16) > self.number:
                return None
        elif isinstance(value, list) and any(  # eth_getBlockReceipts
                not isinstance(r, dict) or not isinstance(r.get("blockNumber"), str)
                or int(r["blockNumber"], 16) > self.number for r in value):
            return None
        return value

    def precompile(self, address: bytes, data: bytes) -> tuple[bool, bytes]:
        """The remote's answer to ``data`` sent to precompile ``address`` at the fork block: (succeeded, output).
        An execution error is the precompile failing, as the CALL would there, and is cached like an answer; any
        other JSON-RPC error (the node's own trouble) raises :class:`~hemi.errors.ForkRemoteFailed` and is not."""
        a = "0x" + address.hex()

        def fetch() -> list[Any]:
            (reply,) = self.transport.batch([("eth_call", [{"to": a, "data": "0x" + data.hex()}, self.tag])])
            if "error" in reply:
                err = reply["error"] if isinstance(reply["error"], dict) else {}
                message = str(err.get("message", reply["error"]))
                if err.get("code") in EXECUTION_ERROR_CODES and not _NODE_TROUBLE.search(message):
                    return [False, "0x"]
                raise ForkRemoteFailed(self.url, f"eth_call to precompile {a}: {message}")
            return [True, str(reply.get("result") or "0x")]

        ok, out = self._cached(f"call:{a}:{data.hex()}", fetch)
        return bool(ok), bytes.fromhex(out[2:])

    def close(self) -> None:
        self.transport.close()
        self.disk.close()


def open_remote(url: str, *, block: int | None = None, disk_cache: bool = True, cache_dir: Path | None = None,
                retries: int = 4, backoff: float = 0.25) -> ForkRemote:
    """Connect to ``url`` and pin the fork block (``block``; None: the remote's latest). Raises at once, naming the
    URL: :class:`~hemi.errors.ForkUnreachable` when it does not answer as a JSON-RPC node,
    :class:`~hemi.errors.ForkValueError` when ``block`` is above its head."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ForkUnreachable(str(url), "a fork URL is an http:// or https:// JSON-RPC endpoint")
    if block is not None and (isinstance(block, bool) or not isinstance(block, int) or block < 0):
        raise ForkValueError(url, f"the fork block is a non-negative int, got {block!r}")
    transport = Transport(url, retries=retries, backoff=backoff)
    tag = "latest" if block is None else hex(block)
    try:
        chain_reply, block_reply, head_reply = transport.batch(
            [("eth_chainId", []), ("eth_getBlockByNumber", [tag, False]), ("eth_blockNumber", [])],
            retries=1, timeout=START_TIMEOUT)
        chain_id = int(_result(transport, chain_reply, "eth_chainId"), 16)
        fields = _result(transport, block_reply, "eth_getBlockByNumber")
        head = int(_result(transport, head_reply, "eth_blockNumber"), 16)
    except ForkRemoteFailed as err:
        transport.close()
        raise ForkUnreachable(url, f"not reachable as a JSON-RPC node ({err.reason})") from None
    except (requests.RequestException, ValueError, TypeError) as err:
        transport.close()
        raise ForkUnreachable(url, f"not reachable as a JSON-RPC node ({type(err).__name__}: {err})") from None
    if not isinstance(fields, dict):
        transport.close()
        raise ForkValueError(url, f"fork block {block} is above the remote's head {head}")
    fields = {k: v for k, v in fields.items() if k not in ("transactions", "uncles", "withdrawals")}
    disk = DiskCache(cache_dir or default_dir() if disk_cache else None, chain_id=chain_id,
                     block=int(fields["number"], 16), block_hash=str(fields["hash"]))
    return ForkRemote(transport, chain_id=chain_id, block=fields, disk=disk)
