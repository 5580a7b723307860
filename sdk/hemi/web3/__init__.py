"""web3.py integration: the in-process provider behind ``Devchain.w3``."""

import hemi._quiet_web3  # noqa: F401 - before anything imports web3: silences websockets.legacy's warning
