"""Fixtures of the example dapp. The chain fixtures (devchain, w3, btc, bitcoin_kit, tunnel) come from hemi-sdk's
pytest plugin: under plain pytest a devchain per session (per worker with pytest-xdist), under `ape test` ape's own
hemi:local chain, so the same tests run in all three ways."""

import pathlib

import pytest

from hemi.compiler import compile

CONTRACTS = pathlib.Path(__file__).resolve().parents[1] / "contracts"


@pytest.fixture(scope="session")
def artifacts():
    """contracts/ compiled by hemi-sdk's compiler ("@hemi/..." imports resolve to the installed package)."""
    return compile(CONTRACTS)


@pytest.fixture
def deployer(devchain):
    """A funded dev account's address (the same account as ape's accounts[0] under ape)."""
    return devchain.accounts[0]


@pytest.fixture
def reader(w3, artifacts, bitcoin_kit, deployer):
    art = artifacts["BtcTipReader"]
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(bitcoin_kit.address).transact({"from": deployer}))
    return w3.eth.contract(address=receipt.contractAddress, abi=art.abi)
