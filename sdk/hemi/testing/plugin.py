"""hemi-sdk's pytest plugin, registered through the ``pytest11`` entry point ``hemi``.

Loading it is cheap: this module imports only pytest (no web3, py-evm or ``hemi.node``); without ape the devchain
is built on first use of a fixture, once per test session (once per worker under pytest-xdist: each worker is its
own process), and each test runs inside ``with dev.anchor():`` so whatever it does to either chain is undone
afterwards.

Fixtures (function scope, all views of the same isolated session devchain): ``devchain``, ``w3``, ``btc``,
``bitcoin_kit``, ``tunnel``, and ``accounts`` when ape is not running the session; plus ``devchain_session``
(session scope, not isolated: for module-scoped set-up; what is done through it stays) and ``btc_reorg_depth``
(from the ``btc_reorg`` marker); ``fork_devchain`` (a devchain forked from ``--hemi-fork-url`` /
``$HEMI_FORK_URL``: :mod:`hemi.testing.fork_fixture`).

Options: ``--hemi-seed N`` / ini ``hemi_seed`` (default 0); ini ``hemi_devchain_config``: ``key=value`` lines of
:class:`~hemi.node.devchain.DevchainConfig` fields; ini ``hemi_fixtures``: ``auto`` (default) or ``on`` (the same:
registered), or ``off``.

Markers: ``@pytest.mark.btc_reorg(depths=(1, 3, 6))`` runs the test once per Bitcoin reorg depth, passing it as
``btc_reorg_depth``; ``@pytest.mark.hemi(seed=..., **config)`` gives the test a devchain with that configuration
(one per distinct configuration per session, isolated the same way).

Under ape (``ape test``, or plain ``pytest`` with eth-ape installed, whose ``pytest11`` entry point ``ape_test``
loads ape's plugin into every run): the fixtures are views of ape's chain. ``devchain`` is
``chain.provider.devchain`` when ape's network is ``hemi:local``; ape's ``accounts`` and ``chain`` fixtures are
never shadowed (hemi's ``accounts`` exists only without ape); ape's isolation (a provider snapshot per test, which
on ``hemi:local`` is a devchain snapshot of both chains) replaces hemi's. When tests use hemi fixtures and no
``--network`` was given, the run's network becomes ``hemi:local`` unless ape-config.yaml sets
``default_ecosystem: hemi``; with another network the fixtures skip, saying why. See :mod:`hemi.testing._ape`.
``@pytest.mark.hemi(...)`` tests get a devchain of their own configuration under ape too (isolated as without
ape). Whenever the fixtures stand down or the network is chosen for the user, a line in the terminal summary says
why; that summary survives ``-q`` (the report header does not).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from hemi.testing import fork_fixture  # imports only pytest
from hemi.testing.state import STATE as _STATE
from hemi.testing.state import HemiPluginState  # imports only pytest

FIXTURES_PLUGIN_NAME = "hemi-fixtures"
APE_PLUGIN_NAMES = ("ape_test", "ape-test", "ape-fixtures")  # entry point; runner and fixtures from its configure
DEFAULT_REORG_DEPTHS = (1, 3, 6)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hemi", "hemi-sdk devchain")
    group.addoption("--hemi-seed", action="store", type=int, default=None, dest="hemi_seed",
                    help="seed of the session devchain (overrides the hemi_seed ini option; default 0)")
    parser.addini("hemi_seed", "seed of the session devchain (default 0)", default="0")
    parser.addini("hemi_devchain_config", "key=value lines of Devchain settings (e.g. hvm_indexer_lag=0)",
                  type="linelist", default=[])
    parser.addini("hemi_fixtures", "auto (default) or on: the fixtures are registered (under ape they follow ape's "
                                   "chain); off: not registered", default="auto")
    fork_fixture.add_options(parser)  # fork_devchain: --hemi-fork-url / --hemi-fork-block


def ape_plugin_active(config: pytest.Config) -> str | None:
    """The name of ape's pytest plugin if it is registered in this session (not blocked by ``-p no:ape_test``)."""
    pm = config.pluginmanager
    for name in APE_PLUGIN_NAMES:
        if pm.get_plugin(name) is not None:
            return name
    for plugin in pm.get_plugins():  # loaded some other way, e.g. `-p ape.pytest.plugin`
        mod = getattr(plugin, "__name__", None)
        if not isinstance(mod, str):
            mod = type(plugin).__module__
        if mod == "ape.pytest" or mod.startswith("ape.pytest."):
            return pm.get_name(plugin) or mod
    return None


def parse_devchain_config(lines: list[str]) -> dict[str, Any]:
    """``["hvm_indexer_lag=0", "automine = false"]`` -> ``{"hvm_indexer_lag": 0, "automine": False}``.

    One ``key=value`` per line (the value may hold spaces, e.g. a mnemonic), or several on a line separated by
    commas or spaces; ``#`` starts a comment; ints (also ``0x..``) and true/false are converted."""
    out: dict[str, Any] = {}
    for line in lines:
        line = re.sub(r"\s*=\s*", "=", line.split("#", 1)[0]).strip()
        if not line:
            continue
        items = [line] if line.count("=") == 1 else [i for i in re.split(r"[,\s]+", line) if i]
        for item in items:
            key, sep, value = item.partition("=")
            if not sep or not key.isidentifier():
                raise pytest.UsageError(f"hemi_devchain_config: expected key=value, got {item!r}")
            out[key] = _parse_value(value)
    return out


def _parse_value(value: str) -> Any:
    low = value.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    try:
        return int(value, 0)
    except ValueError:
        return value.strip("'\"")


def _seed(config: pytest.Config) -> int:
    cli = config.getoption("hemi_seed", None)
    if cli is not None:
        return int(cli)
    raw = str(config.getini("hemi_seed")).strip() or "0"
    try:
        return int(raw, 0)
    except ValueError:
        raise pytest.UsageError(f"hemi_seed must be an integer, got {raw!r}") from None


@pytest.hookimpl(trylast=True)  # after ape's pytest_configure has registered its runner and fixtures
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "btc_reorg(depths=(1, 3, 6)): run the test once per Bitcoin reorg depth, "
                                       "passed as the btc_reorg_depth argument (hemi-sdk)")
    config.addinivalue_line("markers", "hemi(seed=None, **config): run the test on a devchain with these Devchain "
                                       "settings (hemi-sdk)")
    mode = str(config.getini("hemi_fixtures")).strip().lower() or "auto"
    if mode not in ("auto", "on", "off"):
        raise pytest.UsageError(f"hemi_fixtures is auto, on or off, got {mode!r}")
    ape = ape_plugin_active(config)
    enabled = mode != "off"
    reason = "hemi_fixtures = off" if not enabled else (f"on ape's chain ({ape!r} is active)" if ape else "auto")
    fork_url, fork_block = fork_fixture.fork_settings(config) if enabled else (None, None)
    state = HemiPluginState(_seed(config), parse_devchain_config(config.getini("hemi_devchain_config")),
                            enabled, reason, ape, fork_url, fork_block)
    config.stash[_STATE] = state
    if not enabled:
        state.note("hemi: devchain fixtures off: hemi_fixtures = off")
        return
    if not config.pluginmanager.has_plugin(FIXTURES_PLUGIN_NAME):
        # The fixtures are module-level functions (reading `state` through request.config), registered by
        # registering their modules: pytest 9 deprecates session fixtures defined as methods of a plugin object.
        # deferred: the fixture modules load only when the fixtures are on (test_plugin.py checks the import)
        from hemi.testing import accounts_fixture, fixtures

        config.pluginmanager.register(fixtures, FIXTURES_PLUGIN_NAME)
        config.pluginmanager.register(fork_fixture, FIXTURES_PLUGIN_NAME + "-fork")
        if ape is None:  # under ape, `accounts` is ape's (on hemi:local: the devchain's funded accounts)
            config.pluginmanager.register(accounts_fixture, FIXTURES_PLUGIN_NAME + "-accounts")


def uses_hemi_fixtures(item: pytest.Item) -> bool:
    """True if the test resolves one of its fixtures to hemi's (not to a conftest fixture of the same name)."""
    info = getattr(item, "_fixtureinfo", None)
    for defs in (getattr(info, "name2fixturedefs", None) or {}).values():
        if defs and getattr(defs[-1].func, "__module__", None) == "hemi.testing.fixtures":
            return True
    return False


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # Runs before ape connects (ape's runner does it in pytest_collection_finish), so the network can still be set.
    state = config.stash.get(_STATE, None)
    if state is None or not state.enabled or state.ape is None or not any(map(uses_hemi_fixtures, items)):
        return
    from hemi.testing import _ape  # deferred: imports ape, which only ape sessions have loaded anyway

    network, note = _ape.choose_network(config.getoption("network", None))
    if network is not None:
        config.option.network = network
    if note:
        state.note(note)


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    if not state.enabled:
        return f"hemi: devchain fixtures off: {state.reason}"
    if state.ape is not None:
        return f"hemi: devchain fixtures on ape's chain ({state.ape!r} is active; the network must be hemi:local)"
    extra = "".join(f" {k}={v}" for k, v in state.devchain_config.items())
    return f"hemi: devchain fixtures on (seed={state.seed}{extra})"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    # The report header is hidden by -q; the terminal summary is not, so what the user must know goes here.
    state = config.stash.get(_STATE, None)
    if state is None or not state.notes or getattr(config, "workerinput", None) is not None:
        return
    for line in state.notes:
        terminalreporter.write_line(line, yellow=True)


def reorg_depths(marker: pytest.Mark) -> tuple[int, ...]:
    """The depths of a ``btc_reorg`` marker: ``btc_reorg()``, ``btc_reorg(depths=(1, 3))``, ``btc_reorg(1, 3)``."""
    if marker.args and "depths" in marker.kwargs:
        raise pytest.UsageError("btc_reorg: give depths either positionally or as depths=..., not both")
    raw: Any = marker.kwargs.get("depths", marker.args or DEFAULT_REORG_DEPTHS)
    if len(marker.args) == 1 and isinstance(marker.args[0], (list, tuple, range)):
        raw = marker.args[0]
    if isinstance(raw, int):
        raw = (raw,)
    depths = tuple(raw)
    if not depths or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in depths):
        raise pytest.UsageError(f"btc_reorg depths must be positive ints, got {raw!r}")
    return depths


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("btc_reorg")
    if marker is None:
        return
    depths = reorg_depths(marker)
    if "btc_reorg_depth" not in metafunc.fixturenames:
        metafunc.fixturenames.append("btc_reorg_depth")  # parametrise even when the test does not take it
    metafunc.parametrize("btc_reorg_depth", depths, ids=[f"btc_reorg{d}" for d in depths])
