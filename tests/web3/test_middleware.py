"""dev.w3's middleware: web3.py's defaults re-done for a devchain, with the same behaviour and errors.

Each case pins what web3.py's own default middleware does (web3/middleware/validation.py,
gas_price_strategy.py, names.py in web3 7), checked against the same request on a Web3 built with web3's
defaults over the same devchain.
"""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.exceptions import InvalidTransaction, TransactionTypeMismatch, Web3ValidationError

from hemi.devchain import Devchain
from hemi.web3.provider import DevchainProvider


@pytest.fixture
def dev():
    return Devchain()


@pytest.fixture
def stock(dev):
    """web3's default middleware over the same devchain."""
    return Web3(DevchainProvider(dev))


def test_names_and_order_are_webs(dev, stock):
    assert [name for _, name in dev.w3.middleware_onion.middleware] == \
        [name for _, name in stock.middleware_onion.middleware]


@pytest.mark.parametrize("chain_id", [1, "0x1", 43111])
def test_wrong_chain_id_is_refused_as_web3_does(dev, stock, chain_id):
    tx = {"from": dev.accounts[0], "to": dev.accounts[1], "value": 1, "chainId": chain_id}
    with pytest.raises(Web3ValidationError) as ours:
        dev.w3.eth.send_transaction(tx)
    with pytest.raises(Web3ValidationError) as theirs:
        stock.eth.send_transaction(tx)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(Web3ValidationError):
        dev.w3.eth.call(tx)
    with pytest.raises(Web3ValidationError):
        dev.w3.eth.estimate_gas(tx)
    assert dev.w3.eth.block_number == 0  # nothing was sent


def test_right_chain_id_passes(dev):
    w3 = dev.w3
    h = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1,
                                 "chainId": w3.eth.chain_id})
    assert w3.eth.get_transaction_receipt(h).status == 1
    assert w3.eth.get_transaction(h).chainId == w3.eth.chain_id


def test_priority_fee_without_fee_cap_is_filled_from_the_latest_block(dev, stock):
    w3 = dev.w3
    base_fee = w3.eth.get_block("latest").baseFeePerGas
    h = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1,
                                 "maxPriorityFeePerGas": 7})
    tx = w3.eth.get_transaction(h)
    assert tx.maxPriorityFeePerGas == 7 and tx.maxFeePerGas == 7 + 2 * base_fee
    h2 = stock.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1,
                                     "maxPriorityFeePerGas": 7})
    base_fee = stock.eth.get_block(w3.eth.block_number - 1).baseFeePerGas
    assert stock.eth.get_transaction(h2).maxFeePerGas == 7 + 2 * base_fee


def test_fee_field_mistakes_raise_webs_errors(dev):
    w3 = dev.w3
    with pytest.raises(TransactionTypeMismatch):
        w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1,
                                 "gasPrice": 10**9, "maxFeePerGas": 10**10})
    with pytest.raises(InvalidTransaction, match="maxFeePerGas must be >= maxPriorityFeePerGas"):
        w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1,
                                 "maxFeePerGas": 1, "maxPriorityFeePerGas": 2})
    with pytest.raises(InvalidTransaction, match="maxPriorityFeePerGas must be defined"):
        w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1,
                                 "maxFeePerGas": 10**10})
    assert w3.eth.block_number == 0


def test_an_ens_name_still_goes_to_ens(dev, stock):
    """A name is resolved by web3's ENS middleware, which finds no ENS registry on a devchain."""
    tx = {"from": dev.accounts[0], "to": "treasury.eth", "value": 1}
    with pytest.raises(Exception) as ours:
        dev.w3.eth.send_transaction(tx)
    with pytest.raises(Exception) as theirs:
        stock.eth.send_transaction(tx)
    assert type(ours.value) is type(theirs.value)
    assert dev.w3.eth.block_number == 0


def _spy(w3):
    """The names of the requests ``w3``'s provider receives, in order."""
    api, asked = w3.provider.api, []
    request = api.request

    def spy(name, params):
        asked.append(name)
        return request(name, params)

    api.request = spy
    return asked


@pytest.mark.parametrize("fields", [{"value": 1}, {"to": None, "data": "0x6001600055"}])  # a transfer; a creation
def test_gas_is_webs_buffered_estimate_without_fetching_the_block(dev, stock, fields):
    """web3's gas_estimate middleware fills gas = min(block gas limit, estimate + 100,000); ours gives the same gas
    without the eth_getBlockByNumber request web3 makes to read the limit."""
    tx = {"from": dev.accounts[0], "to": dev.accounts[1], **fields}
    if tx["to"] is None:
        del tx["to"]
    ours_asked, theirs_asked = _spy(dev.w3), _spy(stock)
    ours = dev.w3.eth.get_transaction(dev.w3.eth.send_transaction(tx))
    theirs = stock.eth.get_transaction(stock.eth.send_transaction(tx))
    assert ours_asked[:2] == ["eth_estimateGas", "eth_sendTransaction"]
    assert "eth_getBlockByNumber" in theirs_asked[:theirs_asked.index("eth_sendTransaction")]
    limit = dev.w3.eth.get_block("latest").gasLimit
    assert ours.gas == theirs.gas == min(limit, dev.w3.eth.estimate_gas(tx) + 100_000)


def test_a_failing_estimate_raises_as_webs(dev, stock):
    tx = {"from": dev.accounts[0], "data": "0x60006000fd"}  # init code that reverts
    with pytest.raises(Exception) as ours:
        dev.w3.eth.send_transaction(tx)
    with pytest.raises(Exception) as theirs:
        stock.eth.send_transaction(tx)
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    assert dev.w3.eth.block_number == 0
