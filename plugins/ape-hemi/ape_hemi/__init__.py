"""ape-hemi: the ``hemi`` ecosystem for ape 0.8, backed by hemi-sdk.

Networks: ``hemi:local`` (provider ``devchain``: hemi-sdk's in-process devchain, with ape's test isolation through
its snapshots of both chains), ``hemi:testnet`` (743111) and ``hemi:mainnet`` (43111), both through ape's ``node``
provider at Hemi's public RPC unless configured otherwise, and ``hemi:mainnet-fork`` / ``hemi:testnet-fork`` (the
devchain forked from them: :mod:`ape_hemi.fork_provider`). Settings live under ``hemi:`` in ape-config.yaml
(:class:`ape_hemi.config.HemiConfig`).

This module holds only the hooks; each imports what it returns when ape calls it, so loading ape stays fast.
"""

from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ape import plugins

try:  # written once, in plugins/ape-hemi/pyproject.toml
    __version__ = version("ape-hemi")
except PackageNotFoundError:  # a source checkout on PYTHONPATH, not installed
    __version__ = "0+unknown"


@plugins.register(plugins.Config)
def config_class() -> type[Any]:
    from ape_hemi.config import HemiConfig  # deferred: ape calls the hook

    return HemiConfig


@plugins.register(plugins.EcosystemPlugin)
def ecosystems() -> Iterator[Any]:
    from ape_hemi.ecosystem import Hemi  # deferred: ape calls the hook

    yield Hemi


@plugins.register(plugins.NetworkPlugin)
def networks() -> Iterator[Any]:
    from ape.api.networks import LOCAL_NETWORK_NAME, NetworkAPI, create_network_type  # deferred: ape calls the hook

    from ape_hemi.ecosystem import NETWORKS  # deferred: ape calls the hook

    for network_name, (chain_id, network_id) in NETWORKS.items():
        yield "hemi", network_name, create_network_type(chain_id, network_id)

    # the local network takes its chain id from the provider (the devchain's `chain_id` setting)
    yield "hemi", LOCAL_NETWORK_NAME, NetworkAPI
    for network_name, (chain_id, network_id) in NETWORKS.items():  # ape's fork convention: <network>-fork
        yield "hemi", f"{network_name}-fork", create_network_type(chain_id, network_id, is_fork=True)


@plugins.register(plugins.ProviderPlugin)
def providers() -> Iterator[Any]:
    from ape.api.networks import LOCAL_NETWORK_NAME  # deferred: ape calls the hook

    from ape_hemi.ecosystem import NETWORKS  # deferred: ape calls the hook
    from ape_hemi.node import HemiNode  # deferred: ape calls the hook
    from ape_hemi.provider import HemiDevchainProvider  # deferred: ape calls the hook

    for network_name in NETWORKS:
        yield "hemi", network_name, HemiNode

    yield "hemi", LOCAL_NETWORK_NAME, HemiDevchainProvider

    # deferred: hooks import inside them, so loading ape stays fast
    from ape_hemi.fork_provider import HemiDevchainForkProvider

    for network_name in NETWORKS:  # hemi:mainnet-fork, hemi:testnet-fork: the devchain forked from the network
        yield "hemi", f"{network_name}-fork", HemiDevchainForkProvider


@plugins.register(plugins.DependencyPlugin)
def dependencies() -> Iterator[Any]:
    # `- hemi_sdk: installed` in ape-config.yaml: the Solidity shipped with hemi-sdk, imported as "@hemi/..."
    from ape_hemi.dependency import HemiSdkDependency  # deferred: ape calls the hook

    yield "hemi_sdk", HemiSdkDependency


@plugins.register(plugins.CompilerPlugin)
def register_compiler() -> Iterator[Any]:
    # hemi brings no compiler of its own. Every `ape compile` (and every compile `ape test` triggers) lists the
    # registered compilers first, so this is where ape-solidity learns to obtain solc through hemi-sdk's fallback
    # (solcjs from npm, registered as a py-solc-x installed solc) when the native download is impossible.
    # It is also where ape-solidity learns to record sources without contracts (structs only) as compiled.
    # deferred: loaded when ape calls the hook (ape starts fast)
    from ape_hemi.solc import keep_contractless_sources_compiled, route_solc_installs_through_hemi

    route_solc_installs_through_hemi()
    keep_contractless_sources_compiled()
    yield from ()
