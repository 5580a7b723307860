"""Every code block in README.md, docs/*.md and examples/README.md runs as written (issue 18, "Docs that run").

A block is marked by an HTML comment on the last non-blank line above its opening fence (docs/code-blocks.md):

- no marker: ``python`` runs in a fresh namespace, from the repository root; ``sh`` runs under ``bash -e`` in a
  temporary folder with the environment's ``bin`` first on ``PATH``; ``toml``/``yaml`` must parse; ``solidity``
  must compile with ``hemi.compiler``. A block of any other kind (or none) must carry a marker.
- ``<!-- continues -->``: a ``python`` block that goes on from the previous python block of the same file (same
  namespace; the group runs as one test, in order).
- ``<!-- run: pytest -->``: a ``python`` block that is a test module: written to a temporary folder and run by
  pytest with hemi's plugin; it must pass.
- ``<!-- run: ape test -->``: a ``python`` block that is an ape test module: run by ``ape test`` in a fresh ape
  project whose ape-config.yaml sets ``default_ecosystem: hemi``; it must pass.
- ``<!-- run: server -->``: each line is a ``hemi devchain ...`` command: it must serve (print its JSON-RPC URL)
  and stop cleanly (exit 0) on Ctrl-C.
- ``<!-- run: with server -->``: a ``sh`` block run while ``hemi devchain`` serves on its default ports.
- ``<!-- not run: REASON -->``: not executed; the reason is required.

One test per block group, so ``pytest -n`` spreads them; each python group builds the devchains it names.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pathlib
import re
import shlex
import signal
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "examples" / "README.md"]
BIN = pathlib.Path(sys.executable).parent
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*(?P<body>.*?)\s*-->\s*$")
DEFAULT_KINDS = {"python": "python", "sh": "sh", "toml": "toml", "yaml": "yaml", "solidity": "solidity"}


@dataclass
class Block:
    path: pathlib.Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    marker: str | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


@dataclass
class Group:
    kind: str  # python, pytest, sh, server, with-server, toml, yaml, solidity, skip, invalid
    blocks: list[Block] = field(default_factory=list)
    reason: str = ""

    @property
    def id(self) -> str:
        return self.blocks[0].where


def parse_blocks(path: pathlib.Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        if j == len(lines):
            raise AssertionError(f"{path}:{i + 1}: unclosed code fence")
        indent = len(m.group("indent"))
        code = "\n".join(line[indent:] for line in lines[i + 1:j]) + "\n"
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mm = MARKER.match(lines[k]) if k >= 0 else None
        blocks.append(Block(path, i + 1, m.group("lang").lower(), code, mm.group("body") if mm else None))
        i = j + 1
    return blocks


def group_blocks(blocks: list[Block]) -> list[Group]:
    """Blocks -> test groups. A marker the runner does not know, a skip without a reason or a continuation of
    nothing becomes an ``invalid`` group, a failing test: a typo can never silently skip a block."""
    groups: list[Group] = []
    last_python: Group | None = None
    kinds = {"run: pytest": "pytest", "run: ape test": "ape", "run: server": "server",
             "run: with server": "with-server"}
    for b in blocks:
        marker = b.marker
        if marker is not None and marker.startswith("not run:"):
            reason = marker.removeprefix("not run:").strip()
            groups.append(Group("skip", [b], reason) if reason else
                          Group("invalid", [b], "'<!-- not run: -->' needs a reason"))
            continue
        if marker == "continues":
            if b.lang == "python" and last_python is not None:
                last_python.blocks.append(b)
            else:
                groups.append(Group("invalid", [b], "<!-- continues --> but no python block before it to continue"))
            continue
        kind = DEFAULT_KINDS.get(b.lang) if marker is None else kinds.get(marker)
        if kind is None:
            why = (f"a ```{b.lang} block needs a marker" if marker is None else f"unknown marker <!-- {marker} -->")
            groups.append(Group("invalid", [b], why + " (see docs/code-blocks.md)"))
            continue
        g = Group(kind, [b])
        groups.append(g)
        last_python = g if kind == "python" else last_python
    return groups


GROUPS = [g for path in DOC_FILES for g in group_blocks(parse_blocks(path))]


def test_markers_are_checked():
    # a typo in a marker, a skip without a reason or a continuation of nothing fails instead of skipping a block
    p = ROOT / "README.md"

    def invalid(lang: str, marker: str | None) -> str:
        (g,) = group_blocks([Block(p, 1, lang, "1\n", marker)])
        assert g.kind == "invalid"
        return g.reason

    assert "unknown marker" in invalid("python", "not-run: typo")
    assert "needs a reason" in invalid("python", "not run:")
    assert "no python block before it" in invalid("python", "continues")
    assert "needs a marker" in invalid("", None)
    g = group_blocks([Block(p, 1, "python", "x = 1\n", None), Block(p, 5, "sh", "true\n", None),
                      Block(p, 9, "python", "assert x == 1\n", "continues")])
    assert [(x.kind, len(x.blocks)) for x in g] == [("python", 2), ("sh", 1)]


def test_every_fence_is_a_block():
    for path in DOC_FILES:
        fences = sum(1 for line in path.read_text(encoding="utf-8").split("\n") if re.match(r"^\s*```", line))
        assert fences == 2 * len(parse_blocks(path)), path


@pytest.fixture
def env(tmp_path: pathlib.Path) -> dict[str, str]:
    """The user's environment: the SDK's bin first on PATH, caches and data in this test's own folders."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "HEMI_DATA_DIR": str(tmp_path / "data")}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def default_ports() -> Iterator[None]:
    """Hold the default ports for one block: blocks that serve on 8545/18443 take turns across xdist workers (a file
    lock), and skip, naming the ports, when something else on the machine holds them."""
    lock_path = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / "hemi-doc-blocks-default-ports.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _need_default_ports()
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _need_default_ports() -> None:
    busy = [p for p in (8545, 18443) if not _port_free(p)]
    if busy:
        pytest.skip(f"port(s) {busy} in use on this machine: the block runs `hemi devchain` on its default ports")


@contextlib.contextmanager
def serving(argv: list[str], cwd: pathlib.Path, env: dict[str, str]) -> Iterator[str]:
    """Start ``argv`` (a ``hemi devchain`` command), wait for its JSON-RPC URL, Ctrl-C it afterwards (exit 0)."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+)\s*$", line)
            if m and "JSON-RPC" in line or (m and "--quiet" in argv):
                break
        else:
            raise AssertionError(f"{shlex.join(argv)} stopped before serving:\n{''.join(seen)[-3000:]}")
        yield m.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest = proc.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            rest = proc.communicate()[0]
    assert proc.returncode == 0, f"{shlex.join(argv)} exited {proc.returncode}:\n{''.join(seen)[-2000:]}{rest}"


def _commands(code: str) -> list[str]:
    """The lines of a shell block with their trailing ``# comments`` removed and continuations joined."""
    out: list[str] = []
    for line in code.replace("\\\n", " ").split("\n"):
        words = shlex.split(line, comments=True)
        if words:
            out.append(shlex.join(words))
    return out


def run_python(group: Group, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the docs speak from the repository root ("contracts/", "examples/")
    namespace: dict[str, object] = {"__name__": "__doc_block__"}
    for b in group.blocks:
        exec(compile(b.code, b.where, "exec"), namespace)  # noqa: S102 - running the docs is the point


def run_pytest(group: Group, tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    (tmp_path / "test_doc_block.py").write_text(group.blocks[0].code, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q",
                          "test_doc_block.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and " passed" in out.stdout, out.stdout[-4000:] + out.stderr[-2000:]
    assert not re.search(r"\d+ (failed|error|skipped)", out.stdout), out.stdout[-4000:]


APE_CONFIG = "name: doc-block\ndefault_ecosystem: hemi\n"


def run_ape(group: Group, tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    """An ape test module: a fresh ape project (``default_ecosystem: hemi``, as README's ape section says) runs it
    under ``ape test``."""
    (tmp_path / "ape-config.yaml").write_text(APE_CONFIG, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_doc_block.py").write_text(group.blocks[0].code, encoding="utf-8")
    out = subprocess.run([str(BIN / "ape"), "test", "tests", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and " passed" in out.stdout, out.stdout[-4000:] + out.stderr[-2000:]


def run_server_lines(group: Group, tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    with default_ports():
        for command in _commands(group.blocks[0].code):
            argv = shlex.split(command)
            assert argv[:2] == ["hemi", "devchain"], f"{group.id}: not a `hemi devchain` line: {command}"
            with serving(argv, tmp_path, env):
                pass


def run_sh(group: Group, tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    proc = subprocess.Popen(["bash", "-e", "-o", "pipefail", "-c", group.blocks[0].code], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the block's own session: whatever it started goes with it
        stdout, stderr = proc.communicate()
    out = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert out.returncode == 0, f"{group.id} exited {out.returncode}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"


def run_with_server(group: Group, tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    with default_ports(), serving(["hemi", "devchain"], tmp_path, env):
        run_sh(group, tmp_path, env)


def run_solidity(group: Group, tmp_path: pathlib.Path) -> None:
    from hemi.compiler import compile as compile_solidity

    code = group.blocks[0].code
    if "pragma solidity" not in code:  # snippets of imports: give them the pragma a file would have
        code = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n" + code
    compile_solidity({"DocBlock.sol": code})


@pytest.mark.parametrize("group", GROUPS, ids=[g.id for g in GROUPS])
def test_code_block(group: Group, tmp_path: pathlib.Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    kind = group.kind
    if kind == "invalid":
        pytest.fail(f"{group.id}: {group.reason}", pytrace=False)
    elif kind == "skip":
        pytest.skip(f"not run: {group.reason}")
    elif kind == "python":
        run_python(group, monkeypatch)
    elif kind == "pytest":
        run_pytest(group, tmp_path, env)
    elif kind == "ape":
        run_ape(group, tmp_path, env)
    elif kind == "server":
        run_server_lines(group, tmp_path, env)
    elif kind == "with-server":
        run_with_server(group, tmp_path, env)
    elif kind == "sh":
        run_sh(group, tmp_path, env)
    elif kind == "toml":
        tomllib.loads(group.blocks[0].code)
    elif kind == "yaml":
        assert yaml.safe_load(group.blocks[0].code) is not None
    elif kind == "solidity":
        run_solidity(group, tmp_path)
    else:  # pragma: no cover - group_blocks admits only the kinds above
        raise AssertionError(kind)
