"""The chain web3.py's module suites run on (shared by the in-process and HTTP wirings in this folder): its
constants, the once-per-module preparation and the per-test isolation. A module of its own, not the conftest, so that
test modules import it by a name no other folder's conftest shadows."""

from __future__ import annotations

# anvil's mnemonic ("test test ... junk"), account 1: held by the devchain and by anvil alike
KEYFILE_ACCOUNT_PKEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
KEYFILE_ACCOUNT_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SUITE_CHAIN_ID = 131277322940537  # the chain id web3.py's suites assert (eth-tester's)
SUITE_BALANCE_ETH = 1_000_000  # eth-tester's accounts hold 1,000,000 ether; block_with_txn pays 21,000 ether of gas
PRE_MINED_BLOCKS = 6  # web3's batch tests read blocks 0..6, which geth's fixture chain has from the start


def prepare_chain(w3) -> None:
    """Once per module: the default account, the keyfile account funded as web3.py's ``_eth_tester_state_setup``
    does (0.5 ether from the default account), then empty blocks up to :data:`PRE_MINED_BLOCKS`, as the geth
    fixture chain web3.py's HTTP suites run on holds blocks without logs before the tests' own."""
    w3.eth.default_account = w3.eth.accounts[0]
    w3.eth.send_transaction({"from": w3.eth.default_account, "to": KEYFILE_ACCOUNT_ADDRESS,
                             "value": w3.to_wei(0.5, "ether"), "gas": 21000, "gasPrice": 10**9})
    while w3.eth.block_number < PRE_MINED_BLOCKS:
        w3.provider.make_request("evm_mine", [])


def isolate_test(w3):
    """Each test runs on the prepared chain and leaves nothing behind (``evm_snapshot`` / ``evm_revert``), as
    web3.py's eth-tester wiring gives each test a fresh chain."""
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    yield w3
    w3.provider.make_request("evm_setAutomine", [True])  # a test that turned automine off may have failed midway
    w3.provider.make_request("evm_revert", [snapshot])
