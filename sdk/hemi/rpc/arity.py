"""How many params each JSON-RPC method takes, checked before it runs, so a wrong count reads
``evm_revert expects 1 parameter (snapshot id), got 0`` for every method instead of Python's TypeError text
(``revert() missing 1 required positional argument: 'sid'``).

The counts come from the method functions' signatures (``(api, *params)``: positional parameters without a default
are required, with one optional, ``*rest`` takes any number more); the words in the message come from
:data:`LABELS`, what each parameter is in the JSON-RPC API, never from Python's wording.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# a method function's parameter name -> what it is on the wire (any other name is shown with spaces for "_")
LABELS = {
    "sid": "snapshot id", "obj": "transaction object", "tag": "block", "ts": "timestamp", "fid": "filter id",
    "flt": "filter object", "raw": "signed transaction data", "typed": "typed data", "on": "enabled",
    "arg": "block count or options", "abrev_hash": "keystone hash", "full": "full transactions", "n": "count",
    "tx": "deposit transaction", "payload": "simulation payload", "config": "tracer config",
    "overrides": "state overrides", "keys": "storage keys", "newest": "newest block", "block": "block",
    "new_blocks": "new blocks", "drop": "drop transactions", "btc_address": "Bitcoin address",
}


@dataclass(frozen=True)
class Arity:
    """The params one method takes: ``required`` labels, then ``optional`` ones, then any number more if
    ``rest``."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    rest: bool = False

    @classmethod
    def of(cls, fn: Callable[..., Any]) -> Arity | None:
        """The arity of a bound method (``functools.partial(handler, api)``); None when it cannot be read."""
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            return None
        required: list[str] = []
        optional: list[str] = []
        rest = False
        for p in sig.parameters.values():
            label = LABELS.get(p.name, p.name.strip("_").replace("_", " "))
            if p.kind is p.VAR_POSITIONAL:
                rest = True
            elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                (required if p.default is p.empty else optional).append(label)
        return cls(tuple(required), tuple(optional), rest)

    def accepts(self, count: int) -> bool:
        return count >= len(self.required) and (self.rest or count <= len(self.required) + len(self.optional))

    def message(self, name: str, count: int) -> str:
        """``"<name> expects ..., got <count>"``: how many params, and what each is (optional ones in brackets)."""
        low, high = len(self.required), len(self.required) + len(self.optional)
        if self.rest:
            want = f"at least {_params(low)}"
        elif low == high:
            want = _params(low) if low else "no parameters"
        elif low == 0:
            want = f"at most {_params(high)}"
        else:
            want = f"{low} to {high} parameters"
        names = ", ".join([*self.required, *(f"[{o}]" for o in self.optional)])
        return f"{name} expects {want}" + (f" ({names})" if names else "") + f", got {count}"


def _params(n: int) -> str:
    return f"{n} parameter" + ("" if n == 1 else "s")


def check(name: str, fn: Callable[..., Any], params: Sequence[Any],
          cache: dict[str, tuple[Callable[..., Any], Arity | None]]) -> str | None:
    """The wrong-count message for calling ``fn`` (method ``name``) with ``params``, or None when the count fits.
    ``cache`` keeps each method's arity (recomputed if the table's function for ``name`` changes)."""
    known = cache.get(name)
    if known is None or known[0] is not fn:
        known = cache[name] = (fn, Arity.of(fn))
    arity = known[1]
    if arity is None or arity.accepts(len(params)):
        return None
    return arity.message(name, len(params))
