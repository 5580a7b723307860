"""Compiled-contract records: :class:`ContractArtifact` and the :class:`Artifacts` mapping ``compile`` returns."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from hemi.errors import HemiValueError


@dataclass(frozen=True)
class ContractArtifact:
    """One contract, interface or library as solc produced it.

    ``bytecode`` is the creation code and ``deployed_bytecode`` the runtime code, both ``0x``-prefixed hex (``"0x"``
    for interfaces and abstract contracts; a library-using contract keeps solc's ``__$...$__`` link placeholders).
    ``source_name`` is the source unit name (``"hbk/IBitcoinKit.sol"``), ``compiler_version`` the full version
    (``"0.8.28+commit.7893614a"``), ``settings`` the solc settings used (optimizer, evmVersion, remappings).
    """

    name: str
    source_name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    source_map: str
    deployed_source_map: str
    compiler_version: str
    settings: dict[str, Any]

    @property
    def qualified_name(self) -> str:
        """``"<source_name>:<name>"``, unique within one compilation."""
        return f"{self.source_name}:{self.name}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict with one key per field."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContractArtifact:
        """Inverse of :meth:`to_dict`; raises ``HemiValueError`` if a field is missing or of the wrong type."""
        if not isinstance(data, Mapping):
            raise HemiValueError(f"a contract artifact is a JSON object, got {type(data).__name__}")
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise HemiValueError(f"contract artifact lacks {', '.join(missing)}")
        values = {n: data[n] for n in names}
        for n in names:
            want = list if n == "abi" else dict if n == "settings" else str
            if not isinstance(values[n], want):
                raise HemiValueError(f"contract artifact field {n!r} should be {want.__name__}")
        return cls(**values)

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys, two-space indent, no trailing newline)."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> ContractArtifact:
        """Parse what :meth:`to_json` wrote."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise HemiValueError(f"contract artifact is not valid JSON: {exc}") from exc
        return cls.from_dict(data)


class Artifacts(Mapping[str, ContractArtifact]):
    """The contracts of one compilation, looked up by ``"Name"`` or by ``"path/File.sol:Name"``.

    Iteration, ``len`` and ``keys()`` use the qualified ``"path/File.sol:Name"`` keys, which are always unique. A bare
    name works for lookup when exactly one source defines it; if several do, the ``KeyError`` lists the qualified
    keys to use instead. :attr:`names` lists the bare names.
    """

    def __init__(self, artifacts: Iterable[ContractArtifact]) -> None:
        by_id: dict[str, ContractArtifact] = {}
        for art in artifacts:
            by_id[art.qualified_name] = art
        self._by_id = dict(sorted(by_id.items()))
        self._by_name: dict[str, list[str]] = {}
        for qid, art in self._by_id.items():
            self._by_name.setdefault(art.name, []).append(qid)

    def __getitem__(self, key: str) -> ContractArtifact:
        if not isinstance(key, str):
            raise KeyError(key)
        found = self._by_id.get(key)
        if found is not None:
            return found
        ids = self._by_name.get(key)
        if ids is None:
            known = ", ".join(sorted(self._by_name)) or "none"
            raise KeyError(f"no contract {key!r} in this compilation (contracts: {known})")
        if len(ids) > 1:
            raise KeyError(f"contract name {key!r} is ambiguous; use one of: {', '.join(ids)}")
        return self._by_id[ids[0]]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._by_id or key in self._by_name)

    def get(self, key: str, default: Any = None) -> Any:
        """Like ``dict.get``, except that an ambiguous bare name still raises ``KeyError``."""
        if key in self:
            return self[key]
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def names(self) -> list[str]:
        """Sorted bare contract names (a name defined in several sources appears once)."""
        return sorted(self._by_name)

    def __repr__(self) -> str:
        return f"Artifacts({list(self._by_id)})"
