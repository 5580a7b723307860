"""Fixtures for web3.py's own module test suites (``web3._utils.module_testing``: ``EthModuleTest``,
``NetModuleTest``, ``Web3ModuleTest``), defined as web3.py's integration tests define them
(ethereum/web3.py ``tests/conftest.py``, ``tests/integration/conftest.py`` and
``tests/integration/test_ethereum_tester.py``), over a hemi devchain instead of eth-tester.

The suites run unmodified. Each test module in this folder provides the ``w3`` fixture of one backend (the in-process
devchain, ``hemi devchain`` over HTTP, or any node named by ``HEMI_WEB3_SUITE_URL`` — the benchmark script points it
at anvil). Tests that fail for a known reason are marked ``xfail(strict=True)`` from :mod:`known_failures`, so the
list cannot go stale: a test that starts passing fails the run until it is removed from the list.

The devchains run without the OP-stack system transactions (``op_stack=False``, ``hemi devchain --no-op-stack``),
as anvil runs without ``--optimism``: web3.py's suites assume blocks that hold only the transactions sent (its
``empty_block`` fixture asserts a block without any, and receipts are read at index 0), whereas every Hemi block
opens with the L1-attributes deposit. The system transactions are checked by tests/node and tests/server.

Another deliberate difference from web3.py's fixtures: the "keyfile account" (an account the node holds the key of, so
that ``eth_sign`` and ``eth_sendTransaction`` work for it) is the second dev account of anvil's mnemonic, which both
anvil and the devchain hold, rather than a key imported into eth-tester.
"""

from __future__ import annotations

import pytest
from eth_utils import event_signature_to_log_topic, is_checksum_address, is_dict, to_bytes
from eth_utils.toolz import identity
from web3._utils.contract_sources.contract_data._custom_contract_data import EMITTER_ENUM
from web3._utils.contract_sources.contract_data.emitter_contract import (
    EMITTER_CONTRACT_ABI,
    EMITTER_CONTRACT_BYTECODE,
    EMITTER_CONTRACT_DATA,
)
from web3._utils.contract_sources.contract_data.math_contract import MATH_CONTRACT_ABI, MATH_CONTRACT_BYTECODE
from web3._utils.contract_sources.contract_data.offchain_lookup import OFFCHAIN_LOOKUP_ABI, OFFCHAIN_LOOKUP_BYTECODE
from web3._utils.contract_sources.contract_data.panic_errors_contract import PANIC_ERRORS_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.revert_contract import REVERT_CONTRACT_ABI, REVERT_CONTRACT_BYTECODE
from web3._utils.contract_sources.contract_data.storage_contract import STORAGE_CONTRACT_DATA
from web3._utils.module_testing.utils import RequestMocker
from web3.providers.eth_tester import EthereumTesterProvider
from web3_suite_known_failures import mark_known_failures
from web3_suite_setup import KEYFILE_ACCOUNT_ADDRESS, KEYFILE_ACCOUNT_PKEY


def pytest_collection_modifyitems(config, items):
    mark_known_failures(items)


# The transaction-pool tests web3.py runs with eth-tester's automine off (ethereum/web3.py
# tests/integration/test_ethereum_tester.py, the tests decorated ``@disable_auto_mine``): they need a transaction to
# stay pending so that it can be replaced, modified or waited for. Here automine is turned off with
# ``evm_setAutomine`` for exactly these tests and back on after (``isolate_test`` then reverts the chain); their
# bodies run unmodified.
AUTOMINE_OFF_TESTS = frozenset({
    "test_eth_get_transaction_receipt_unmined",
    "test_eth_wait_for_transaction_receipt_unmined",
    "test_eth_replace_transaction",
    "test_eth_replace_transaction_legacy",
    "test_eth_replace_transaction_underpriced",
    "test_eth_replace_transaction_incorrect_nonce",
    "test_eth_replace_transaction_gas_price_too_low",
    "test_eth_replace_transaction_gas_price_defaulting_minimum",
    "test_eth_replace_transaction_gas_price_defaulting_strategy_higher",
    "test_eth_replace_transaction_gas_price_defaulting_strategy_lower",
    "test_eth_modify_transaction",
    "test_eth_modify_transaction_legacy",
})


@pytest.fixture(autouse=True)
def automine_off_as_web3_does(request):
    """Automine off during the tests of :data:`AUTOMINE_OFF_TESTS` (web3.py's ``disable_auto_mine``)."""
    if getattr(request.node, "originalname", request.node.name) not in AUTOMINE_OFF_TESTS:
        yield
        return
    w3 = request.getfixturevalue("w3")
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        yield
    finally:
        w3.provider.make_request("evm_setAutomine", [True])


def _deploy_contract(w3, contract_factory):
    deploy_txn_hash = contract_factory.constructor().transact({"from": w3.eth.default_account})
    deploy_receipt = w3.eth.wait_for_transaction_receipt(deploy_txn_hash)
    assert is_dict(deploy_receipt)
    contract_address = deploy_receipt["contractAddress"]
    assert is_checksum_address(contract_address)
    return contract_factory(contract_address)


# ------------------------------------------------------------------ web3.py tests/conftest.py


@pytest.fixture(scope="module", params=[lambda x: to_bytes(hexstr=x), identity])
def address_conversion_func(request):
    return request.param


@pytest.fixture(scope="session")
def emitter_contract_data():
    return EMITTER_CONTRACT_DATA


class LogFunctions:
    LogAnonymous = 0
    LogNoArguments = 1
    LogSingleArg = 2
    LogDoubleArg = 3
    LogTripleArg = 4
    LogQuadrupleArg = 5
    LogSingleAnonymous = 6
    LogSingleWithIndex = 7
    LogDoubleAnonymous = 8
    LogDoubleWithIndex = 9
    LogTripleWithIndex = 10
    LogQuadrupleWithIndex = 11
    LogBytes = 12
    LogString = 13
    LogDynamicArgs = 14
    LogListArgs = 15
    LogAddressIndexed = 16
    LogAddressNotIndexed = 17


@pytest.fixture(scope="session")
def emitter_contract_event_ids():
    return LogFunctions


class LogTopics:
    LogAnonymous = event_signature_to_log_topic("LogAnonymous()")
    LogNoArguments = event_signature_to_log_topic("LogNoArguments()")
    LogSingleArg = event_signature_to_log_topic("LogSingleArg(uint256)")
    LogSingleAnonymous = event_signature_to_log_topic("LogSingleAnonymous(uint256)")
    LogSingleWithIndex = event_signature_to_log_topic("LogSingleWithIndex(uint256)")
    LogDoubleArg = event_signature_to_log_topic("LogDoubleArg(uint256,uint256)")
    LogDoubleAnonymous = event_signature_to_log_topic("LogDoubleAnonymous(uint256,uint256)")
    LogDoubleWithIndex = event_signature_to_log_topic("LogDoubleWithIndex(uint256,uint256)")
    LogTripleArg = event_signature_to_log_topic("LogTripleArg(uint256,uint256,uint256)")
    LogTripleWithIndex = event_signature_to_log_topic("LogTripleWithIndex(uint256,uint256,uint256)")
    LogQuadrupleArg = event_signature_to_log_topic("LogQuadrupleArg(uint256,uint256,uint256,uint256)")
    LogQuadrupleWithIndex = event_signature_to_log_topic("LogQuadrupleWithIndex(uint256,uint256,uint256,uint256)")
    LogBytes = event_signature_to_log_topic("LogBytes(bytes)")
    LogString = event_signature_to_log_topic("LogString(string)")
    LogDynamicArgs = event_signature_to_log_topic("LogDynamicArgs(string,string)")
    LogListArgs = event_signature_to_log_topic("LogListArgs(bytes2[],bytes2[])")
    LogAddressIndexed = event_signature_to_log_topic("LogAddressIndexed(address,address)")
    LogAddressNotIndexed = event_signature_to_log_topic("LogAddressNotIndexed(address,address)")
    LogStructArgs = event_signature_to_log_topic("LogStructArgs(uint256,tuple)")
    LogIndexedAndNotIndexed = event_signature_to_log_topic("LogIndexedAndNotIndexed()")


@pytest.fixture(scope="session")
def emitter_contract_log_topics():
    return LogTopics


@pytest.fixture
def request_mocker():
    return RequestMocker


@pytest.fixture
def skip_if_testrpc():
    """web3.py's root conftest: skip on eth-tester's provider (a devchain is not one)."""

    def _skip_if_testrpc(w3):
        if isinstance(w3.provider, EthereumTesterProvider):
            pytest.skip()

    return _skip_if_testrpc


# ------------------------------------------------------------------ web3.py tests/integration/conftest.py


@pytest.fixture
def math_contract_factory(w3):
    return w3.eth.contract(abi=MATH_CONTRACT_ABI, bytecode=MATH_CONTRACT_BYTECODE)


@pytest.fixture
def emitter_contract_factory(w3):
    return w3.eth.contract(abi=EMITTER_CONTRACT_ABI, bytecode=EMITTER_CONTRACT_BYTECODE)


@pytest.fixture
def revert_contract_factory(w3):
    return w3.eth.contract(abi=REVERT_CONTRACT_ABI, bytecode=REVERT_CONTRACT_BYTECODE)


@pytest.fixture
def offchain_lookup_contract_factory(w3):
    return w3.eth.contract(abi=OFFCHAIN_LOOKUP_ABI, bytecode=OFFCHAIN_LOOKUP_BYTECODE)


# ------------------------------------------------------------------ web3.py tests/integration/test_ethereum_tester.py


@pytest.fixture
def math_contract_deploy_txn_hash(w3, math_contract_factory):
    return math_contract_factory.constructor().transact({"from": w3.eth.default_account})


@pytest.fixture
def math_contract(w3, math_contract_factory, math_contract_deploy_txn_hash):
    deploy_receipt = w3.eth.wait_for_transaction_receipt(math_contract_deploy_txn_hash)
    assert is_dict(deploy_receipt)
    contract_address = deploy_receipt["contractAddress"]
    assert is_checksum_address(contract_address)
    return math_contract_factory(contract_address)


@pytest.fixture
def math_contract_address(math_contract, address_conversion_func):
    return address_conversion_func(math_contract.address)


@pytest.fixture
def storage_contract(w3):
    return _deploy_contract(w3, w3.eth.contract(**STORAGE_CONTRACT_DATA))


@pytest.fixture
def emitter_contract(w3, emitter_contract_factory):
    return _deploy_contract(w3, emitter_contract_factory)


@pytest.fixture
def emitter_contract_address(emitter_contract, address_conversion_func):
    return address_conversion_func(emitter_contract.address)


@pytest.fixture
def empty_block(w3):
    w3.provider.make_request("evm_mine", [])  # web3's fixture calls eth-tester's mine(); evm_mine is the RPC form
    block = w3.eth.get_block("latest")
    assert not block["transactions"]
    return block


@pytest.fixture
def block_with_txn(w3):
    txn_hash = w3.eth.send_transaction({
        "from": w3.eth.default_account, "to": w3.eth.default_account, "value": w3.to_wei(1, "gwei"),
        "gas": 21000, "gasPrice": w3.to_wei(10**9, "gwei")})
    txn = w3.eth.get_transaction(txn_hash)
    return w3.eth.get_block(txn["blockNumber"])


@pytest.fixture
def mined_txn_hash(block_with_txn):
    return block_with_txn["transactions"][0]


@pytest.fixture
def block_with_txn_with_log(w3, emitter_contract):
    txn_hash = emitter_contract.functions.logDouble(
        which=EMITTER_ENUM["LogDoubleWithIndex"], arg0=12345, arg1=54321).transact({"from": w3.eth.default_account})
    txn = w3.eth.get_transaction(txn_hash)
    return w3.eth.get_block(txn["blockNumber"])


@pytest.fixture
def txn_hash_with_log(block_with_txn_with_log):
    return block_with_txn_with_log["transactions"][0]


@pytest.fixture
def revert_contract(w3, revert_contract_factory):
    return _deploy_contract(w3, revert_contract_factory)


@pytest.fixture
def offchain_lookup_contract(w3, offchain_lookup_contract_factory):
    return _deploy_contract(w3, offchain_lookup_contract_factory)


@pytest.fixture
def panic_errors_contract(w3):
    return _deploy_contract(w3, w3.eth.contract(**PANIC_ERRORS_CONTRACT_DATA))


@pytest.fixture
def keyfile_account_pkey():
    yield KEYFILE_ACCOUNT_PKEY


@pytest.fixture
def keyfile_account_address():
    yield KEYFILE_ACCOUNT_ADDRESS


@pytest.fixture
def keyfile_account_address_dual_type(keyfile_account_address, address_conversion_func):
    yield keyfile_account_address
