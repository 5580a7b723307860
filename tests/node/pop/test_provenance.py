"""Provenance: the three links (Bitcoin proof, Hemi ordering, PoP anchoring) recomputed from raw bytes."""

from __future__ import annotations

import dataclasses
import json

import pytest

from hemi.btc import COIN
from hemi.devchain import Devchain
from hemi.errors import HemiValueError
from hemi.node.provenance import ProvenanceError

CONFS = "0x0000000000000000000000000000000000000043"


@pytest.fixture(scope="module")
def anchored():
    dev = Devchain(predeploy_bitcoin_kit=False)
    alice = dev.btc.wallet("alice")
    dev.btc.mine(101, to=alice.address)
    btc_txid = alice.send(dev.btc.wallet("bob").address, COIN)
    dev.btc.mine(3)
    dev.sync_btc()
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": CONFS,
                                     "data": "0x" + btc_txid.display_bytes.hex(), "gas": 100_000})
    dev.superfinalize(h)
    return dev, h, btc_txid


def test_provenance_verifies_and_serialises(anchored):
    dev, h, btc_txid = anchored
    p = dev.provenance(h).verify()
    assert [b.txid for b in p.bitcoin] == [btc_txid]
    assert p.ordering.tx_hash == bytes(h) and p.anchoring.superfinal
    assert p.anchoring.keystones[0].l2_block_number >= p.ordering.l2_block
    data = json.loads(json.dumps(p.to_json()))
    assert data["bitcoin"][0]["txid"] == str(btc_txid) and data["anchoring"]["superfinal"] is True
    text = str(p)
    assert "(1) Bitcoin proof" in text and "(3) PoP anchoring" in text and "superfinal" in text


def _broken(p, link, **changes):
    part = getattr(p, link)
    return dataclasses.replace(p, **{link: dataclasses.replace(part, **changes)})


def test_each_tampered_link_is_named(anchored):
    dev, h, _ = anchored
    p = dev.provenance(h)
    b0 = p.bitcoin[0]
    forged_header = bytearray(b0.proof.header)
    forged_header[40] ^= 1
    cases = [
        (dataclasses.replace(p, bitcoin=(dataclasses.replace(b0, raw_tx=b0.raw_tx[:-1] + b"\x01"),)), 1),
        (dataclasses.replace(p, bitcoin=(dataclasses.replace(
            b0, proof=dataclasses.replace(b0.proof, header=bytes(forged_header))),)), 1),
        (_broken(p, "ordering", position=5), 2),
        (_broken(p, "ordering", indexed_height=b0.height - 1), 2),
        (_broken(p, "ordering", l2_block_hash=b"\x00" * 32), 2),
        (_broken(p, "anchoring", keystones=()), 3),
        (_broken(p, "anchoring", publication_raw_tx=None), 3),
        (_broken(p, "anchoring", keystones=(dataclasses.replace(p.anchoring.keystones[0],
                                                                 state_root=b"\x01" * 32),)), 3),
    ]
    for forged, link in cases:
        with pytest.raises(ProvenanceError) as err:
            forged.verify()
        assert err.value.link == link, str(err.value)


def test_tx_without_bitcoin_input_has_no_provenance(anchored):
    dev, _, _ = anchored
    plain = dev.w3.eth.send_transaction({"from": dev.accounts[1], "to": dev.accounts[2], "value": 1})
    with pytest.raises(HemiValueError, match="no Bitcoin-derived input"):
        dev.provenance(plain)
