"""Source gathering: import scanning and solc's import-path rules (no compiler needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemi.compiler.sources import Remapping, collect, find_imports, import_unit_name, parse_remappings
from hemi.errors import HemiLookupError, HemiValueError


def test_find_imports_all_forms_and_ignores_comments_and_strings() -> None:
    text = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;
import "./A.sol";
import './B.sol' as B;
import * as C from "lib/C.sol";
import {D, E as F} from "../D.sol";
// import "commented.sol";
/* import "block.sol"; */
contract X {
    string s = "import \\"not-an-import.sol\\";";
}
import {G} from "after/G.sol";
"""
    assert find_imports(text) == ["./A.sol", "./B.sol", "lib/C.sol", "../D.sol", "after/G.sol"]


@pytest.mark.parametrize(
    ("importer", "path", "expected"),
    [
        ("a.sol", "../b.sol", "b.sol"),  # ".." above the top is dropped, as solc does
        ("x/a.sol", "../../b.sol", "b.sol"),
        ("x/y/a.sol", "./../c/./b.sol", "x/c/b.sol"),
        ("x/a.sol", "lib/b.sol", "lib/b.sol"),  # direct imports are used as written
        ("x/a.sol", "/abs/b.sol", "/abs/b.sol"),
        ("/p/a.sol", "../b.sol", "/b.sol"),
    ],
)
def test_import_unit_name_matches_solc(importer: str, path: str, expected: str) -> None:
    assert import_unit_name(importer, path, []) == expected


def test_remappings_apply_after_relative_resolution_longest_context_first() -> None:
    rms = parse_remappings(["x/lib/=vendor/"])
    assert import_unit_name("x/a.sol", "./lib/b.sol", rms) == "vendor/b.sol"
    rms = parse_remappings(["x:lib/=vendor/", "lib/=other/"])
    assert import_unit_name("x/a.sol", "lib/b.sol", rms) == "vendor/b.sol"
    assert import_unit_name("y/a.sol", "lib/b.sol", rms) == "other/b.sol"
    assert parse_remappings({"@oz/": "node_modules/@oz/"}) == [Remapping("", "@oz/", "node_modules/@oz/")]
    assert str(Remapping.parse("ctx:a=b")) == "ctx:a=b"
    with pytest.raises(HemiValueError):
        Remapping.parse("no-equals")


def test_collect_reads_imports_from_disk_and_names_by_base(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "src" / "Main.sol").write_text('import "../lib/L.sol";\n', encoding="utf-8")
    (tmp_path / "lib" / "L.sol").write_text('import "./M.sol";\n', encoding="utf-8")
    (tmp_path / "lib" / "M.sol").write_text("// leaf\r\n", encoding="utf-8", newline="")
    found = collect(tmp_path / "src" / "Main.sol", base_path=tmp_path)
    assert list(found.sources) == ["lib/L.sol", "lib/M.sol", "src/Main.sol"]
    assert found.sources["lib/M.sol"] == "// leaf\r\n"  # bytes kept exactly
    assert found.unresolved == ()
    # without a base path, the default (src/) widens to tmp_path because "../lib/L.sol" reaches above it
    widened = collect(tmp_path / "src" / "Main.sol")
    assert widened.base_path == tmp_path and list(widened.sources) == list(found.sources)
    # a relative import that leads nowhere does not move the base
    (tmp_path / "src" / "Lost.sol").write_text('import "../../nowhere/X.sol";\n', encoding="utf-8")
    lost = collect(tmp_path / "src" / "Lost.sol")
    assert lost.base_path == tmp_path / "src" and lost.unresolved == ("nowhere/X.sol",)
    missing = collect({"A.sol": 'import "B.sol";'})
    assert missing.unresolved == ("B.sol",) and list(missing.sources) == ["A.sol"]
    with pytest.raises(HemiLookupError):
        collect(tmp_path / "nope")
    with pytest.raises(HemiValueError):
        collect({})
