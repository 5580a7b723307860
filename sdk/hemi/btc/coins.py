"""The UTXO set with the two indexes the hVM reads: outputs by scriptPubKey, and transaction locations.

Changes go through ``add``/``spend`` so the address index always matches the coins; block connection records the
spent coins as undo data, which is how reorgs and snapshot reverts restore the exact previous state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

Outpoint = tuple[bytes, int]  # (txid in internal order, output index)


@dataclass(frozen=True, slots=True)
class Coin:
    """An unspent output: value, script, and where it was created (height, position of its tx in the block)."""

    value: int
    spk: bytes
    height: int
    position: int
    coinbase: bool


class CoinsView:
    """UTXO set + scriptPubKey index. Not thread-safe; owned by one BitcoinChain."""

    __slots__ = ("coins", "by_script")

    def __init__(self) -> None:
        self.coins: dict[Outpoint, Coin] = {}
        self.by_script: dict[bytes, dict[Outpoint, Coin]] = {}

    def get(self, outpoint: Outpoint) -> Coin | None:
        return self.coins.get(outpoint)

    def add(self, outpoint: Outpoint, coin: Coin) -> None:
        self.coins[outpoint] = coin
        bucket = self.by_script.get(coin.spk)
        if bucket is None:
            self.by_script[coin.spk] = {outpoint: coin}
        else:
            bucket[outpoint] = coin

    def spend(self, outpoint: Outpoint) -> Coin:
        coin = self.coins.pop(outpoint)
        bucket = self.by_script[coin.spk]
        del bucket[outpoint]
        if not bucket:
            del self.by_script[coin.spk]
        return coin

    def for_script(self, spk: bytes) -> Iterator[tuple[Outpoint, Coin]]:
        """Unspent outputs paying ``spk`` in index order: (height, position in block, output index)."""
        bucket = self.by_script.get(spk)
        if not bucket:
            return iter(())
        return iter(sorted(bucket.items(), key=lambda kv: (kv[1].height, kv[1].position, kv[0][1])))

    def balance(self, spk: bytes) -> int:
        bucket = self.by_script.get(spk)
        return sum(c.value for c in bucket.values()) if bucket else 0
