"""What the explorer page shows, as plain JSON-able dicts: both chains side by side, and one transaction's story.

:func:`snapshot` is the live picture (recent Bitcoin blocks and how far the hVM sees them, recent L2 blocks with the
Bitcoin headers each carried, recent keystones with their publication and finality); :func:`search` answers the
search box for an L2 transaction hash or a Bitcoin txid. Both read the devchain under the server's lock, through the
node's public API and the server's own JSON-RPC table (``eth_getBlockByNumber``), so the page sees exactly what a
client sees. Hashes are strings in the form users paste: ``0x`` hex for the L2, explorer (display) order for Bitcoin.
"""

from __future__ import annotations

import re
from typing import Any

from hemi.errors import HemiError
from hemi.types import Txid

BTC_BLOCKS = 12  # recent Bitcoin blocks shown
L2_BLOCKS = 12  # recent L2 blocks shown
KEYSTONES = 6  # recent keystones shown
_HASH = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class SearchError(HemiError, ValueError):
    """The search text is not a 32-byte hash."""


def snapshot(dev: Any, api: Any) -> dict[str, Any]:
    """The live picture of both chains (call under the server's lock)."""
    view = dev.hvm_view("latest")
    btc_tip = dev.btc.height
    btc_blocks = []
    for height in range(btc_tip, max(-1, btc_tip - BTC_BLOCKS), -1):
        block = dev.btc.block(height)
        btc_blocks.append({"height": height, "hash": str(block.hash), "txs": len(block.txids),
                           "light": height <= view.light_tip_height, "indexed": height <= view.indexed_height})
    head = dev.engine.head_number
    l2_blocks = []
    for number in range(head, max(-1, head - L2_BLOCKS), -1):
        block = api.request("eth_getBlockByNumber", [hex(number), False])
        carried = dev.hvm_view(number).headers_added
        l2_blocks.append({"number": number, "hash": block["hash"], "txs": len(block["transactions"]),
                          "headers": [_header(dev, h) for h in carried],
                          "keystone": dev.keystones.is_keystone(number)})
    keystones = []
    for ks in reversed(dev.keystones.latest(KEYSTONES)):
        fin = dev.finality(ks.l2_block_number)
        pub = fin.keystone_publication
        keystones.append({"l2_block": ks.l2_block_number, "hash": ks.hash.hex,
                          "publication": None if pub is None else {"txid": pub.txid.hex, "height": pub.height,
                                                                   "block_hash": pub.block_hash.hex},
                          "effective_confirmations": fin.effective_confirmations, "superfinal": fin.superfinal})
    return {
        "chain_id": dev.config.chain_id,
        "bitcoin": {"height": btc_tip, "blocks": btc_blocks},
        "hvm": {"light_tip": {"height": view.light_tip_height, "hash": str(view.light_tip_hash)},
                "indexed_tip": {"height": view.indexed_height, "hash": str(view.indexed_hash)},
                "indexer_lag": dev.config.hvm_indexer_lag},
        "l2": {"height": head, "blocks": l2_blocks},
        "keystones": keystones,
        "superfinality_threshold": dev.config.superfinality_threshold,
    }


def _header(dev: Any, block_hash: Any) -> dict[str, Any]:
    try:
        height: int | None = dev.btc.block(block_hash).height
    except HemiError:  # a header of a branch a Bitcoin reorg has since replaced and the chain no longer knows
        height = None
    return {"hash": str(block_hash), "height": height}


def search(dev: Any, api: Any, text: str) -> dict[str, Any]:
    """An L2 transaction (its block, the three links of its provenance, finality) or a Bitcoin transaction (its
    block and whether the hVM sees it yet). Raises :class:`SearchError` for text that is not a 32-byte hash."""
    text = text.strip()
    if not _HASH.match(text):
        raise SearchError(f"{text[:80]} is not a hash: search for an L2 transaction hash (0x + 64 hex digits) or a "
                          "Bitcoin txid (64 hex digits)")
    digits = text.removeprefix("0x").lower()
    tx = api.request("eth_getTransactionByHash", ["0x" + digits])
    if tx is not None and tx.get("blockNumber") is not None:
        return _l2_tx(dev, "0x" + digits, int(tx["blockNumber"], 16))
    found = _btc_tx(dev, digits)
    if found is not None:
        return found
    # the other byte order: a txid copied from an hVM precompile's output or a raw transaction reads reversed
    reversed_digits = bytes.fromhex(digits)[::-1].hex()
    other = _btc_tx(dev, reversed_digits)
    if other is not None:
        return {"kind": "unknown", "query": text,
                "note": (f"no transaction {digits}; Bitcoin knows {reversed_digits}, the same bytes in the other "
                         "order: explorers and hemi.types.Txid print txids in display order (txid.display_bytes)")}
    return {"kind": "unknown", "query": text, "note": "neither an L2 transaction nor a Bitcoin transaction known here"}


def _l2_tx(dev: Any, tx_hash: str, block: int) -> dict[str, Any]:
    fin = dev.finality(tx_hash)
    out: dict[str, Any] = {"kind": "l2", "hash": tx_hash, "block": block,
                           "superfinal": fin.superfinal, "effective_confirmations": fin.effective_confirmations,
                           "keystone": None if fin.keystone is None else fin.keystone.l2_block_number}
    try:
        prov = dev.provenance(tx_hash).verify()
    except HemiError as err:  # no Bitcoin input, or a link not there yet: say which
        out["provenance"] = None
        out["provenance_note"] = str(err)
        return out
    o, a = prov.ordering, prov.anchoring
    pub = a.publication_proof
    out["provenance"] = {
        "bitcoin": [{"txid": str(b.txid), "block_hash": str(b.proof.block_hash), "height": b.height,
                     "confirmations": b.confirmations} for b in prov.bitcoin],
        "ordering": {"l2_block": o.l2_block, "l2_block_hash": "0x" + o.l2_block_hash.hex(), "position": o.position,
                     "kind": o.kind, "light_tip_height": o.light_tip_height, "indexed_height": o.indexed_height},
        "anchoring": {"keystone": a.keystones[0].l2_block_number if a.keystones else None,
                      "keystone_hash": a.keystones[0].hash.hex if a.keystones else None,
                      "publication_txid": None if pub is None else str(pub.txid),
                      "publication_height": a.publication_height,
                      "effective_confirmations": a.effective_confirmations, "superfinal": a.superfinal},
    }
    return out


def _btc_tx(dev: Any, digits: str) -> dict[str, Any] | None:
    try:
        info = dev.btc.tx(Txid(digits))
    except HemiError:
        return None
    view = dev.hvm_view("latest")
    height = info.height
    out: dict[str, Any] = {"kind": "btc", "txid": str(info.txid), "height": height,
                           "block_hash": None if info.block_hash is None else str(info.block_hash),
                           "confirmations": dev.btc.confirmations(info.txid),
                           "light": height is not None and height <= view.light_tip_height,
                           "indexed": height is not None and height <= view.indexed_height}
    if height is None:
        out["note"] = "in the Bitcoin mempool: mine a Bitcoin block"
    elif not out["indexed"]:
        out["note"] = (f"not yet in the hVM's indexed view (indexed tip {view.indexed_height}): "
                       f"{height - view.indexed_height} more Bitcoin block(s) indexed, or dev.sync_btc()")
    return out
