"""The fixtures of hemi's pytest plugin, registered by :func:`hemi.testing.plugin.pytest_configure` unless the
plugin stands down (ape's plugin active, or ``hemi_fixtures = off``). Nothing heavy is imported until a fixture
runs."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

HBK_MISSING = ("hBK (BitcoinKit) has no code at {address} on this devchain: it was built with "
               "predeploy_bitcoin_kit=False, or this hemi-sdk ships no BitcoinKit artifact yet")


class HemiFixtures:
    """Registered as the plugin ``"hemi-fixtures"``; ``state`` is the plugin's :class:`HemiPluginState`."""

    def __init__(self, state: Any) -> None:
        self.state = state

    @pytest.fixture(scope="session")
    def hemi_devchains(self) -> Callable[..., Any]:
        """``get(**overrides)``: the session's devchain for a configuration, built on first request."""
        cache: dict[tuple, Any] = {}
        state = self.state

        def get(**overrides: Any) -> Any:
            cfg = {"seed": state.seed, **state.devchain_config, **overrides}
            key = tuple(sorted((k, repr(v)) for k, v in cfg.items()))
            dev = cache.get(key)
            if dev is None:
                from hemi.node.devchain import Devchain

                seed = cfg.pop("seed")
                try:
                    dev = Devchain(seed=seed, **cfg)
                except TypeError as e:  # an unknown DevchainConfig field
                    pytest.fail(f"hemi devchain configuration {cfg!r}: {e}", pytrace=False)
                cache[key] = dev
            return dev

        return get

    @pytest.fixture(scope="session")
    def devchain_session(self, hemi_devchains: Callable[..., Any]) -> Any:
        """The session devchain itself, not isolated: changes made through it stay for the rest of the session."""
        return hemi_devchains()

    @pytest.fixture
    def devchain(self, request: pytest.FixtureRequest, hemi_devchains: Callable[..., Any]) -> Iterator[Any]:
        """The session devchain, inside ``with dev.anchor():``: both chains are back where they were afterwards."""
        marker = request.node.get_closest_marker("hemi")
        if marker is not None and marker.args:
            pytest.fail("@pytest.mark.hemi takes keyword arguments only (seed=..., Devchain settings)", pytrace=False)
        dev = hemi_devchains(**(marker.kwargs if marker is not None else {}))
        automine = dev.automine
        with dev.anchor():
            try:
                yield dev
            finally:
                dev.automine = automine

    @pytest.fixture
    def w3(self, devchain: Any) -> Any:
        """``web3.Web3`` bound in-process to the isolated devchain."""
        return devchain.w3

    @pytest.fixture
    def btc(self, devchain: Any) -> Any:
        """The isolated devchain's embedded Bitcoin chain (``hemi.btc.BitcoinChain``)."""
        return devchain.btc

    @pytest.fixture
    def accounts(self, devchain: Any) -> list:
        """The devchain's funded accounts (checksummed address strings with ``.private_key``)."""
        return devchain.accounts

    @pytest.fixture
    def bitcoin_kit(self, devchain: Any) -> Any:
        """hBK (``IBitcoinKit``) as a web3 contract at its mainnet address on the isolated devchain."""
        kit = devchain.bitcoin_kit
        if not devchain.w3.eth.get_code(kit.address):
            raise RuntimeError(HBK_MISSING.format(address=kit.address))
        return kit

    @pytest.fixture
    def tunnel(self, devchain: Any) -> Any:
        """The isolated devchain's Bitcoin tunnel (``dev.tunnel``): deposits, withdrawals, the operator, audit."""
        return devchain.tunnel

    @pytest.fixture
    def btc_reorg_depth(self) -> int:
        """The Bitcoin reorg depth of this run of a ``@pytest.mark.btc_reorg(depths=...)`` test."""
        pytest.fail("btc_reorg_depth comes from @pytest.mark.btc_reorg(depths=(...)) on the test", pytrace=False)
