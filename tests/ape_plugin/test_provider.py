"""hemi:local's provider (plugins/ape-hemi/ape_hemi/provider.py) used through ape's API: accounts, transactions,
contracts, snapshots and the test controls all land on hemi.Devchain, and its errors arrive as ape's errors."""

from __future__ import annotations

import ape
import pytest
from ape import accounts, chain, networks
from ape.contracts import ContractContainer
from ape.exceptions import ConfigError, ContractLogicError, ProviderError, UnknownSnapshotError
from ethpm_types import ContractType

from ape_hemi.exceptions import HemiConfigError, HemiProviderError
from hemi.btc import COIN
from hemi.compiler import shipped
from hemi.devchain import HBK_ADDRESS
from hemi.errors import HemiValueError

ETHER = 10**18


def test_hemi_local_is_the_in_process_devchain(provider):
    assert provider.network.ecosystem.name == "hemi" and provider.network.name == "local"
    assert provider.name == "devchain" and networks.hemi.local.default_provider_name == "devchain"
    assert chain.chain_id == provider.devchain.config.chain_id == 31337
    assert int(provider.make_request("eth_chainId", []), 16) == 31337  # answered by hemi.rpc.eth
    assert provider.web3 is provider.devchain.w3  # one face: the devchain's own in-process web3


def test_ape_test_accounts_are_the_devchains_funded_accounts(provider):
    dev = provider.devchain
    ape_accounts = [accounts.test_accounts[i] for i in range(len(dev.accounts))]
    assert [a.address for a in ape_accounts] == list(dev.accounts)
    assert all(a.balance == 10_000 * ETHER for a in ape_accounts)


def test_a_transfer_is_signed_by_ape_and_mined_by_the_devchain(dev):
    sender, receiver = accounts.test_accounts[0], accounts.test_accounts[1]
    head, nonce = dev.engine.head_number, sender.nonce

    receipt = sender.transfer(receiver, ETHER)

    assert receipt.status == 1 and receipt.block_number == head + 1 == dev.engine.head_number
    assert receiver.balance == 10_001 * ETHER
    assert dev.w3.eth.get_transaction(receipt.txn_hash)["from"] == sender.address
    assert dev.w3.eth.get_transaction_count(sender.address) == sender.nonce == nonce + 1


def test_a_snapshot_holds_both_chains(provider):
    dev = provider.devchain
    receiver = accounts.test_accounts[1]
    l2, btc_height, balance = dev.engine.head_number, dev.btc.height, receiver.balance
    snapshot = chain.snapshot()

    dev.btc.mine(4)
    dev.sync_btc()
    accounts.test_accounts[0].transfer(receiver, ETHER)
    assert dev.btc.height == btc_height + 4 and dev.hvm_view().light_tip_height == btc_height + 4

    chain.restore(snapshot)
    assert (dev.engine.head_number, dev.btc.height, receiver.balance) == (l2, btc_height, balance)
    assert dev.hvm_view().light_tip_height == btc_height
    assert chain.blocks.height == l2  # ape's own view follows


def test_restoring_an_unknown_or_used_snapshot_is_an_ape_error(provider):
    snapshot = provider.snapshot()
    provider.restore(snapshot)
    with pytest.raises(UnknownSnapshotError):
        provider.restore(snapshot)  # used up, as evm_revert does on anvil
    with pytest.raises(UnknownSnapshotError, match="not a snapshot") as info:
        provider.restore("not a snapshot")
    assert "invalid snapshot id" in str(info.value.__cause__)  # the devchain's answer, kept as the cause


def test_isolation_leaves_no_snapshot_behind(provider):
    """ape takes and restores a snapshot around every test: the devchain must not keep them (nor their Bitcoin
    mempool copies) once used up."""
    dev = provider.devchain
    before = (len(dev._snapshots), len(dev.btc._snapshots))
    for _ in range(5):
        outer = chain.snapshot()
        chain.snapshot()  # used up with the outer one
        accounts.test_accounts[0].transfer(accounts.test_accounts[1], 1)
        chain.restore(outer)
    assert (len(dev._snapshots), len(dev.btc._snapshots)) == before


def test_hbk_is_readable_through_ape(dev):
    kit = ape.Contract(HBK_ADDRESS, abi=shipped.load("IBitcoinKit").abi)
    alice, shop = dev.btc.wallet("alice"), dev.btc.wallet("shop")
    dev.btc.mine(101, to=alice.address)
    alice.send(shop.address, 2 * COIN)
    dev.btc.mine(3)
    dev.sync_btc()

    assert kit.getBitcoinAddressBalance(shop.address) == 2 * COIN
    assert kit.getLastHeader().height == dev.hvm_view().indexed_height == dev.btc.height - 2


def test_a_revert_is_an_ape_contract_logic_error(dev):
    """A contract deployed by ape from hemi's shipped artifact; its require() message reaches ape.reverts."""
    art = shipped.load("HemiBitcoin")
    container = ContractContainer(ContractType.model_validate(
        {"contractName": art.name, "abi": art.abi, "deploymentBytecode": {"bytecode": art.bytecode},
         "runtimeBytecode": {"bytecode": art.deployed_bytecode}}))
    owner = accounts.test_accounts[0]
    token = owner.deploy(container)
    assert dev.w3.eth.get_code(token.address).hex() == art.deployed_bytecode[2:]

    with ape.reverts("hemiBTC: caller is not the tunnel manager"):
        token.mintBTC(owner, 1, sender=owner)
    with pytest.raises(ContractLogicError):
        token.burnBTC(owner, 1, sender=owner)
    assert token.totalSupply() == 0


def test_mining_and_the_clock_are_the_devchains(dev):
    head = dev.engine.head_number
    chain.mine(3)
    assert dev.engine.head_number == chain.blocks.height == head + 3
    assert chain.blocks.head.timestamp == dev.engine.head.header.timestamp

    chain.pending_timestamp = chain.blocks.head.timestamp + 1000
    chain.mine()
    assert dev.engine.head.header.timestamp == chain.blocks[-2].timestamp + 1000


def test_a_timestamp_in_the_past_is_refused_with_an_ape_error(dev):
    with pytest.raises(HemiProviderError, match="not after") as info:
        chain.pending_timestamp = chain.blocks.head.timestamp - 1
    assert isinstance(info.value, ProviderError) and isinstance(info.value.__cause__, HemiValueError)
    with pytest.raises(HemiProviderError, match="non-negative"):
        chain.mine(-1)
    with pytest.raises(HemiProviderError, match="not an address") as info:
        chain.provider.set_balance("0xnot-an-address", 1)
    assert isinstance(info.value.__cause__, HemiValueError)


def test_without_automine_transactions_wait_for_a_block(provider, dev):
    provider.auto_mine = False
    head = dev.engine.head_number
    receipt = accounts.test_accounts[0].transfer(accounts.test_accounts[2], ETHER)
    assert dev.engine.head_number == head and receipt.block_number == -1

    chain.mine()
    assert dev.w3.eth.get_transaction_receipt(receipt.txn_hash)["blockNumber"] == head + 1
    with pytest.raises(TypeError):
        provider.auto_mine = "yes"


def test_state_controls_and_impersonation(provider, dev):
    stranger = "0x00000000000000000000000000000000000000AA"
    chain.set_balance(stranger, 5 * ETHER)
    assert dev.w3.eth.get_balance(stranger) == 5 * ETHER

    provider.set_code(stranger, b"\x60\x00")
    assert provider.get_code(stranger) == b"\x60\x00"
    provider.set_storage(stranger, 1, 7)
    assert int.from_bytes(provider.get_storage(stranger, 1), "big") == 7
    provider.set_code(stranger, b"")

    impersonated = accounts[stranger]  # ape asks the provider to unlock it
    impersonated.transfer(accounts.test_accounts[0], ETHER)
    assert dev.w3.eth.get_balance(stranger) < 4 * ETHER


def connect(**settings):
    provider = networks.hemi.local.get_provider("devchain", provider_settings=settings)
    provider.connect()
    return provider


def test_settings_reach_the_devchain():
    provider = connect(seed=3, chain_id=4242, hvm_indexer_lag=0, keystone_interval=5)
    try:
        cfg = provider.devchain.config
        assert (cfg.seed, cfg.chain_id, cfg.hvm_indexer_lag, cfg.keystone_interval) == (3, 4242, 0, 5)
        assert provider.chain_id == 4242 and int(provider.make_request("eth_chainId", []), 16) == 4242
    finally:
        provider.disconnect()
    assert provider.chain_id == 4242  # from its settings while disconnected


def test_ape_config_sections_reach_the_devchain():
    """``hemi:`` settings and ape's ``test:`` accounts, as an ape-config.yaml would give them."""
    from ape import project

    with project.temp_config(hemi={"seed": 5, "hvm_indexer_lag": 0},
                             test={"number_of_accounts": 3, "balance": 7 * ETHER}):
        provider = connect()
        try:
            dev = provider.devchain
            assert (dev.config.seed, dev.config.hvm_indexer_lag) == (5, 0)
            assert len(dev.accounts) == 3 and dev.w3.eth.get_balance(dev.accounts[2]) == 7 * ETHER
            assert provider.get_test_account(2).address == dev.accounts[2]
            with pytest.raises(IndexError):
                provider.get_test_account(3)
        finally:
            provider.disconnect()


def test_bad_settings_are_ape_config_errors():
    with pytest.raises(HemiConfigError, match="unknown hemi:local provider setting"):
        connect(sed=3)
    with pytest.raises(HemiConfigError, match="hvm_profile"):
        connect(hvm_profile="newest")
    with pytest.raises(ConfigError) as info:
        connect(keystone_interval=0)  # a type-valid value the devchain refuses
    assert isinstance(info.value, HemiConfigError) and isinstance(info.value.__cause__, HemiValueError)
