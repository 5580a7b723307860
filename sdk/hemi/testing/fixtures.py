"""The fixtures of hemi's pytest plugin, registered by :func:`hemi.testing.plugin.pytest_configure` unless
``hemi_fixtures = off``. Without ape they run on hemi's own session devchain, each test inside ``dev.anchor()``;
under ape's pytest plugin the devchain is ape's (``chain.provider.devchain`` on ``hemi:local``) and ape isolates.
Nothing heavy is imported until a fixture runs."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hemi.testing import _ape

# web3 7 imports its legacy WebSocket provider, and with it the deprecated ``websockets.legacy``, whenever ``web3`` is
# imported; websockets then warns in every test run that builds a devchain, about code the user never called.
_WEB3_WEBSOCKETS_WARNING = r"websockets\.legacy is deprecated"


def _import_devchain() -> Any:
    """``hemi.devchain.Devchain``, importing web3 with its websockets.legacy deprecation warning silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_WEB3_WEBSOCKETS_WARNING, category=DeprecationWarning)
        # deferred: web3 (~1 s) only when a fixture first needs a devchain, and only under the warning filter
        import web3  # noqa: F401 - imported here, under the filter, so the warning never fires later

        from hemi.devchain import Devchain  # deferred: py-evm and web3, as above
    return Devchain

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
                Devchain = _import_devchain()
                seed = cfg.pop("seed")
                try:
                    dev = Devchain(seed=seed, **cfg)
                except TypeError as e:  # an unknown DevchainConfig field
                    pytest.fail(f"hemi devchain configuration {cfg!r}: {e}", pytrace=False)
                cache[key] = dev
            return dev

        return get

    def _ape_devchain(self) -> Any:
        """ape's devchain (its provider's, on hemi:local); skips the test, saying why, on any other network."""
        dev, why = _ape.connected_devchain()
        if dev is None:
            self.state.note(f"hemi: devchain fixtures off: {why}")
            pytest.skip(f"hemi fixtures: {why}")
        return dev

    @pytest.fixture(scope="session")
    def devchain_session(self, hemi_devchains: Callable[..., Any]) -> Any:
        """The session devchain itself, not isolated: changes made through it stay for the rest of the session.
        Under ape: ape's devchain (ape's isolation still applies to the tests)."""
        if self.state.ape is not None:
            return self._ape_devchain()
        return hemi_devchains()

    @pytest.fixture
    def devchain(self, request: pytest.FixtureRequest, hemi_devchains: Callable[..., Any]) -> Iterator[Any]:
        """The session devchain, inside ``with dev.anchor():``: both chains are back where they were afterwards.
        Under ape: ``chain.provider.devchain`` (hemi:local), isolated by ape's own snapshot of the provider."""
        marker = request.node.get_closest_marker("hemi")
        if marker is not None and marker.args:
            pytest.fail("@pytest.mark.hemi takes keyword arguments only (seed=..., Devchain settings)", pytrace=False)
        if self.state.ape is not None and marker is None:
            yield self._ape_devchain()  # ape snapshots it before the test and reverts after: both chains
            return
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


class HemiAccounts:
    """``accounts``, registered only without ape: under ape, ape's own ``accounts`` fixture serves (on hemi:local
    the same funded accounts, as ape account objects)."""

    @pytest.fixture
    def accounts(self, devchain: Any) -> list[Any]:
        """The devchain's funded accounts (checksummed address strings with ``.private_key``)."""
        accounts: list[Any] = devchain.accounts
        return accounts
