"""``hemi:local:devchain``: hemi-sdk's in-process devchain as an ape test provider.

A thin face: the provider builds one :class:`hemi.Devchain` on ``connect()``; ape's requests go through the same
in-process web3 provider and JSON-RPC method table (``hemi.rpc``) that ``dev.w3`` and the ``hemi devchain``
server use, and ape's test controls call the devchain's own methods (``mine``, ``set_next_timestamp``,
``set_balance``, ``set_code``, ``set_storage``, ``impersonate``, ``automine``). Blocks, nonces, time and snapshots
belong to the devchain; nothing is counted here. ``snapshot``/``restore`` go through ``evm_snapshot``/``evm_revert``,
which number the devchain's snapshots as anvil does; one snapshot holds both chains, the hVM view, keystones and PoP
state, so ape's per-test isolation also undoes Bitcoin blocks.

What ape has no word for (mining Bitcoin, the sequencer, finality, provenance) is on :attr:`devchain`::

    dev = chain.provider.devchain
    dev.btc.mine(3); dev.sync_btc()
    dev.superfinalize(receipt.txn_hash)

Errors the devchain raises reach the caller as ape errors (``HemiProviderError``, ``HemiConfigError``,
``UnknownSnapshotError``) with hemi's error as their cause.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ape.api.config import PluginConfig
from ape.api.providers import TestProviderAPI
from ape.exceptions import ProviderError, ProviderNotConnectedError, UnknownSnapshotError
from ape.utils.testing import DEFAULT_TEST_HD_PATH
from ape_ethereum.provider import Web3Provider
from eth_utils import to_hex

from ape_hemi.config import DEVCHAIN_SETTINGS, LOCAL_PROVIDER_NAME, RENAMED_SETTINGS, HemiConfig
from ape_hemi.exceptions import HemiConfigError, HemiProviderError
from hemi.errors import HemiError

if TYPE_CHECKING:
    from ape.api.accounts import TestAccountAPI
    from ape.types.address import AddressType
    from ape.types.vm import SnapshotID

    from hemi.devchain import Devchain


class HemiDevchainProvider(TestProviderAPI, Web3Provider):
    """ape's provider of ``hemi:local``; :attr:`devchain` is the :class:`hemi.Devchain` it runs."""

    NAME: ClassVar[str | None] = LOCAL_PROVIDER_NAME

    _devchain: Any = None  # the hemi.Devchain while connected

    # ------------------------------------------------------------------ connection

    @property
    def config(self) -> HemiConfig:
        config: HemiConfig = self.config_manager.get_config("hemi")
        return config

    @property
    def settings(self) -> PluginConfig:
        """This connection's ``provider_settings`` (Devchain settings over ``hemi:``; no RPC URIs: in-process)."""
        return PluginConfig.model_validate(self.provider_settings)

    @property
    def devchain(self) -> Devchain:
        """The :class:`hemi.Devchain` behind ``hemi:local``: its Bitcoin chain, sequencer, PoP and finality."""
        if self._devchain is None:
            raise ProviderNotConnectedError()
        dev: Devchain = self._devchain
        return dev

    def devchain_kwargs(self) -> dict[str, Any]:
        """``Devchain(**kwargs)`` for the ``hemi:`` settings, this connection's ``provider_settings`` and ape's
        ``test:`` accounts (mnemonic, number, balance)."""
        ape_names = {devchain: ape for ape, devchain in RENAMED_SETTINGS.items()}  # evm_fork is `evm` in ape
        provider = {ape_names.get(k, k): v for k, v in self.provider_settings.items()}
        names = (*DEVCHAIN_SETTINGS, *RENAMED_SETTINGS)
        unknown = sorted(set(provider) - set(names))
        if unknown:
            raise HemiConfigError(f"unknown hemi:local provider setting(s) {unknown}; the devchain takes "
                                  f"{', '.join(names)}")
        try:
            settings = HemiConfig.model_validate({**{n: getattr(self.config, n) for n in names}, **provider})
        except ValueError as err:  # pydantic's ValidationError is a ValueError
            raise HemiConfigError(f"invalid hemi:local setting: {err}") from err
        test = self.config_manager.get_config("test")
        if str(test.hd_path).rstrip("/") != DEFAULT_TEST_HD_PATH.rstrip("/"):
            raise HemiConfigError(f"hemi:local derives its accounts on {DEFAULT_TEST_HD_PATH}/<i> (as anvil does); "
                                  f"test.hd_path {test.hd_path!r} is not supported")
        return {**settings.devchain_settings(), "mnemonic": test.mnemonic,
                "accounts": test.number_of_accounts, "balance": test.balance}

    def connect(self) -> None:
        from hemi.devchain import Devchain  # deferred: py-evm and web3 (~1 s), only when hemi:local connects
        from hemi.errors import HemiError  # deferred: with the devchain above

        kwargs = self.devchain_kwargs()
        try:
            dev = Devchain(**kwargs)
        except HemiError as err:
            raise HemiConfigError(f"hemi:local cannot start its devchain: {err}") from err
        self._devchain = dev
        self._web3 = dev.w3  # the devchain's own in-process web3: one face, one JSON-RPC table

    def disconnect(self) -> None:
        if self._devchain is not None:
            self.chain_manager._snapshots[self.chain_id] = []  # snapshots die with the devchain
        self._web3 = None
        self._devchain = None

    def update_settings(self, new_settings: dict) -> None:
        """Reconnect with a fresh devchain made with ``new_settings`` (Devchain settings) on top."""
        self.provider_settings = {**self.provider_settings, **new_settings}
        self.disconnect()
        self.connect()

    @property
    def chain_id(self) -> int:
        if self._devchain is not None:
            return int(self._devchain.config.chain_id)
        return int(self.provider_settings.get("chain_id", self.config.chain_id))

    @property
    def http_uri(self) -> str | None:
        return None  # in-process: `hemi devchain` serves the same chain over HTTP when one is needed

    @property
    def ws_uri(self) -> str | None:
        return None

    @property
    def ipc_path(self) -> None:
        return None

    @property
    def connection_str(self) -> str:
        return "hemi-sdk devchain (in-process)"

    @property
    def supports_tracing(self) -> bool:
        return False

    @property
    def max_gas(self) -> int:
        # What a transaction may use in the block being built: ape sends local transactions with this much gas
        # ("max"); the devchain keeps every block's limit at its configured gas_limit. On OP-stack blocks the
        # block's system transactions come first: what they used once the block is open, their gas limits before
        # (a read must not open the block: that takes its Bitcoin step).
        dev = self.devchain
        if dev.op is None:
            return int(dev.engine.pending_header.gas_limit)
        return dev.op.gas_available()

    # ------------------------------------------------------------------ accounts

    def get_test_account(self, index: int) -> TestAccountAPI:
        accounts = self.devchain.accounts
        if not 0 <= index < len(accounts):
            raise IndexError(f"No account at index '{index}'")
        account = accounts[index]
        test_account: TestAccountAPI = self.account_manager.init_test_account(index, account.address,
                                                                              to_hex(account.private_key))
        return test_account

    # ------------------------------------------------------------------ test controls

    def _devchain_call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a Devchain control; its typed error becomes ape's, with hemi's error as the cause."""
        try:
            return fn(*args, **kwargs)
        except HemiError as err:
            raise HemiProviderError(f"{what}: {err}") from err

    def snapshot(self) -> SnapshotID:
        # through the RPC table, which numbers the devchain's snapshots as anvil does (ids ape can store)
        try:
            return self.make_request("evm_snapshot", [])
        except ProviderNotConnectedError:
            raise
        except ProviderError as err:
            raise HemiProviderError(f"evm_snapshot: {err}") from err

    def restore(self, snapshot_id: SnapshotID) -> None:
        if snapshot_id is None:
            return
        try:
            restored = self.make_request("evm_revert", [snapshot_id])
        except ProviderNotConnectedError:
            raise
        except ProviderError as err:  # not a snapshot id at all
            raise UnknownSnapshotError(snapshot_id) from err
        if not restored:  # unknown, or used up by an earlier restore
            raise UnknownSnapshotError(snapshot_id)

    def set_timestamp(self, new_timestamp: int) -> None:
        self._devchain_call("set_timestamp", self.devchain.set_next_timestamp, int(new_timestamp))

    def mine(self, num_blocks: int = 1) -> None:
        self._devchain_call("mine", self.devchain.mine, int(num_blocks))

    @property
    def auto_mine(self) -> bool:
        return self.devchain.automine

    @auto_mine.setter
    def auto_mine(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"auto_mine is True or False, got {value!r}")
        self.devchain.automine = value

    def set_balance(self, address: AddressType, amount: int) -> None:
        self._devchain_call("set_balance", self.devchain.set_balance, address, wei=int(amount))

    def set_code(self, address: AddressType, code: Any) -> bool:
        self._devchain_call("set_code", self.devchain.set_code, address, bytes.fromhex(to_hex(code)[2:]))
        return True

    def set_storage(self, address: AddressType, slot: int, value: Any) -> None:
        word = value if isinstance(value, int) else int.from_bytes(bytes.fromhex(to_hex(value)[2:]), "big")
        self._devchain_call("set_storage", self.devchain.set_storage, address, int(slot), word)

    def unlock_account(self, address: AddressType) -> bool:
        self._devchain_call("unlock_account", self.devchain.impersonate, address)
        return True

    def relock_account(self, address: AddressType) -> None:
        self._devchain_call("relock_account", self.devchain.stop_impersonating, address)
