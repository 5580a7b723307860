"""hemi.compiler.compile: inputs, artifact fields, errors, the on-disk cache, and running the output on py-evm."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from pathlib import Path

import pytest
import solcx

import hemi.compiler.compiling as compiling
from hemi.compiler import DEFAULT_SOLC_VERSION, Artifacts, ContractArtifact, compile
from hemi.compiler.cache import cache_key
from hemi.errors import CompilationFailed, CompilerError, HemiLookupError, HemiValueError

SPDX = "// SPDX-License-Identifier: MIT\n"

TOKENISH = (
    SPDX
    + """pragma solidity ^0.8.20;

interface ICounter {
    function count() external view returns (uint256);
}

library Twice {
    function double(uint256 x) internal pure returns (uint256) { return 2 * x; }
}

contract Counter is ICounter {
    uint256 public override count;
    event Bumped(uint256 by);

    function bump(uint256 by) external {
        count += Twice.double(by);
        emit Bumped(by);
    }
}
"""
)


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_dict_source_gives_every_contract_with_full_artifacts(cache_dir: Path) -> None:
    arts = compile({"src/Counter.sol": TOKENISH})
    assert isinstance(arts, Artifacts)
    assert sorted(arts) == ["src/Counter.sol:Counter", "src/Counter.sol:ICounter", "src/Counter.sol:Twice"]
    assert arts.names == ["Counter", "ICounter", "Twice"]

    counter = arts["Counter"]
    assert counter is arts["src/Counter.sol:Counter"]
    assert counter.name == "Counter" and counter.source_name == "src/Counter.sol"
    assert {e["name"] for e in counter.abi if e["type"] == "function"} == {"bump", "count"}
    assert any(e["type"] == "event" and e["name"] == "Bumped" for e in counter.abi)
    for code in (counter.bytecode, counter.deployed_bytecode):
        assert code.startswith("0x") and len(code) > 100
        bytes.fromhex(code[2:])
    assert counter.deployed_bytecode[2:] in counter.bytecode  # creation code carries the runtime code
    assert counter.source_map and counter.deployed_source_map
    assert counter.compiler_version.startswith(DEFAULT_SOLC_VERSION + "+commit.")
    assert counter.settings == {"evmVersion": "cancun", "optimizer": {"enabled": True, "runs": 200}}

    # interfaces have no code; internal-only libraries are still listed
    assert arts["ICounter"].bytecode == "0x" and arts["ICounter"].deployed_bytecode == "0x"
    assert arts["Twice"].abi == []


def test_settings_are_passed_through(cache_dir: Path) -> None:
    arts = compile({"C.sol": TOKENISH}, optimize=False, optimize_runs=1000, evm_version="paris")
    assert arts["Counter"].settings == {"evmVersion": "paris", "optimizer": {"enabled": False, "runs": 1000}}
    default = compile({"C.sol": TOKENISH})
    assert arts["Counter"].deployed_bytecode != default["Counter"].deployed_bytecode


def test_directory_with_relative_import(cache_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    _write(
        root,
        "base/Owned.sol",
        SPDX + "pragma solidity ^0.8.0;\ncontract Owned { address public owner = msg.sender; }\n",
    )
    _write(
        root,
        "app/Vault.sol",
        SPDX + 'pragma solidity ^0.8.0;\nimport {Owned} from "../base/Owned.sol";\ncontract Vault is Owned {}\n',
    )
    arts = compile(root)
    assert sorted(arts) == ["app/Vault.sol:Vault", "base/Owned.sol:Owned"]
    assert any(e.get("name") == "owner" for e in arts["Vault"].abi)


def test_single_file_pulls_imports_from_disk(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(
        tmp_path,
        "lib/Math.sol",
        SPDX + "pragma solidity ^0.8.0;\nlibrary Math { function one() internal pure returns (uint) { return 1; } }\n",
    )
    main = _write(
        tmp_path,
        "src/Main.sol",
        SPDX + 'pragma solidity ^0.8.0;\nimport "../lib/Math.sol";\n'
        "contract Main { function f() external pure returns (uint) { return Math.one(); } }\n",
    )
    # the default base moves up to tmp_path so that "../lib/Math.sol" stays inside it; the CWD plays no part
    monkeypatch.chdir(tmp_path / "src")
    arts = compile(Path("Main.sol"))
    assert sorted(arts) == ["lib/Math.sol:Math", "src/Main.sol:Main"]
    # an explicit base path names sources relative to it, and is never moved
    arts = compile([main], base_path=tmp_path)
    assert sorted(arts) == ["lib/Math.sol:Math", "src/Main.sol:Main"]
    with pytest.raises(CompilationFailed, match="not found"):
        compile([main], base_path=tmp_path / "src")


def test_remappings(cache_dir: Path) -> None:
    sources = {
        "vendor/oz/Ownable.sol": SPDX + "pragma solidity ^0.8.0;\nabstract contract Ownable {}\n",
        "Mine.sol": SPDX + 'pragma solidity ^0.8.0;\nimport "@oz/Ownable.sol";\ncontract Mine is Ownable {}\n',
    }
    arts = compile(sources, remappings=["@oz/=vendor/oz/"])
    assert "Mine" in arts and "vendor/oz/Ownable.sol:Ownable" in arts
    assert arts["Mine"].settings["remappings"] == ["@oz/=vendor/oz/"]
    assert "Mine" in compile(sources, remappings={"@oz/": "vendor/oz/"})


def test_syntax_error_raises_compilation_failed_with_solc_message(cache_dir: Path) -> None:
    with pytest.raises(CompilationFailed) as info:
        compile({"Broken.sol": SPDX + "pragma solidity ^0.8.0;\ncontract Broken { function f( }\n"})
    err = info.value
    assert isinstance(err, CompilerError) and isinstance(err, ValueError)
    assert len(err.errors) == 1
    assert "ParserError" in err.errors[0] and "Broken.sol:3" in err.errors[0]
    assert err.errors[0] in str(err)


def test_type_error_and_missing_import_are_reported(cache_dir: Path) -> None:
    with pytest.raises(CompilationFailed, match="TypeError"):
        compile(
            {
                "T.sol": SPDX
                + "pragma solidity ^0.8.0;\ncontract T { function f() external pure returns (uint8) { return 300; } }\n"
            }
        )
    with pytest.raises(CompilationFailed, match=re.escape('Source "nowhere/X.sol" not found')):
        compile({"I.sol": SPDX + 'pragma solidity ^0.8.0;\nimport "nowhere/X.sol";\n'})


def test_warnings_do_not_raise(cache_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hemi.compiler"):
        arts = compile(
            {"NoLicense.sol": "pragma solidity ^0.8.0;\ncontract NoLicense { function f(uint a) external pure {} }\n"}
        )
    assert "NoLicense" in arts
    assert "SPDX license identifier" in caplog.text


def test_bad_arguments(cache_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(HemiLookupError):
        compile(tmp_path / "missing.sol")
    (tmp_path / "empty").mkdir()
    with pytest.raises(HemiValueError):
        compile(tmp_path / "empty")
    with pytest.raises(HemiValueError):
        compile({"A.sol": "contract A {}"}, solc_version="0.8")
    with pytest.raises(HemiValueError):
        compile({"A.sol": "contract A {}"}, optimize_runs=0)
    with pytest.raises(HemiValueError):
        compile({"A.sol": "contract A {}"}, remappings="a=b")  # type: ignore[arg-type]


def test_ambiguous_names_need_the_qualified_key(cache_dir: Path) -> None:
    body = SPDX + "pragma solidity ^0.8.0;\ncontract Same {}\n"
    arts = compile({"a/Same.sol": body, "b/Same.sol": body, "C.sol": SPDX + "pragma solidity ^0.8.0;\ncontract C {}\n"})
    assert len(arts) == 3 and "Same" in arts and "Nope" not in arts
    assert arts["a/Same.sol:Same"].source_name == "a/Same.sol"
    with pytest.raises(KeyError, match=r"ambiguous.*a/Same\.sol:Same.*b/Same\.sol:Same"):
        arts["Same"]
    with pytest.raises(KeyError, match="ambiguous"):
        arts.get("Same")
    with pytest.raises(KeyError, match="no contract 'Nope'"):
        arts["Nope"]
    assert arts.get("Nope") is None and arts.get("C") is arts["C"]


def test_artifact_json_round_trip(cache_dir: Path) -> None:
    art = compile({"C.sol": TOKENISH})["Counter"]
    text = art.to_json()
    assert json.loads(text) == art.to_dict() and text == json.dumps(json.loads(text), sort_keys=True, indent=2)
    assert ContractArtifact.from_json(text) == art
    with pytest.raises(HemiValueError):
        ContractArtifact.from_json('{"name": "x"}')
    with pytest.raises(HemiValueError):
        ContractArtifact.from_json("not json")
    with pytest.raises(dataclasses.FrozenInstanceError):
        art.name = "other"  # type: ignore[misc]


def test_second_compile_of_unchanged_sources_never_starts_solc(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"compile_standard": 0, "ensure_solc": 0}
    real_compile_standard = solcx.compile_standard
    real_ensure = compiling.ensure_solc

    def counting_compile_standard(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["compile_standard"] += 1
        return real_compile_standard(*args, **kwargs)

    def counting_ensure(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["ensure_solc"] += 1
        return real_ensure(*args, **kwargs)

    monkeypatch.setattr(solcx, "compile_standard", counting_compile_standard)
    monkeypatch.setattr(compiling, "ensure_solc", counting_ensure)

    first = compile({"C.sol": TOKENISH})
    assert calls == {"compile_standard": 1, "ensure_solc": 1}
    entries = list((cache_dir / "artifacts").glob("*.json"))
    assert len(entries) == 1 and len(entries[0].stem) == 64

    second = compile({"C.sol": TOKENISH})
    assert calls == {"compile_standard": 1, "ensure_solc": 1}  # nothing started
    assert dict(second) == dict(first)

    # cache=False always compiles
    compile({"C.sol": TOKENISH}, cache=False)
    assert calls["compile_standard"] == 2


def test_cache_key_covers_names_texts_settings_and_version() -> None:
    settings = {"optimizer": {"enabled": True, "runs": 200}, "evmVersion": "cancun"}
    base = cache_key({"C.sol": "x"}, settings, "0.8.28")
    assert base == cache_key({"C.sol": "x"}, dict(reversed(list(settings.items()))), "0.8.28")  # order-free
    assert (
        len(
            {
                base,
                cache_key({"D.sol": "x"}, settings, "0.8.28"),
                cache_key({"C.sol": "x "}, settings, "0.8.28"),
                cache_key({"C.sol": "x", "E.sol": ""}, settings, "0.8.28"),
                cache_key({"C.sol": "x"}, {**settings, "evmVersion": "paris"}, "0.8.28"),
                cache_key({"C.sol": "x"}, {**settings, "optimizer": {"enabled": True, "runs": 201}}, "0.8.28"),
                cache_key({"C.sol": "x"}, settings, "0.8.27"),
            }
        )
        == 7
    )


def test_imported_file_change_invalidates_the_cache(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = solcx.compile_standard
    monkeypatch.setattr(solcx, "compile_standard", lambda *a, **k: calls.append(1) or real(*a, **k))
    lib = _write(tmp_path, "p/Lib.sol", SPDX + "pragma solidity ^0.8.0;\ncontract Lib { uint public v = 1; }\n")
    main = _write(
        tmp_path, "p/Main.sol", SPDX + 'pragma solidity ^0.8.0;\nimport "./Lib.sol";\ncontract Main is Lib {}\n'
    )
    first = compile(main)
    compile(main)
    assert len(calls) == 1
    lib.write_text(lib.read_text().replace("= 1", "= 2"), encoding="utf-8")
    second = compile(main)
    assert len(calls) == 2
    assert first["Main"].bytecode != second["Main"].bytecode


def test_corrupt_cache_entry_is_a_miss(cache_dir: Path) -> None:
    first = compile({"C.sol": TOKENISH})
    (entry,) = (cache_dir / "artifacts").glob("*.json")
    entry.write_text("{ truncated", encoding="utf-8")
    assert dict(compile({"C.sol": TOKENISH})) == dict(first)
    assert json.loads(entry.read_text())["format"] == 1


def test_cancun_bytecode_runs_on_py_evm(cache_dir: Path) -> None:
    from web3 import EthereumTesterProvider, Web3

    source = (
        SPDX
        + """pragma solidity ^0.8.24;
contract Transient {
    function roundTrip(uint256 v) external returns (uint256 out) {
        assembly {
            tstore(0, v)
            out := tload(0)
        }
    }
}
"""
    )
    art = compile({"Transient.sol": source})["Transient"]
    w3 = Web3(EthereumTesterProvider())
    account = w3.eth.accounts[0]
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": account}))
    assert receipt["status"] == 1
    deployed = w3.eth.contract(address=receipt["contractAddress"], abi=art.abi)
    assert w3.eth.get_code(receipt["contractAddress"]).hex() == art.deployed_bytecode[2:]
    assert deployed.functions.roundTrip(42).call() == 42
