"""The fixtures of hemi's pytest plugin: this module is registered as the plugin ``hemi-fixtures`` by
:func:`hemi.testing.plugin.pytest_configure` unless ``hemi_fixtures = off``. They are module-level functions that read
the plugin's state (:mod:`hemi.testing.state`) through ``request.config``: pytest 9 deprecates session-scoped
fixtures defined as methods of a plugin instance, an error under ``-W error``. Without ape they run on hemi's own
session devchain, each test inside ``dev.anchor()``; under ape's pytest plugin the devchain is ape's
(``chain.provider.devchain`` on ``hemi:local``) and ape isolates. Nothing heavy is imported until a fixture runs.
``accounts`` (only without ape) is in :mod:`hemi.testing.accounts_fixture`, ``fork_devchain`` in
:mod:`hemi.testing.fork_fixture`."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hemi.errors import HemiValueError  # hemi.errors imports nothing
from hemi.testing import _ape
from hemi.testing.state import HemiPluginState, plugin_state

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


@pytest.fixture(scope="session")
def hemi_devchains(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``get(**overrides)``: the session's devchain for a configuration, built on first request."""
    cache: dict[tuple, Any] = {}
    state = plugin_state(request.config)

    def get(**overrides: Any) -> Any:
        cfg = {"seed": state.seed, **state.devchain_config, **overrides}
        key = tuple(sorted((k, repr(v)) for k, v in cfg.items()))
        dev = cache.get(key)
        if dev is None:
            Devchain = _import_devchain()
            seed = cfg.pop("seed")
            try:
                dev = Devchain(seed=seed, **cfg)
            except (HemiValueError, TypeError) as e:  # a misspelt or bad setting (HemiValueError names it)
                problem = f"{type(e).__name__}: {e}"
            else:
                cache[key] = dev
                return dev
            # outside the except: no "during handling of the above exception" in the report
            where = [f"{name}: {given!r}" for name, given in (("ini hemi_devchain_config", state.devchain_config),
                                                              ("this test's overrides", overrides)) if given]
            pytest.fail(f"hemi devchain configuration {cfg!r}: {problem}" + (f" [{'; '.join(where)}]" if where else ""),
                        pytrace=False)
        return dev

    return get


def _ape_devchain(state: HemiPluginState) -> Any:
    """ape's devchain (its provider's, on hemi:local); skips the test, saying why, on any other network."""
    dev, why = _ape.connected_devchain()
    if dev is None:
        state.note(f"hemi: devchain fixtures off: {why}")
        pytest.skip(f"hemi fixtures: {why}")
    return dev


@pytest.fixture(scope="session")
def devchain_session(request: pytest.FixtureRequest, hemi_devchains: Callable[..., Any]) -> Any:
    """The session devchain itself, not isolated: changes made through it stay for the rest of the session.
    Under ape: ape's devchain (ape's isolation still applies to the tests)."""
    state = plugin_state(request.config)
    if state.ape is not None:
        return _ape_devchain(state)
    return hemi_devchains()


@pytest.fixture
def devchain(request: pytest.FixtureRequest, hemi_devchains: Callable[..., Any]) -> Iterator[Any]:
    """The session devchain, inside ``with dev.anchor():``: both chains are back where they were afterwards.
    Under ape: ``chain.provider.devchain`` (hemi:local), isolated by ape's own snapshot of the provider."""
    state = plugin_state(request.config)
    marker = request.node.get_closest_marker("hemi")
    if marker is not None and marker.args:
        pytest.fail("@pytest.mark.hemi takes keyword arguments only (seed=..., Devchain settings)", pytrace=False)
    if state.ape is not None and marker is None:
        yield _ape_devchain(state)  # ape snapshots it before the test and reverts after: both chains
        return
    dev = hemi_devchains(**(marker.kwargs if marker is not None else {}))
    automine = dev.automine
    with dev.anchor():
        try:
            yield dev
        finally:
            dev.automine = automine


@pytest.fixture
def w3(devchain: Any) -> Any:
    """``web3.Web3`` bound in-process to the isolated devchain."""
    return devchain.w3


@pytest.fixture
def btc(devchain: Any) -> Any:
    """The isolated devchain's embedded Bitcoin chain (``hemi.btc.BitcoinChain``)."""
    return devchain.btc


@pytest.fixture
def bitcoin_kit(devchain: Any) -> Any:
    """hBK (``IBitcoinKit``) as a web3 contract at its mainnet address on the isolated devchain."""
    kit = devchain.bitcoin_kit
    if not devchain.w3.eth.get_code(kit.address):
        raise RuntimeError(HBK_MISSING.format(address=kit.address))
    return kit


@pytest.fixture
def tunnel(devchain: Any) -> Any:
    """The isolated devchain's Bitcoin tunnel (``dev.tunnel``): deposits, withdrawals, the operator, audit."""
    return devchain.tunnel


@pytest.fixture
def btc_reorg_depth() -> int:
    """The Bitcoin reorg depth of this run of a ``@pytest.mark.btc_reorg(depths=...)`` test."""
    pytest.fail("btc_reorg_depth comes from @pytest.mark.btc_reorg(depths=(...)) on the test", pytrace=False)
