"""The tunnel in the devchain's genesis: Hemi mainnet addresses (hemi-protocol.md §3.1, Decisions "Addresses of
predeploys"), and initialized storage identical to what the real `initialize` calls leave behind."""

from __future__ import annotations

import pytest
from eth_utils import keccak, to_checksum_address

from hemi.btc.address import address_to_script
from hemi.compiler import shipped
from hemi.errors import TunnelError
from hemi.node.devchain import Devchain
from hemi.node.tunnel_genesis import (HEMI_BTC_ADDRESS, OPERATOR_BALANCE, TUNNEL_MANAGER_ADDRESS, VAULT_ADDRESS,
                                      _bytes_storage, operator_account, tunnel_alloc)
from hemi.hvm.registry import to_address

VAULT_SLOTS = range(0, 16)  # every value-type slot of SimpleBitcoinVault's layout (mappings hold nothing yet)


def _code(name: str) -> str:
    return shipped.load(name).deployed_bytecode


def _initialized_by_hand(custody: bytes) -> tuple[Devchain, str]:
    """A devchain without the predeploy where the code is set and the two initialize transactions are sent."""
    dev = Devchain(predeploy_tunnel=False)
    for addr, name in ((HEMI_BTC_ADDRESS, "HemiBitcoin"), (TUNNEL_MANAGER_ADDRESS, "BitcoinTunnelManager"),
                       (VAULT_ADDRESS, "SimpleBitcoinVault")):
        dev.set_code(addr, _code(name))
    operator = str(operator_account(dev.btc))
    w3 = dev.w3
    vault = w3.eth.contract(address=VAULT_ADDRESS, abi=shipped.load("SimpleBitcoinVault").abi)
    manager = w3.eth.contract(address=TUNNEL_MANAGER_ADDRESS, abi=shipped.load("BitcoinTunnelManager").abi)
    vault.functions.initialize(custody, operator).transact({"from": dev.accounts[0]})  # first the vault...
    manager.functions.initialize(VAULT_ADDRESS).transact({"from": dev.accounts[0]})  # ...then the manager
    return dev, operator


def _storage(dev: Devchain, address: str, slots) -> dict[int, bytes]:
    return {s: bytes(dev.w3.eth.get_storage_at(address, s)) for s in slots}


def _vaults0_slot() -> int:
    return int.from_bytes(keccak(bytes(32) + bytes(32)), "big")


def test_genesis_storage_equals_what_initialize_writes():
    dev = Devchain()
    by_hand, operator = _initialized_by_hand(dev.tunnel.custody_script)
    assert operator == dev.tunnel.operator.address
    assert _storage(dev, VAULT_ADDRESS, VAULT_SLOTS) == _storage(by_hand, VAULT_ADDRESS, VAULT_SLOTS)
    manager_slots = [0, 1, 2, _vaults0_slot()]
    assert _storage(dev, TUNNEL_MANAGER_ADDRESS, manager_slots) == \
        _storage(by_hand, TUNNEL_MANAGER_ADDRESS, manager_slots)
    assert _storage(dev, HEMI_BTC_ADDRESS, range(4)) == _storage(by_hand, HEMI_BTC_ADDRESS, range(4))
    for addr in (HEMI_BTC_ADDRESS, TUNNEL_MANAGER_ADDRESS, VAULT_ADDRESS):
        assert dev.w3.eth.get_code(addr) == by_hand.w3.eth.get_code(addr) != b""


def test_long_custody_scripts_use_solidity_long_bytes_encoding():
    """A 34-byte custody script (P2TR) takes Solidity's long `bytes` form; the encoder matches initialize's."""
    dev = Devchain()
    p2tr = dev.btc.wallet("tunnel-operator").script_of("p2tr")
    by_hand, _ = _initialized_by_hand(p2tr)
    expected = _bytes_storage(0, p2tr)
    assert len(expected) == 3  # length word plus two data words
    for slot, value in expected.items():
        assert int.from_bytes(bytes(by_hand.w3.eth.get_storage_at(VAULT_ADDRESS, slot)), "big") == value
    vault = by_hand.w3.eth.contract(address=VAULT_ADDRESS, abi=shipped.load("SimpleBitcoinVault").abi)
    assert vault.functions.custodyScript().call() == p2tr
    alloc = tunnel_alloc(dev.btc, {n: _code(n) for n in ("HemiBitcoin", "BitcoinTunnelManager",
                                                         "SimpleBitcoinVault")})
    assert alloc[to_address(VAULT_ADDRESS)].storage[0] == _bytes_storage(0, dev.tunnel.custody_script)[0]


def test_predeployed_tunnel_is_initialized_once():
    dev = Devchain()
    t = dev.tunnel
    assert t.vault.functions.initialized().call() is True
    assert t.vault.functions.operator().call() == t.operator.address
    assert t.vault.functions.custodyScript().call() == t.custody_script == address_to_script(t.custody_address)
    assert t.vault.functions.depositFeeSats().call() == 1_000
    assert t.vault.functions.withdrawalFeeSats().call() == 10_000
    assert t.manager.functions.vaults(0).call() == VAULT_ADDRESS
    assert t.manager.functions.vaultCounter().call() == 1
    assert t.manager.functions.btcTokenContract().call() == HEMI_BTC_ADDRESS
    assert t.token.functions.symbol().call() == "hemiBTC" and t.token.functions.decimals().call() == 8
    assert t.total_supply == 0
    assert dev.engine.head_number == 0  # no set-up transactions, no blocks
    assert dev.w3.eth.get_balance(t.operator.address) == OPERATOR_BALANCE
    assert t.operator.address not in dev.accounts  # the dev accounts stay anvil's ten
    with pytest.raises(Exception, match="vault already initialized"):
        t.vault.functions.initialize(b"\x51", dev.accounts[1]).transact({"from": dev.accounts[1]})
    with pytest.raises(Exception, match="tunnel manager already initialized"):
        t.manager.functions.initialize(VAULT_ADDRESS).transact({"from": dev.accounts[1]})


def test_custody_and_operator_follow_the_seed():
    a, b, c = Devchain(seed=0).tunnel, Devchain(seed=0).tunnel, Devchain(seed=1).tunnel
    assert a.custody_address == b.custody_address != c.custody_address
    assert a.operator.address == b.operator.address != c.operator.address
    assert a.custody_address == a.dev.btc.wallet("tunnel-operator").address


def test_without_the_predeploy():
    dev = Devchain(predeploy_tunnel=False)
    for addr in (HEMI_BTC_ADDRESS, TUNNEL_MANAGER_ADDRESS, VAULT_ADDRESS):
        assert dev.w3.eth.get_code(addr) == b""
    with pytest.raises(TunnelError, match="predeploy_tunnel=False"):
        dev.tunnel


def test_addresses_are_hemi_mainnet_ones():
    """hemi-protocol.md §3.1: manager 0xEAcA…1081 (hemi-viem), hemiBTC 0xAA40…ef28 (hemilabs/token-list)."""
    assert TUNNEL_MANAGER_ADDRESS == to_checksum_address("0xeaca824f46c000fb89403846bb57e6b913321081")
    assert HEMI_BTC_ADDRESS == to_checksum_address("0xaa40c0c7644e0b2b224509571e10ad20d9c4ef28")


@pytest.mark.parametrize("config, match", [
    (dict(hvm_profile="hvmphase0"), "hvm_profile='deployed'"),
    (dict(predeploy_bitcoin_kit=False), "predeploy_bitcoin_kit=False"),
])
def test_flows_refuse_a_devchain_whose_hbk_cannot_serve_them(config, match):
    """The vault decodes hBK's deployed ABI (hemilabs/hemi-viem src/contracts/bitcoin-kit-txs.ts): under the
    hvmphase0 profile (the published kit's ABI is predeployed) or without hBK, the vault cannot check anything, so
    the flows say so instead of failing obscurely."""
    dev = Devchain(**config)
    alice = dev.btc.wallet("alice")
    dev.btc.mine(101, to=alice.address)
    with pytest.raises(TunnelError, match=match):
        dev.tunnel.deposit(alice, 2_000_000, recipient=dev.accounts[1])
    assert len(dev.btc.mempool) == 0
