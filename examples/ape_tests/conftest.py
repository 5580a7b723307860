"""Fixtures of the ape example suite: ape-style tests of Hemi contracts on hemi-sdk's devchain.

Run from the repository root (an ape project: ape-config.yaml, contracts/):

    ape test examples/ape_tests --network hemi:local

ape serves ``accounts``, ``chain``, ``project`` and ``compilers``, and isolates every test with a snapshot of the
provider. On ``hemi:local`` that snapshot is the devchain's, which holds both chains: Bitcoin blocks mined in one
test are gone when the next starts. hemi-sdk's pytest plugin adds ``devchain`` (``chain.provider.devchain``),
``btc``, ``w3``, ``bitcoin_kit`` and ``tunnel``, views of that same chain, for what ape has no word for (mining
Bitcoin, finality).
"""

import pathlib

import pytest

HBK_ADDRESS = "0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12"  # hBK (BitcoinKit) on Hemi mainnet, and on the devchain
EXAMPLE_CONTRACTS = pathlib.Path(__file__).resolve().parents[1] / "contracts"


@pytest.fixture
def owner(accounts):
    return accounts[0]


@pytest.fixture
def hbk(project, devchain):
    """hBK at its mainnet address, typed by the project's contracts/hbk/IBitcoinKit.sol."""
    return project.IBitcoinKit.at(HBK_ADDRESS)


@pytest.fixture(scope="session")
def payment_registry_type(compilers):
    """examples/contracts/PaymentRegistry.sol compiled by ape-solidity (it lives outside the project's contracts/)."""
    source = (EXAMPLE_CONTRACTS / "PaymentRegistry.sol").read_text()
    return compilers.compile_source("solidity", source, contractName="PaymentRegistry")


@pytest.fixture
def registry(owner, payment_registry_type):
    return owner.deploy(payment_registry_type)
