"""hemi-sdk's pytest plugin, registered through the ``pytest11`` entry point ``hemi``.

Loading it is cheap: this module imports only pytest (no web3, py-evm or ``hemi.node``); the devchain is built on
first use of a fixture, once per test session, and each test runs inside ``with dev.anchor():`` so whatever it does
to either chain is undone afterwards.

Fixtures (function scope, all views of the same isolated session devchain): ``devchain``, ``w3``, ``btc``,
``accounts``, ``bitcoin_kit``, ``tunnel``; plus ``devchain_session`` (session scope, not isolated: for module-scoped set-up;
what is done through it stays) and ``btc_reorg_depth`` (from the ``btc_reorg`` marker).

Options: ``--hemi-seed N`` / ini ``hemi_seed`` (default 0); ini ``hemi_devchain_config``: ``key=value`` lines of
:class:`~hemi.node.devchain.DevchainConfig` fields; ini ``hemi_fixtures``: ``auto`` (default), ``on`` or ``off``.

Markers: ``@pytest.mark.btc_reorg(depths=(1, 3, 6))`` runs the test once per Bitcoin reorg depth, passing it as
``btc_reorg_depth``; ``@pytest.mark.hemi(seed=..., **config)`` gives the test a devchain with that configuration
(one per distinct configuration per session, isolated the same way).

Standing down under ape: ape's pytest plugin (``ape_test = ape.pytest.plugin`` in eth-ape's ``pytest11`` entry
points) takes pytest over whenever it is installed and not blocked: it is loaded by plain ``pytest`` as well as by
``ape test`` (which calls ``pytest.main(args, ["ape_test"])``), and in its ``pytest_configure`` registers its runner
(``"ape-test"``) and fixtures (``"ape-fixtures"``, among them ``accounts``). With ``hemi_fixtures = auto`` this plugin
then registers no fixtures at all, so ape's fixtures and isolation are the only ones. The check looks in
``config.pluginmanager`` (so ``-p no:ape_test`` turns ape off and these fixtures on), not at ``sys.modules``: user
code may import ape without ape running the tests. Markers stay registered either way (``--strict-markers``).
``hemi_fixtures = on`` registers them even under ape; they are registered after ape's, so hemi's ``accounts``
then shadows ape's.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import pytest

FIXTURES_PLUGIN_NAME = "hemi-fixtures"
APE_PLUGIN_NAMES = ("ape_test", "ape-test", "ape-fixtures")  # entry point; runner and fixtures from its configure
DEFAULT_REORG_DEPTHS = (1, 3, 6)
_STATE = pytest.StashKey["HemiPluginState"]()


class HemiPluginState:
    """What the plugin decided at configure time (``config.stash``)."""

    def __init__(self, seed: int, devchain_config: dict[str, Any], enabled: bool, reason: str) -> None:
        self.seed = seed
        self.devchain_config = devchain_config
        self.enabled = enabled
        self.reason = reason


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hemi", "hemi-sdk devchain")
    group.addoption("--hemi-seed", action="store", type=int, default=None, dest="hemi_seed",
                    help="seed of the session devchain (overrides the hemi_seed ini option; default 0)")
    parser.addini("hemi_seed", "seed of the session devchain (default 0)", default="0")
    parser.addini("hemi_devchain_config", "key=value lines of Devchain settings (e.g. hvm_indexer_lag=0)",
                  type="linelist", default=[])
    parser.addini("hemi_fixtures", "auto (default: off when ape's pytest plugin is active), on, or off",
                  default="auto")


def ape_plugin_active(config: pytest.Config) -> Optional[str]:
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
        return cli
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
    if mode == "off":
        enabled, reason = False, "hemi_fixtures = off"
    elif mode == "on":
        enabled, reason = True, "hemi_fixtures = on" + (f" (ape's plugin {ape!r} is active too)" if ape else "")
    elif ape is not None:
        enabled, reason = False, (f"ape's pytest plugin is active ({ape!r}); run with -p no:ape_test to use "
                                  f"hemi's fixtures, or -o hemi_fixtures=on to have both")
    else:
        enabled, reason = True, "auto"
    state = HemiPluginState(_seed(config), parse_devchain_config(config.getini("hemi_devchain_config")),
                            enabled, reason)
    config.stash[_STATE] = state
    if enabled and not config.pluginmanager.has_plugin(FIXTURES_PLUGIN_NAME):
        from hemi.testing.fixtures import HemiFixtures

        config.pluginmanager.register(HemiFixtures(state), FIXTURES_PLUGIN_NAME)


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    if not state.enabled:
        return f"hemi: devchain fixtures off: {state.reason}"
    extra = "".join(f" {k}={v}" for k, v in state.devchain_config.items())
    return f"hemi: devchain fixtures on (seed={state.seed}{extra})"


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
