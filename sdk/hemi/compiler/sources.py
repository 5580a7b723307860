"""Gather the Solidity sources of a compilation: named files, directories, or in-memory text, plus every file they
import, so the standard-JSON input holds all source text and the cache key covers all of it.

Import paths are turned into source unit names the way solc does it: ``./`` and ``../`` paths are taken relative to
the importing unit (``..`` above the top is dropped), other paths are used as written, and remappings
(``[context:]prefix=target``, longest context then longest prefix wins) are applied afterwards. A unit not given
directly is read from ``<base_path>/<unit name>`` (or the absolute path the name is).

An import of ``@hemi/...`` that neither a remapping nor the base path resolves names a source shipped in the hemi
package (:mod:`hemi.compiler.solidity_sources`); the unit keeps its ``@hemi/...`` name, so artifacts and cache keys
do not depend on where hemi-sdk is installed.

Files are named by their path relative to the base path. Unless one is given, that is the deepest directory holding
all given paths, widened to a parent directory when a relative import (``../lib/X.sol``) reaches a file above it, so
names do not depend on the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hemi.compiler.solidity_sources import PREFIX, shipped_path
from hemi.errors import HemiLookupError, HemiValueError

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Remapping:
    """One ``[context:]prefix=target`` import remapping."""

    context: str
    prefix: str
    target: str

    @classmethod
    def parse(cls, text: str) -> Remapping:
        head, sep, target = text.partition("=")
        if not sep or not head:
            raise HemiValueError(f"a remapping looks like 'prefix=target' or 'context:prefix=target', got {text!r}")
        context, colon, prefix = head.partition(":")
        if not colon:
            context, prefix = "", head
        return cls(context, prefix, target)

    def __str__(self) -> str:
        return f"{self.context}:{self.prefix}={self.target}" if self.context else f"{self.prefix}={self.target}"


def parse_remappings(remappings: Iterable[str] | Mapping[str, str] | None) -> list[Remapping]:
    """Accept ``["prefix=target", ...]`` or ``{"prefix": "target"}``; ``None`` means none."""
    if remappings is None:
        return []
    if isinstance(remappings, str):
        raise HemiValueError("remappings is a list of 'prefix=target' strings or a {prefix: target} dict")
    if isinstance(remappings, Mapping):
        return [Remapping.parse(f"{k}={v}") for k, v in remappings.items()]
    return [Remapping.parse(str(r)) for r in remappings]


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split Solidity text into ``(kind, value)`` tokens, skipping comments; kinds are word, str, punct."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c in "\"'":
            j = i + 1
            buf: list[str] = []
            while j < n and text[j] != c and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            out.append(("str", "".join(buf)))
            i = j + 1
        elif c.isalnum() or c in "_$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            out.append(("word", text[i:j]))
            i = j
        else:
            out.append(("punct", c))
            i += 1
    return out


def find_imports(text: str) -> list[str]:
    """The import paths of a Solidity source, in order (all four ``import`` forms)."""
    toks = _tokens(text)
    found: list[str] = []
    for idx, tok in enumerate(toks):
        if tok != ("word", "import"):
            continue
        if idx > 0 and toks[idx - 1] not in (("punct", ";"), ("punct", "}")):
            continue
        for kind, value in toks[idx + 1 :]:
            if kind == "str":
                found.append(value)
                break
            if (kind, value) == ("punct", ";"):
                break
    return found


def _relative_unit(importer: str, path: str) -> str:
    parts = importer.split("/")[:-1]
    for seg in path.split("/"):
        if seg in (".", ""):
            continue
        if seg == "..":
            if parts and parts[-1] not in ("", ".."):
                parts.pop()
            continue
        parts.append(seg)
    return "/".join(parts)


def import_unit_name(importer: str, path: str, remappings: list[Remapping]) -> str:
    """The source unit name solc gives ``import "<path>"`` written in unit ``importer``."""
    name = _relative_unit(importer, path) if path.startswith(("./", "../")) or path in (".", "..") else path
    best: Remapping | None = None
    for rm in remappings:
        if not importer.startswith(rm.context) or not name.startswith(rm.prefix):
            continue
        if best is None or (len(rm.context), len(rm.prefix)) >= (len(best.context), len(best.prefix)):
            best = rm
    if best is not None:
        name = best.target + name[len(best.prefix) :]
    return name


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HemiValueError(f"{path} is not UTF-8 text: {exc}") from exc


def _climbs_out(importer: str, path: str) -> bool:
    """True if a relative import goes above the top of the unit-name tree (solc would drop those ``..``)."""
    if not path.startswith(("./", "../")) and path not in (".", ".."):
        return False
    depth = len(importer.split("/")) - 1
    if importer.startswith("/"):
        return False
    for seg in path.split("/"):
        if seg == "..":
            depth -= 1
            if depth < 0:
                return True
        elif seg not in (".", ""):
            depth += 1
    return False


@dataclass(frozen=True)
class SourceSet:
    """All source texts by unit name, and the directory unit names are relative to (``None`` for pure text)."""

    sources: dict[str, str]
    base_path: Path | None
    unresolved: tuple[str, ...] = ()


class _Widen(Exception):
    """Internal: a relative import leaves the default base directory for a file that exists there."""


def _close(
    sources: dict[str, str], base: Path | None, remappings: list[Remapping], may_widen: bool
) -> tuple[dict[str, str], list[str]]:
    sources = dict(sources)
    unresolved: list[str] = []
    pending = sorted(sources)
    while pending:
        unit = pending.pop()
        for imp in find_imports(sources[unit]):
            if may_widen and base is not None and _climbs_out(unit, imp):
                target = os.path.normpath(os.path.join(base, os.path.dirname(unit), imp))
                if os.path.isfile(target) and base.parent != base:
                    raise _Widen
            name = import_unit_name(unit, imp, remappings)
            if name in sources or name in unresolved:
                continue
            candidate = Path(name) if Path(name).is_absolute() else (base / name if base is not None else None)
            if (candidate is None or not candidate.is_file()) and name.startswith(PREFIX):
                candidate = shipped_path(name)  # `@hemi/...`: the Solidity shipped inside the hemi package
            if candidate is not None and candidate.is_file():
                sources[name] = _read(candidate)
                pending.append(name)
            else:
                unresolved.append(name)
    return sources, unresolved


def collect(
    paths_or_sources: PathLike | Iterable[PathLike] | Mapping[str, str],
    *,
    base_path: PathLike | None = None,
    remappings: list[Remapping] | None = None,
) -> SourceSet:
    """Read the given files / directories (``*.sol``, recursively) or take the given ``{name: text}`` dict, then add
    every imported unit found on disk. Units no one could find are listed in ``unresolved`` (solc reports them)."""
    remappings = remappings or []
    base = Path(base_path).resolve() if base_path is not None else None
    if isinstance(paths_or_sources, Mapping):
        sources: dict[str, str] = {}
        for name, text in paths_or_sources.items():
            if not isinstance(name, str) or not isinstance(text, str):
                raise HemiValueError("a sources dict maps source names (str) to Solidity text (str)")
            sources[name] = text
        if not sources:
            raise HemiValueError("nothing to compile: no sources given")
        closed, unresolved = _close(sources, base, remappings, may_widen=False)
        return SourceSet(dict(sorted(closed.items())), base, tuple(sorted(unresolved)))

    items = [paths_or_sources] if isinstance(paths_or_sources, (str, os.PathLike)) else list(paths_or_sources)
    files: list[Path] = []
    roots: list[Path] = []
    for item in items:
        p = Path(item).resolve()
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*.sol") if f.is_file()))
            roots.append(p)
        elif p.is_file():
            files.append(p)
            roots.append(p.parent)
        else:
            raise HemiLookupError(f"no such Solidity file or directory: {item}")
    if not files:
        raise HemiValueError(f"no *.sol files found in {', '.join(str(i) for i in items) or 'an empty list'}")
    texts = {f: _read(f) for f in files}
    may_widen = base is None
    if base is None:
        base = Path(os.path.commonpath([str(r) for r in roots]))
    while True:
        named = {}
        for f, text in texts.items():
            try:
                named[f.relative_to(base).as_posix()] = text
            except ValueError:
                named[f.as_posix()] = text
        try:
            closed, unresolved = _close(named, base, remappings, may_widen)
        except _Widen:
            base = base.parent
            continue
        return SourceSet(dict(sorted(closed.items())), base, tuple(sorted(unresolved)))
