"""User deposits from L1 as op-geth executes them: the portal's gas minimum, EIP-7623's calldata floor, and failed
deposits, which are included rather than dropped.

Upstream: ethereum-optimism/optimism ``packages/contracts-bedrock/src/L1/OptimismPortal2.sol`` (``depositTransaction``
reverts ``SmallGasLimit`` under ``minimumGasLimit`` = 21000 + 40 per calldata byte); hemilabs/op-geth
``core/state_transition.go``: ``innerExecute`` checks intrinsic gas, the EIP-7623 floor (with no exception for
deposits), the value against the balance and the init code size, in that order; ``execute`` includes a deposit that
fails them as a failed deposit: the mint kept, every other change reverted, the nonce incremented, all its gas used.
"""

from __future__ import annotations

import pytest
import rlp
from eth_utils import keccak
from web3 import Web3

import hemi
from hemi.errors import HemiValueError

FRESH = Web3.to_checksum_address("0x" + "ab" * 20)


@pytest.fixture
def dev() -> hemi.Devchain:
    return hemi.Devchain(predeploy_tunnel=False)


def _error(dev: hemi.Devchain, tx_hash: bytes) -> str | None:
    return dev.engine.tx_record(bytes(tx_hash)).error


def test_a_deposit_under_the_portals_minimum_gas_is_refused(dev):
    """The portal reverts on L1, so the deposit never exists; it used to fail untyped in py-evm at mining."""
    data = b"\x01" * 164
    with pytest.raises(HemiValueError, match="minimumGasLimit for 164 bytes of calldata: 27560"):
        dev.op.deposit(sender=dev.accounts[0], to=dev.accounts[1], data=data, gas=27_559)
    head = dev.w3.eth.block_number
    h = dev.op.deposit(sender=dev.accounts[0], to=dev.accounts[1], data=data, gas=27_560)
    assert dev.w3.eth.block_number == head + 1
    assert dev.w3.eth.get_transaction_receipt(h).status == 1


@pytest.mark.parametrize("case", ["creation short of intrinsic gas", "value over the balance", "init code too large"])
def test_a_deposit_that_cannot_run_is_included_as_failed(dev, case):
    """Each of ``innerExecute``'s checks a deposit can fail after the portal: status 0, the whole gas limit used, the
    mint credited, the nonce incremented, nothing else changed; the next block builds as usual. A value over the
    balance used to raise py-evm's InsufficientFunds out of ``mine()``; a creation short of its intrinsic gas was
    refused."""
    w3 = dev.w3
    to, value, mint, gas, data = {
        "creation short of intrinsic gas": (None, 0, 10**15, 40_000, b"\x60\x00" * 10),
        "value over the balance": (dev.accounts[1], 10**18, 10**17, 50_000, b""),
        "init code too large": (None, 0, 0, 21_000 + 40 * 49_153, b"\x01" * 49_153),
    }[case]
    reason = {"creation short of intrinsic gas": "failed deposit: intrinsic gas too low: have 40000, want 53202",
              "value over the balance": f"failed deposit: insufficient funds for transfer: address {FRESH}",
              "init code too large": "failed deposit: max initcode size exceeded: code size 49153 limit 49152"}[case]
    balance_to = w3.eth.get_balance(dev.accounts[1])
    h = dev.op.deposit(sender=FRESH, to=to, value=value, mint=mint, gas=gas, data=data)
    receipt = w3.eth.get_transaction_receipt(h)
    assert (receipt.status, receipt.gasUsed) == (0, gas)
    assert receipt.logs == []
    # geth's receipt names the address of every creation, failed ones too (core/state_processor.go MakeReceipt)
    assert receipt.contractAddress == (None if to else Web3.to_checksum_address(
        keccak(rlp.encode([bytes.fromhex(FRESH[2:]), 0]))[12:]))
    assert w3.eth.get_balance(FRESH) == mint
    assert w3.eth.get_transaction_count(FRESH) == 1
    assert w3.eth.get_balance(dev.accounts[1]) == balance_to
    assert _error(dev, h) == reason
    block = w3.eth.get_block(receipt.blockNumber)
    assert block.gasUsed == receipt.cumulativeGasUsed  # the deposit's whole gas limit counts in the block
    t = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    assert w3.eth.get_transaction_receipt(t).status == 1


def test_a_failed_deposit_replays_for_the_tracer():
    """A transaction after a failed deposit in the same block is traced by replaying the block up to it: the replay
    must fail the deposit the same way (its nonce move and mint), or the trace would refuse to run."""
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False)
    w3 = dev.w3
    h = dev.op.deposit(sender=FRESH, to=None, mint=10**18, gas=40_000, data=b"\x60\x00" * 10, mine=False)
    t = w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    dev.mine()
    assert [bytes(x) for x in w3.eth.get_block("latest").transactions[1:]] == [bytes(h), bytes(t)]
    trace = w3.provider.make_request("debug_traceTransaction", ["0x" + bytes(t).hex(), {"tracer": "callTracer"}])
    assert trace["result"]["type"] == "CALL" and "error" not in trace["result"]
    assert w3.eth.get_transaction_receipt(h).status == 0 and w3.eth.get_transaction_receipt(t).status == 1
    own = w3.provider.make_request("debug_traceTransaction", ["0x" + bytes(h).hex(), {"tracer": "callTracer"}])
    # op-geth's tracers see no frame exit (ethereum-optimism/op-geth eth/tracers/native/call.go GetResult, fixture
    # eth/tracers/internal/tracetest/testdata/call_tracer/failed_deposit.json; eth/tracers/logger/logger.go)
    assert own["result"] == {"from": "0x" + "00" * 20, "gas": "0x0", "gasUsed": hex(40_000), "input": "0x",
                             "error": "failed deposit transaction", "type": "STOP"}
    logged = w3.provider.make_request("debug_traceTransaction", ["0x" + bytes(h).hex(), {}])["result"]
    assert (logged["failed"], logged["gas"], logged["structLogs"]) == (False, 40_000, [])
    assert _error(dev, h) == "failed deposit: intrinsic gas too low: have 40000, want 53202"  # the engine's record


def test_deposits_pay_the_calldata_floor(dev):
    """EIP-7623 since Prague (OP Isthmus): a deposit of 1,000 non-zero calldata bytes to an account without code
    costs the floor, 21,000 + 10 x 4,000 tokens = 61,000, not its intrinsic 37,000 (op-geth raises ``gasUsed`` to
    the floor before its deposit branch returns)."""
    h = dev.op.deposit(sender=dev.accounts[0], to=dev.accounts[1], data=b"\x01" * 1000, gas=200_000)
    receipt = dev.w3.eth.get_transaction_receipt(h)
    assert (receipt.status, receipt.gasUsed) == (1, 61_000)
    l1_info = dev.w3.eth.get_block(receipt.blockNumber).transactions[0]
    assert dev.w3.eth.get_transaction_receipt(l1_info).gasUsed > 21_000 + 10 * 4 * 164  # above its floor: unchanged


def test_a_mint_past_the_largest_balance_is_refused(dev):
    """A balance is a uint256; such a mint used to raise py-evm's ValidationError out of ``mine()``."""
    with pytest.raises(HemiValueError, match="past 2"):
        dev.op.deposit(sender=dev.accounts[0], to=dev.accounts[1], mint=2**256 - 1, gas=50_000)
    dev.op.deposit(sender=FRESH, to=dev.accounts[1], mint=2**255, gas=50_000, mine=False)
    with pytest.raises(HemiValueError, match="past 2"):  # with what is queued for it already
        dev.op.deposit(sender=FRESH, to=dev.accounts[1], mint=2**255, gas=50_000)
    dev.mine()
    assert dev.w3.eth.get_balance(FRESH) == 2**255


def test_queued_deposits_cannot_overfill_the_block():
    """op-geth's ``preCheck`` takes each deposit's whole gas limit from the block's gas pool and does not make a failed
    deposit of a full pool (ErrGasLimitReached): queued deposits must fit the next block with its system
    transactions. Two 20M-gas deposits that fail (each using its whole limit) used to make a block of 40M gas used
    against a 30M limit."""
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False)
    dev.op.deposit(sender=FRESH, to=dev.accounts[1], value=1, gas=20_000_000, mine=False)
    with pytest.raises(HemiValueError, match="queued deposits"):
        dev.op.deposit(sender=FRESH, to=dev.accounts[1], value=1, gas=20_000_000, mine=False)
    with pytest.raises(Exception, match="exceeds the block's remaining"):  # nor a user transaction after them
        dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1, "gas": 10_000_000})
    dev.mine()
    block = dev.w3.eth.get_block("latest")
    assert len(block.transactions) == 2 and block.gasUsed <= block.gasLimit
    dev.op.deposit(sender=FRESH, to=dev.accounts[1], value=1, gas=20_000_000, mine=False)  # room again


def test_a_failed_deployment_names_its_address_as_geth_does(dev):
    """go-ethereum ``core/state_processor.go`` ``MakeReceipt`` sets ``ContractAddress = CreateAddress(origin, nonce)``
    for every creation whatever its status, and ``eth_getTransactionReceipt`` shows it (``internal/ethapi/api.go``
    ``marshalReceipt``); a reverting constructor's receipt showed null."""
    w3, a = dev.w3, dev.accounts[0]
    nonce = w3.eth.get_transaction_count(a)
    t = w3.eth.send_transaction({"from": a, "data": "0x60006000fd", "gas": 100_000})  # constructor: revert(0, 0)
    receipt = w3.eth.get_transaction_receipt(t)
    assert receipt.status == 0
    assert receipt.contractAddress == Web3.to_checksum_address(keccak(rlp.encode([bytes.fromhex(a[2:]), nonce]))[12:])
    assert w3.eth.get_code(receipt.contractAddress) == b""
