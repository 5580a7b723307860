"""Imports ``websockets.legacy`` once with its deprecation warning silenced, so that no user run shows it.

web3 7 imports its legacy WebSocket provider (``web3.providers.legacy_websocket``), and with it websockets'
deprecated ``websockets.legacy`` package, whenever ``web3`` itself is imported; websockets (>= 14) then warns about
code the user never called, once per process, in every test run and ``-W default`` script that builds a devchain.
Importing the package here first, under a filter that matches only that warning, leaves it in ``sys.modules`` so the
later import by web3 is silent; every other warning still shows. The packages that reach web3 (``hemi.node``,
``hemi.rpc``, ``hemi.web3``) import this module in their ``__init__``; it costs about 60 ms, paid only by them.
"""

import warnings

_WEBSOCKETS_LEGACY = r"websockets\.legacy is deprecated"

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=_WEBSOCKETS_LEGACY, category=DeprecationWarning)
    try:
        import websockets.legacy.client  # noqa: F401 - the import is the point: it fills sys.modules silently
    except ImportError:  # a websockets without the legacy package: web3 then has nothing deprecated to import
        pass
