"""hVM activation and the 0x45 mode on a devchain: ``hvm_genesis_btc_height`` hides Bitcoin data below that height
(hemilabs/op-geth core/vm/hvm_genesis.go: Hemi mainnet's hVM genesis is Bitcoin height 883092), ``hvm_header_n``
picks 0x45's behaviour (op-geth TestSyntheticFullNodeHeaderNLibraryLimitation pins 'empty'; heminetwork main
d8c88dc5 is 'fixed')."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hemi.btc import COIN
from hemi.cli import main
from hemi.devchain import Devchain
from hemi.errors import HemiValueError


def call(dev, address: int, data: bytes):
    return dev.w3.eth.call({"to": "0x" + f"{address:040x}", "data": "0x" + data.hex(), "gas": 1_000_000})


def test_data_below_the_hvm_genesis_is_hidden():
    dev = Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False, hvm_indexer_lag=0, hvm_genesis_btc_height=4)
    w = dev.btc.wallet("w")
    dev.btc.mine(3, to=w.address)
    dev.sync_btc()
    assert call(dev, 0x44, b"") == b""  # the indexed tip (3) is below activation
    assert call(dev, 0x40, w.address.encode()) == (0).to_bytes(8, "big")
    dev.btc.mine(2, to=w.address)
    dev.sync_btc()
    assert call(dev, 0x40, w.address.encode()) == (2 * 50 * COIN).to_bytes(8, "big")  # heights 4 and 5 only
    old = dev.btc.block(2).txids[0]
    assert call(dev, 0x42, old.display_bytes + b"\x40\x00\x00\x00") == b""
    with pytest.raises(Exception):  # noqa: B017 - any failure of the call, whichever web3 error reports it
        call(dev, 0x43, old.display_bytes)  # unknown to the hVM: the raw error of btcTxConfirmations
    new = dev.btc.block(5).txids[0]
    assert call(dev, 0x42, new.display_bytes + b"\x40\x00\x00\x00") == dev.btc.block_hash(5).display_bytes
    assert call(dev, 0x44, b"")[:4] == (5).to_bytes(4, "big")


def test_default_hides_nothing_and_header_n_modes():
    dev = Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False)
    assert dev.config.hvm_profile == "deployed" and dev.config.max_btc_headers_per_block == 8
    dev.btc.mine(5)
    dev.sync_btc()
    assert call(dev, 0x45, (1).to_bytes(4, "big")) == b""  # deployed: 0x45 always empty
    fixed = Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False, hvm_header_n="fixed")
    fixed.btc.mine(5)
    fixed.sync_btc()
    out = call(fixed, 0x45, (1).to_bytes(4, "big"))
    assert out[:4] == (1).to_bytes(4, "big") and out[4:36] == fixed.btc.block_hash(1).display_bytes
    assert len(out) == 116


@pytest.mark.parametrize("bad", [dict(hvm_header_n="sometimes"), dict(hvm_genesis_btc_height=-1),
                                 dict(hvm_profile="op-geth-latest")])
def test_bad_settings_are_refused(bad):
    with pytest.raises(HemiValueError):
        Devchain(**bad)


def test_cli_options():
    """hemi devchain: --hvm-profile (deployed first and default), --hvm-header-n, --hvm-genesis-btc-height."""
    out = " ".join(CliRunner().invoke(main, ["devchain", "--help"]).output.split())
    assert "--hvm-profile [deployed|hvmphase0]" in out and "[default: deployed]" in out
    assert "--hvm-header-n [empty|fixed]" in out and "--hvm-genesis-btc-height" in out
    for bad in (["--hvm-profile", "hbk-v1"], ["--hvm-header-n", "maybe"], ["--hvm-genesis-btc-height", "-1"]):
        assert CliRunner().invoke(main, ["devchain", *bad]).exit_code == 2  # usage error, nothing started
