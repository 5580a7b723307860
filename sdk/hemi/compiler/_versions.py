"""solc versions: normalising version strings and asking an executable which version it is.

:class:`StepFailed` is the internal signal of a resolution step that did not work; its message says why and ends up
in :class:`hemi.errors.CompilerNotAvailable`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from packaging.version import InvalidVersion, Version

from hemi.errors import HemiValueError

# The pattern py-solc-x applies to `solc --version`: major.minor.patch, an optional nightly tag, then the commit.
VERSION_RE = re.compile(r"(\d+\.\d+\.\d+)(?:-nightly.\d+.\d+.\d+|)(\+commit.\w+)")


class StepFailed(Exception):
    """Internal: one way of obtaining solc did not work; the message says why."""


def normalize_version(version: str | Version) -> str:
    """``"v0.8.28"``, ``"0.8.28"`` or a ``Version`` -> ``"0.8.28"``."""
    try:
        parsed = version if isinstance(version, Version) else Version(str(version).strip().lstrip("v"))
    except InvalidVersion as exc:
        raise HemiValueError(f"not a solc version: {version!r}") from exc
    if len(parsed.release) != 3:
        raise HemiValueError(f"a solc version has three parts (like 0.8.28), got {version!r}")
    return parsed.base_version


def tail(text: str | bytes | None, lines: int = 3) -> str:
    """The last few non-empty lines of a process's output, joined on one line, for attempt reports."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    kept = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(kept[-lines:])


def probe_version(executable: Path | str, *, timeout: float = 60.0) -> str:
    """Run ``<executable> --version`` and return ``"0.8.28+commit.7893614a"``; raise :class:`StepFailed` if not."""
    try:
        proc = subprocess.run(
            [str(executable), "--version"],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise StepFailed(f"`{executable} --version` did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise StepFailed(f"`{executable} --version` could not be run: {exc}") from None
    if proc.returncode != 0:
        raise StepFailed(f"`{executable} --version` exited with {proc.returncode}: {tail(proc.stderr or proc.stdout)}")
    match = VERSION_RE.search(proc.stdout)
    if not match:
        raise StepFailed(f"`{executable} --version` printed no solc version: {tail(proc.stdout)!r}")
    return match.group(1) + match.group(2)
