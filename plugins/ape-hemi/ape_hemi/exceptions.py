"""Errors of the ape plugin. Each extends the ape error a user of ape already catches; hemi-sdk's own error is
kept as the cause (``raise ... from err``), so both stories are in the traceback."""

from __future__ import annotations

from ape.exceptions import CompilerError, ConfigError, ProviderError


class HemiProviderError(ProviderError):
    """The devchain behind ``hemi:local`` refused a request (a timestamp in the past, a bad address, ...)."""


class HemiConfigError(ConfigError):
    """The ``hemi:`` settings (or provider settings) do not make a valid devchain."""


class HemiSolcUnavailable(CompilerError):
    """No solc could be obtained for ape-solidity, neither downloaded nor through solcjs from npm."""

    def __init__(self, version: str, cause: Exception) -> None:
        self.version = version
        super().__init__(f"solc {version} is not available to ape-solidity: {cause}")
