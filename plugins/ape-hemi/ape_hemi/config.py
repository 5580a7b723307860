"""``hemi:`` in ape-config.yaml.

Two kinds of settings share the section, as in every ape ecosystem plugin: per-network settings (``mainnet:``,
``testnet:``, ``local:``, each ape's ``NetworkConfig``: ``default_provider``, ``required_confirmations``, ...) and, as
plain values, the settings of the in-process devchain behind ``hemi:local``. Those map one to one onto
``hemi.node.devchain.DevchainConfig`` (same names, same defaults; a test keeps them equal)::

    hemi:
      seed: 7
      hvm_indexer_lag: 0        # instant Bitcoin reads, for tutorials
      keystone_interval: 5

The dev accounts come from ape's own ``test:`` section (``mnemonic``, ``number_of_accounts``, ``balance``), so ape's
``accounts`` fixture and the devchain's funded accounts are the same. Every devchain value can also be set from
the environment (``APE_HEMI_SEED=7``) or per connection (``provider_settings={"seed": 7}``).

Nothing heavy is imported here: ape reads every plugin's config class on start-up.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar, Literal

from ape.api.config import PluginConfig
from ape.api.networks import LOCAL_NETWORK_NAME
from ape.managers.config import merge_configs
from ape_ethereum.ecosystem import (
    BaseEthereumConfig,
    NetworkConfig,
    create_local_network_config,
    create_network_config,
)
from pydantic import computed_field, model_validator
from pydantic_settings import SettingsConfigDict

from ape_hemi.chains import BLOCK_TIME, NETWORKS

LOCAL_PROVIDER_NAME = "devchain"

# The plain-valued fields below that are Devchain settings, passed as ``Devchain(**settings)``.
DEVCHAIN_SETTINGS = (
    "seed", "chain_id", "hvm_profile", "hvm_header_n", "hvm_genesis_btc_height", "max_btc_headers_per_block",
    "hvm_indexer_lag", "block_time",
    "genesis_timestamp", "gas_limit", "base_fee", "automine", "predeploy_bitcoin_kit", "predeploy_tunnel",
    "keystone_interval", "superfinality_threshold", "finality_rpc", "pop_default_miner", "pop_auto_fund",
    "op_stack", "pop_payouts", "pop_payout_delay",
)
# Devchain settings named otherwise here: ape reads every ``*_fork`` key of an ecosystem's config as a forked network
RENAMED_SETTINGS = {"evm": "evm_fork"}


class HemiConfig(BaseEthereumConfig):
    """The ``hemi:`` section: Hemi's networks, and the devchain that ``hemi:local`` runs in-process."""

    NETWORKS: ClassVar[dict[str, tuple[int, int]]] = NETWORKS

    mainnet: NetworkConfig = create_network_config(block_time=BLOCK_TIME)
    """Hemi mainnet (chain id 43111), through ape's ``node`` provider."""

    testnet: NetworkConfig = create_network_config(block_time=BLOCK_TIME)
    """Hemi testnet, "Hemi Sepolia" (chain id 743111), through ape's ``node`` provider."""

    seed: int = 0
    """Fixes the embedded Bitcoin chain, its wallets and every block hash: same seed, same chains."""

    chain_id: int = 31337
    """Chain id of the local devchain; anvil's, deliberately not Hemi mainnet's (43111) or testnet's (743111)."""

    hvm_profile: Literal["deployed", "hvmphase0"] = "deployed"
    """Byte layout of the hVM precompiles and the hBK predeployed: ``deployed`` the newest op-geth layout (what Hemi
    runs; 0x45 always empty) with the hBK ABI hemi-viem calls; ``hvmphase0`` the Oct-2024 0x42 layout with the
    published hBK."""

    hvm_header_n: Literal["empty", "fixed"] | None = None
    """0x45 btcHeaderN: ``empty`` as every heminetwork release v1.0.0-v2.0.0 behaves, ``fixed`` as heminetwork main
    behaves since d8c88dc5 (May 2026); None takes the profile's (``empty`` for ``deployed``)."""

    hvm_genesis_btc_height: int = 0
    """hVM activation: Bitcoin data below this height is hidden from the precompiles (Hemi mainnet: 883092)."""

    max_btc_headers_per_block: int = 8
    """Bitcoin headers one L2 block may add to the hVM's view (newest op-geth: 8; at most 500)."""

    hvm_indexer_lag: int = 2
    """Bitcoin blocks the hVM's UTXO and transaction indexes lag its light tip (0: reads see new blocks at once)."""

    block_time: int = BLOCK_TIME
    """Seconds of simulated clock per L2 block (the devchain never reads the wall clock)."""

    genesis_timestamp: int = 1_735_689_600
    """Timestamp of the L2 genesis block (2025-01-01T00:00:00Z), fixed so block hashes never depend on the clock."""

    gas_limit: int = 30_000_000
    """Gas limit of the L2 genesis block."""

    base_fee: int = 1_000_000_000
    """Base fee per gas of the genesis block, in wei."""

    automine: bool = True
    """Mine a block for every transaction; with False, transactions wait until ``chain.mine()``."""

    predeploy_bitcoin_kit: bool = True
    """Put hBK (BitcoinKit) in genesis at its Hemi mainnet address, 0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12."""

    predeploy_tunnel: bool = True
    """Put the Bitcoin tunnel in genesis: hemiBTC and the BitcoinTunnelManager at their Hemi mainnet addresses and a
    vault whose custody Bitcoin address belongs to a simulated operator (``chain.provider.devchain.tunnel``)."""

    keystone_interval: int = 25
    """A keystone every this many L2 blocks (Hemi: every 25th block)."""

    superfinality_threshold: int = 10
    """Effective Bitcoin confirmations of a keystone at which its blocks are superfinal (Hemi's BFG v2: 10)."""

    finality_rpc: Literal["v2", "v1"] = "v2"
    """How optimism_btcFinalityByBlockHash answers: the newest op-node's BFG v2 object, or the v1 list."""

    pop_default_miner: bool = True
    """Start with one Proof-of-Proof miner that publishes every keystone to Bitcoin at once."""

    pop_auto_fund: bool = True
    """Fund PoP miners' Bitcoin wallets by mining blocks when they run short."""

    evm: str = "prague"
    """EVM fork (the devchain's ``evm_fork``): Hemi's "prague" (with P256VERIFY at 0x100) or the older "cancun"."""

    op_stack: bool = True
    """OP-stack blocks: the L1-attributes deposit, the L1 data fee, the 0x7C and 0x7D system transactions."""

    pop_payouts: bool = True
    """Keystone blocks carry a 0x7D PoP payout for the miners of an older keystone."""

    pop_payout_delay: int = 200
    """Keystone block N pays the PoP miners of keystone N - pop_payout_delay."""

    model_config = SettingsConfigDict(extra="allow", env_prefix="APE_HEMI_", use_attribute_docstrings=True)

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def local(self) -> NetworkConfig:
        """``hemi:local``: the in-process devchain by default (provider ``devchain``)."""
        default: NetworkConfig = create_local_network_config(default_provider=LOCAL_PROVIDER_NAME,
                                                             default_transaction_type=self.DEFAULT_TRANSACTION_TYPE,
                                                             gas_limit=self.DEFAULT_LOCAL_GAS_LIMIT)
        configured: Any = PluginConfig.get(self, LOCAL_NETWORK_NAME)
        if isinstance(configured, NetworkConfig):
            configured = configured.model_dump(by_alias=True)
        if not isinstance(configured, dict):
            return default
        merged: NetworkConfig = NetworkConfig.model_validate(merge_configs(default.model_dump(by_alias=True),
                                                                           configured))
        return merged

    @model_validator(mode="after")
    def _no_unknown_settings(self) -> HemiConfig:
        # Mappings are networks (ape's custom-network rule); any other unknown key is a misspelt setting, which
        # would otherwise be kept silently and ignored.
        unknown = sorted(k for k, v in (self.model_extra or {}).items()
                         if not isinstance(v, (dict, PluginConfig)) and not k.startswith("_"))
        if unknown:
            raise ValueError(f"unknown hemi setting(s) {unknown}; the devchain settings are "
                             f"{', '.join(DEVCHAIN_SETTINGS)}")
        return self

    def devchain_settings(self) -> dict[str, Any]:
        """The ``Devchain(**settings)`` keywords these settings make (accounts excluded: see ape's ``test:``)."""
        return {**{name: getattr(self, name) for name in DEVCHAIN_SETTINGS},
                **{devchain_name: getattr(self, name) for name, devchain_name in RENAMED_SETTINGS.items()}}
