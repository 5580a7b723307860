"""The ``hemi`` ecosystem as ape sees it: networks as data (hemi-viem ``src/chains/hemi.ts``: chain ids 43111 and
743111, public RPC at rpc.hemi.network), the ``hemi:`` config section with one documented field per Devchain
setting, and the route by which ape-solidity obtains solc through hemi-sdk."""

from __future__ import annotations

import dataclasses

import pytest
from ape import networks
from ape.exceptions import CompilerError

from ape_hemi.config import DEVCHAIN_SETTINGS, HemiConfig
from ape_hemi.ecosystem import NETWORKS, PUBLIC_RPC_URLS
from ape_hemi.exceptions import HemiSolcUnavailable
from ape_hemi.solc import route_solc_installs_through_hemi
from hemi.devchain import DevchainConfig
from hemi.errors import HemiValueError


def test_hemi_networks_and_their_chain_ids():
    hemi = networks.get_ecosystem("hemi")
    assert set(hemi.networks) >= {"local", "mainnet", "testnet"}
    assert NETWORKS == {"mainnet": (43111, 43111), "testnet": (743111, 743111)}
    assert (hemi.mainnet.chain_id, hemi.testnet.chain_id) == (43111, 743111)
    assert hemi.default_network_name == "local"
    assert hemi.fee_token_symbol == "ETH"


@pytest.mark.parametrize("network", ["mainnet", "testnet"])
def test_public_networks_use_apes_node_provider_at_hemis_public_rpc(network, monkeypatch):
    monkeypatch.delenv("WEB3_PROVIDER_URI", raising=False)
    net = networks.hemi.get_network(network)
    assert net.default_provider_name == "node"
    provider = net.get_provider("node")  # not connected: no request leaves the machine
    assert provider.uri == PUBLIC_RPC_URLS[network]
    assert provider.uri == f"https://{'testnet.' if network == 'testnet' else ''}rpc.hemi.network/rpc"


def test_devchain_settings_mirror_devchain_config():
    """Same names and defaults as hemi.node.devchain.DevchainConfig, each with its docstring."""
    defaults = {f.name: f.default for f in dataclasses.fields(DevchainConfig)}
    config = HemiConfig()
    for name in DEVCHAIN_SETTINGS:
        assert getattr(config, name) == defaults[name], name
        assert HemiConfig.model_fields[name].description, f"hemi.{name} has no docstring"
    # every Devchain setting is here except the accounts, which come from ape's `test:` section; evm_fork is
    # `evm` (ape takes any `*_fork` key for a forked network)
    assert set(defaults) - set(DEVCHAIN_SETTINGS) == {"mnemonic", "accounts", "balance", "evm_fork"}
    assert config.evm == defaults["evm_fork"] and HemiConfig.model_fields["evm"].description
    assert config.devchain_settings() == {name: defaults[name] for name in (*DEVCHAIN_SETTINGS, "evm_fork")}


def test_config_values_come_from_yaml_style_data_and_the_environment(monkeypatch):
    config = HemiConfig.model_validate({"seed": 9, "hvm_indexer_lag": 0, "mainnet": {"required_confirmations": 3}})
    assert (config.seed, config.hvm_indexer_lag, config.mainnet.required_confirmations) == (9, 0, 3)
    assert config.local.default_provider == "devchain"
    monkeypatch.setenv("APE_HEMI_KEYSTONE_INTERVAL", "5")
    assert HemiConfig().keystone_interval == 5


def test_a_misspelt_setting_is_refused_not_ignored():
    with pytest.raises(ValueError, match=r"unknown hemi setting\(s\) \['sed'\]"):
        HemiConfig.model_validate({"sed": 1})
    assert "mynet" in HemiConfig.model_validate({"mynet": {"chain_id": 5}}).model_extra  # mappings: custom networks


def test_ape_solidity_installs_solc_through_hemi():
    from ape_solidity import compiler as solidity_compiler

    assert route_solc_installs_through_hemi() is True
    routed = solidity_compiler._install_solc
    assert getattr(routed, "__hemi_routed__", False)
    assert route_solc_installs_through_hemi() is True and solidity_compiler._install_solc is routed  # once only

    with pytest.raises(CompilerError) as info:  # what ape-solidity's callers catch
        routed("0.8")
    assert isinstance(info.value, HemiSolcUnavailable) and isinstance(info.value.__cause__, HemiValueError)
