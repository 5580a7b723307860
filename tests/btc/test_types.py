"""Txid / BlockHash: canonical bytes inside, explorer-order hex outside, either form accepted."""

import pytest

from hemi.errors import HemiValueError, InvalidHexError
from hemi.types import BlockHash, Txid

GENESIS_DISPLAY = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"


def test_hex_is_display_order_and_bytes_internal():
    h = BlockHash(GENESIS_DISPLAY)
    assert str(h) == GENESIS_DISPLAY
    assert bytes(h) == bytes.fromhex(GENESIS_DISPLAY)[::-1]
    assert BlockHash(bytes(h)) == h
    assert BlockHash("0x" + GENESIS_DISPLAY.upper()) == h
    assert BlockHash.from_display_bytes(bytes.fromhex(GENESIS_DISPLAY)) == h
    assert h.display_bytes == bytes.fromhex(GENESIS_DISPLAY)


def test_equality_with_loose_forms_and_hashing():
    t = Txid("11" * 31 + "22")
    assert t == "11" * 31 + "22"
    assert t == bytes(t)
    assert t != Txid("00" * 32)
    assert t != BlockHash(bytes(t))  # a txid is not a block hash, even with the same bytes
    assert {t: 1}[Txid(bytes(t))] == 1
    assert repr(t) == f"Txid('{'11' * 31 + '22'}')"


@pytest.mark.parametrize("bad", ["zz" * 32, "00" * 31, "", "0x" + "0" * 63])
def test_bad_hex_is_a_typed_error(bad):
    with pytest.raises(InvalidHexError):
        Txid(bad)


@pytest.mark.parametrize("bad", [b"\x00" * 31, 12, None, 3.5])
def test_bad_values_are_typed_errors(bad):
    with pytest.raises(HemiValueError):
        Txid(bad)
