"""How hemi's pytest fixtures share ape's chain when ape's pytest plugin runs the session.

ape's plugin (``ape_test``) is loaded by ``ape test`` and, through its ``pytest11`` entry point, by plain ``pytest``
too whenever eth-ape is installed. It connects one provider for the session (``--network``, else the default
ecosystem's default network: ``ethereum:local`` unless ape-config.yaml says ``default_ecosystem: hemi``) in its
``pytest_collection_finish`` and isolates every test with a snapshot of that provider. For hemi's fixtures to be
views of that one chain, the provider has to be ape-hemi's ``hemi:local`` (``HemiDevchainProvider``), whose
``devchain`` property is the :class:`hemi.Devchain` it runs and whose snapshots hold both chains.

So, when some collected test uses a hemi fixture:

* no ``--network`` and a default ecosystem other than hemi: the session's network becomes ``hemi:local`` (a note
  says so at the end of the run), so ape's ``accounts``/``chain`` and hemi's ``devchain`` are the same chain;
* ``--network`` names another network: the hemi fixtures skip their tests, saying why (in the skip reason and in a
  line of the terminal summary, which ``-q`` keeps).

Nothing here imports ape at module level: the plugin module imports this one lazily, only when ape's plugin is
active.
"""

from __future__ import annotations

import importlib.util
from typing import Any

HEMI_LOCAL = "hemi:local"


def ape_hemi_installed() -> bool:
    """True if the ape-hemi plugin (module ``ape_hemi``) is importable, so ``hemi:local`` exists in ape."""
    return importlib.util.find_spec("ape_hemi") is not None


def default_ecosystem_name() -> str:
    """ape's default ecosystem for this project (``default_ecosystem:`` in ape-config.yaml, else ethereum)."""
    from ape import networks  # deferred: importing ape costs ~1 s and only ape sessions come here

    return str(networks.default_ecosystem_name)


def choose_network(given: str | None) -> tuple[str | None, str | None]:
    """``(network to set, note)`` for a session whose tests use hemi fixtures; ``(None, None)`` leaves ape's choice.

    ``given`` is ape's ``--network`` option (None when not given)."""
    if given:
        return None, None  # the user chose; the fixtures check the connected provider when they run
    if not ape_hemi_installed():
        return None, None  # no hemi:local to switch to; the fixtures say so when they run
    ecosystem = default_ecosystem_name()
    if ecosystem == "hemi":
        return None, None  # hemi's default network (hemi:local unless configured otherwise)
    return HEMI_LOCAL, (f"hemi: ape's network for this run is {HEMI_LOCAL} (tests use hemi fixtures and no "
                        f"--network was given; default_ecosystem is {ecosystem!r}). Set `default_ecosystem: hemi` "
                        f"in ape-config.yaml or pass --network to choose.")


def connected_devchain() -> tuple[Any, str | None]:
    """``(devchain, None)`` when ape's connected provider is hemi:local, else ``(None, why not)``."""
    from ape import chain  # deferred: see default_ecosystem_name
    from ape.exceptions import ProviderNotConnectedError

    try:
        provider = chain.provider
    except ProviderNotConnectedError:
        return None, "ape is not connected to a network"
    if not ape_hemi_installed():
        return None, (f"ape's network is {_choice(provider)} and the ape-hemi plugin is not installed "
                      f"(pip install ape-hemi, or the repository's plugins/ape-hemi)")
    # ape-hemi's hemi:local provider, recognised by its network and its `devchain` (hemi never imports ape_hemi)
    network = provider.network
    if not (network.ecosystem.name == "hemi" and network.is_local and hasattr(type(provider), "devchain")):
        return None, (f"ape's network is {_choice(provider)}, not {HEMI_LOCAL}: the hemi fixtures run on ape's "
                      f"chain, so run with --network {HEMI_LOCAL} (or set `default_ecosystem: hemi` in "
                      f"ape-config.yaml)")
    return provider.devchain, None


def _choice(provider: Any) -> str:
    try:
        return str(provider.network_choice)
    except Exception:  # noqa: BLE001 - only for the message
        return type(provider).__name__
