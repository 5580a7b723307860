"""The tunnel in the devchain's genesis: Hemi mainnet addresses for the manager and hemiBTC (hemilabs/hemi-viem
src/contracts/bitcoin-tunnel-manager.ts, hemilabs/token-list src/hemi.tokenlist.json), and set-up storage identical to
what the real transactions leave: GlobalConfig.initialize, createVault, the operator's collateral deposit, custody
address and goLive (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.sol life cycle)."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from hemi.compiler import shipped
from hemi.devchain import Devchain
from hemi.errors import TunnelError
from hemi.hvm.registry import to_address
from hemi.node.tunnel.genesis import (
    COLLATERAL_PER_BTC,
    COLLATERAL_TOKEN_ADDRESS,
    GENESIS_CODE,
    GENESIS_COLLATERAL,
    GLOBAL_CONFIG_ADDRESS,
    HEMI_BTC_ADDRESS,
    OPERATOR_BALANCE,
    TUNNEL_MANAGER_ADDRESS,
    VAULT_ADDRESS,
    VAULT_STATE_ADDRESS,
    genesis_storage,
    mapping_slot,
    operator_account,
)


def _contract(dev, address, name):
    return dev.w3.eth.contract(address=address, abi=shipped.load(name).abi)


def _set_up_by_transactions(seed: int = 0):
    """A devchain without the predeploy where the code is placed (manager with no vault) and the set-up is done by
    the real transactions. Returns (devchain, vault address, state address)."""
    dev = Devchain(seed=seed, predeploy_tunnel=False)
    for addr, name in GENESIS_CODE.items():
        if addr not in (VAULT_ADDRESS, VAULT_STATE_ADDRESS):
            dev.set_code(addr, shipped.load(name).deployed_bytecode)
    op = operator_account(dev.btc)
    dev.impersonate(op)
    dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": str(op), "value": 10**18})
    cfg = _contract(dev, GLOBAL_CONFIG_ADDRESS, "GlobalConfig")
    cfg.functions.initialize(str(op), COLLATERAL_PER_BTC).transact({"from": dev.accounts[0]})
    manager = _contract(dev, TUNNEL_MANAGER_ADDRESS, "BitcoinTunnelManager")
    manager.functions.createVault(dev.accounts[0], str(op), 0, b"").transact({"from": dev.accounts[0]})
    vault_addr = manager.functions.vaults(0).call()
    vault = _contract(dev, vault_addr, "SimpleBitcoinVault")
    col = _contract(dev, COLLATERAL_TOKEN_ADDRESS, "TunnelCollateral")
    col.functions.mint(str(op), GENESIS_COLLATERAL).transact({"from": str(op)})
    col.functions.approve(vault_addr, GENESIS_COLLATERAL).transact({"from": str(op)})
    vault.functions.depositCollateral(GENESIS_COLLATERAL).transact({"from": str(op)})
    vault.functions.setBtcCustodianshipAddress(dev.btc.wallet("tunnel-operator").address).transact({"from": str(op)})
    vault.functions.goLive().transact({"from": str(op)})
    return dev, vault_addr, vault.functions.vaultStateChild().call()


def _storage(dev, address, slots):
    return {s: int.from_bytes(bytes(dev.w3.eth.get_storage_at(address, s)), "big") for s in slots}


def test_genesis_storage_equals_what_the_set_up_transactions_write():
    dev = Devchain()
    real, vault, state = _set_up_by_transactions()
    expected = genesis_storage(dev.btc)
    # addresses CREATE picked on the bare chain stand where genesis has the hemi-sdk ones
    renames = {int(vault, 16): int(VAULT_ADDRESS, 16), int(state, 16): int(VAULT_STATE_ADDRESS, 16)}
    vault_key = lambda a: mapping_slot(bytes(to_address(a)).rjust(32, b"\0"), 1)  # noqa: E731
    where = {TUNNEL_MANAGER_ADDRESS: TUNNEL_MANAGER_ADDRESS, GLOBAL_CONFIG_ADDRESS: GLOBAL_CONFIG_ADDRESS,
             COLLATERAL_TOKEN_ADDRESS: COLLATERAL_TOKEN_ADDRESS, VAULT_ADDRESS: vault, VAULT_STATE_ADDRESS: state}
    for addr, slots in expected.items():
        real_slots = {(vault_key(vault) if s == vault_key(VAULT_ADDRESS) else s): s for s in slots}
        got = {real_slots[s]: renames.get(v, v) for s, v in _storage(real, where[addr], real_slots).items()}
        assert got == slots, addr
        assert _storage(dev, addr, slots) == slots
    # and nothing else was written in the first slots of each contract
    for addr, real_addr in where.items():
        extra = {s: v for s, v in _storage(real, real_addr, range(45)).items() if v and s not in expected[addr]}
        assert extra == {}, addr
    for addr, name in GENESIS_CODE.items():
        assert dev.w3.eth.get_code(addr) == bytes.fromhex(shipped.load(name).deployed_bytecode[2:])


def test_predeployed_tunnel_is_live_and_configured():
    dev = Devchain()
    t = dev.tunnel
    assert t.status() == "LIVE"
    assert t.vault.functions.operatorAdmin().call() == t.operator.address
    assert t.vault.functions.bitcoinCustodyAddress().call() == t.custody_address
    assert t.vault.functions.vaultStateChild().call() == VAULT_STATE_ADDRESS
    assert t.vault_state.functions.getParentSimpleBitcoinVault().call() == VAULT_ADDRESS
    assert t.manager.functions.vaults(0).call() == VAULT_ADDRESS
    assert t.manager.functions.vaultList(VAULT_ADDRESS).call() is True
    assert t.manager.functions.vaultCounter().call() == 1
    assert t.manager.functions.globalConfig().call() == GLOBAL_CONFIG_ADDRESS
    assert t.manager.functions.btcTokenContract().call() == HEMI_BTC_ADDRESS
    assert t.token.functions.name().call() == "Hemi Bitcoin"
    assert t.token.functions.symbol().call() == "hemiBTC" and t.token.functions.decimals().call() == 8
    assert t.total_supply == 0
    assert t.vault_state.functions.getOperatorCollateralDeposited().call() == GENESIS_COLLATERAL
    assert dev.engine.head_number == 0  # no set-up transactions, no blocks
    assert dev.w3.eth.get_balance(t.operator.address) == OPERATOR_BALANCE
    assert t.operator.address not in dev.accounts
    with pytest.raises(Exception, match="global config already initialized"):
        t.global_config.functions.initialize(dev.accounts[1], 1).transact({"from": dev.accounts[1]})
    with pytest.raises(Exception, match="can only be set once"):
        t.vault.functions.setBtcCustodianshipAddress("x").transact({"from": t.operator.address})


@pytest.mark.parametrize("chain_id", [31337, 43111, 743111])
def test_predeploys_stay_at_mainnet_addresses_for_any_chain_id(chain_id):
    dev = Devchain(chain_id=chain_id)
    assert dev.w3.eth.chain_id == chain_id
    assert dev.tunnel.manager.functions.vaults(0).call() == VAULT_ADDRESS
    assert dev.w3.eth.get_code(TUNNEL_MANAGER_ADDRESS) and dev.w3.eth.get_code(HEMI_BTC_ADDRESS)


def test_custody_and_operator_follow_the_seed():
    a, b, c = Devchain(seed=0).tunnel, Devchain(seed=0).tunnel, Devchain(seed=1).tunnel
    assert a.custody_address == b.custody_address != c.custody_address
    assert a.operator.address == b.operator.address != c.operator.address
    assert a.custody_address == a.host.btc.wallet("tunnel-operator").address
    assert a.vault.functions.bitcoinCustodyAddress().call() != c.vault.functions.bitcoinCustodyAddress().call()


def test_without_the_predeploy():
    dev = Devchain(predeploy_tunnel=False)
    for addr in GENESIS_CODE:
        assert dev.w3.eth.get_code(addr) == b""
    with pytest.raises(TunnelError, match="predeploy_tunnel=False"):
        _ = dev.tunnel


def test_addresses_are_hemi_mainnet_ones():
    """hemi-viem bitcoinTunnelManagerAddresses[43111] and hemilabs/token-list's hemiBTC."""
    assert TUNNEL_MANAGER_ADDRESS == to_checksum_address("0xeaca824f46c000fb89403846bb57e6b913321081")
    assert HEMI_BTC_ADDRESS == to_checksum_address("0xaa40c0c7644e0b2b224509571e10ad20d9c4ef28")


@pytest.mark.parametrize("config, match", [
    (dict(hvm_profile="hvmphase0"), "hvm_profile='deployed'"),
    (dict(predeploy_bitcoin_kit=False), "predeploy_bitcoin_kit=False"),
])
def test_flows_refuse_a_devchain_whose_hbk_cannot_serve_them(config, match):
    """The vault calls hBK with the deployed ABI (hemi-viem src/contracts/bitcoin-kit-txs.ts): under 'hvmphase0' the
    predeployed kit has the published ABI, and without hBK nothing can be checked, so the flows refuse clearly."""
    dev = Devchain(**config)
    alice = dev.btc.wallet("alice")
    dev.btc.mine(101, to=alice.address)
    with pytest.raises(TunnelError, match=match):
        dev.tunnel.deposit(alice, 2_000_000, recipient=dev.accounts[1])
    assert len(dev.btc.mempool) == 0
