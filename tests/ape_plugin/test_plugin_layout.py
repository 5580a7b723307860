"""The plugin's shape (ape's own plugins do the same): a tiny hooks module that imports inside each hook, so loading ape
stays fast; dependencies pointing one way (ape_hemi uses hemi, hemi never knows ape_hemi)."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
PLUGIN = REPO / "plugins" / "ape-hemi" / "ape_hemi"


def top_level_imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def all_imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_hooks_module_imports_only_ape_at_load_time():
    # and the standard library's, for __version__ and the hooks' annotations (ape has loaded them already)
    assert top_level_imports(PLUGIN / "__init__.py") == {"ape", "collections.abc", "importlib.metadata", "typing"}


def test_loading_the_plugin_loads_nothing_heavy():
    code = ("import sys, ape_hemi; heavy = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'web3', 'eth', 'hemi', 'ape_ethereum', 'ape_solidity', 'solcx', 'pydantic'}); "
            "print(heavy); assert not heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_hemi_never_imports_the_plugin():
    for path in (REPO / "sdk" / "hemi").rglob("*.py"):
        bad = {m for m in all_imports(path) if m.split(".")[0] == "ape_hemi"}
        assert not bad, f"{path} imports {bad}"


def test_the_plugin_uses_hemis_public_modules_only():
    public = {"hemi", "hemi.btc", "hemi.errors", "hemi.compiler", "hemi.devchain", "hemi.testing"}
    for path in PLUGIN.glob("*.py"):
        used = {m for m in all_imports(path) if m.split(".")[0] == "hemi"}
        assert used <= public, f"{path.name} imports {used - public}"


def test_no_submodule_shadows_a_hook():
    """Importing ``ape_hemi.<name>`` sets the package attribute ``<name>``: a submodule named like a hook function
    (``networks``...) would replace the hook, and ape would then call a module."""
    hooks = {n.name for n in ast.parse((PLUGIN / "__init__.py").read_text()).body if isinstance(n, ast.FunctionDef)}
    assert hooks, "no hook functions found"
    assert not hooks & {p.stem for p in PLUGIN.glob("*.py")}
