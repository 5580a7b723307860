"""The state format (hemi.node.state, docs/state-files.md): data only, bounded, strict, and loud when a part changes.

A state is gzip'd JSON of plain values behind a magic line and a version; nothing in it is ever imported or called,
so a crafted state (a pickle that would run code, a JSON naming a function) is refused, a compression bomb is
refused after little work, and a part that gained state the format does not know refuses to save.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from hemi.devchain import Devchain
from hemi.errors import HemiValueError, SnapshotError, StateFileError
from hemi.node import state
from hemi.node.state import devchain as dev_part
from hemi.node.state.codec import FORMAT_VERSION, MAGIC


def _document(data: bytes) -> dict:
    assert data.startswith(MAGIC)
    return json.loads(gzip.decompress(data[len(MAGIC) + 2:]))


def _pack(doc: dict) -> bytes:
    return MAGIC + FORMAT_VERSION.to_bytes(2, "big") + gzip.compress(json.dumps(doc).encode())


def _little_chain() -> Devchain:
    dev = Devchain(seed=1)
    dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 7})
    dev.btc.mine(3, to=dev.btc.wallet("alice").address)
    dev.sync_btc()
    return dev


class _Marker:
    """Unpickling this creates a file: the proof that a loader ran code from its input."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_the_state_is_plain_json_values_only():
    data = _little_chain().dump_state_data()
    doc = _document(data)

    def walk(v):
        if isinstance(v, dict):
            assert all(isinstance(k, str) for k in v)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        else:
            assert v is None or isinstance(v, (str, int, float, bool)), type(v)

    walk(doc)
    assert doc["format"] == "hemi-sdk devchain state" and doc["version"] == FORMAT_VERSION
    assert set(doc) - {"format", "version", "hemi_sdk"} == set(state.PARTS)
    assert zlib.decompress(data[len(MAGIC) + 2:], 31).startswith(b'{"format":')


def test_a_state_is_deterministic_across_processes():
    """Same chain, same bytes, whatever the process's hash seed (py-evm writes trie nodes in set order)."""
    here = hashlib.sha256(_little_chain().dump_state_data()).hexdigest()
    code = (f"import hashlib, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            "from test_state_format import _little_chain; "
            "print(hashlib.sha256(_little_chain().dump_state_data()).hexdigest())")
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, PYTHONHASHSEED=seed))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == here


def test_payloads_that_would_run_code_under_pickle_are_refused(tmp_path):
    """Whatever the container, a pickle is never unpickled: the marker file is never created."""
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Marker(marker))
    pickle.loads(payload)  # the payload does run code when unpickled...
    assert marker.exists()
    marker.unlink()
    crafted = {
        "bare pickle": payload,
        "format 1 (pickle, hemi-sdk 0.1)": MAGIC + (1).to_bytes(2, "big") + zlib.compress(payload),
        "current header, zlib'd pickle": MAGIC + FORMAT_VERSION.to_bytes(2, "big") + zlib.compress(payload),
        "current header, gzip'd pickle": MAGIC + FORMAT_VERSION.to_bytes(2, "big") + gzip.compress(payload),
    }
    for name, data in crafted.items():
        with pytest.raises(StateFileError):
            Devchain.load_state_data(data)
        (tmp_path / "f").write_bytes(data)
        with pytest.raises(StateFileError):
            Devchain.load_state(tmp_path / "f")
        assert not marker.exists(), name
    with pytest.raises(StateFileError, match="pickle"):
        Devchain.load_state_data(crafted["format 1 (pickle, hemi-sdk 0.1)"])


def test_a_state_cannot_name_a_function_to_mount():
    """A user precompile is saved by import name, but a load never imports: it only matches functions this process
    saved itself, or ones passed by the caller. A state naming os.system is refused and nothing runs."""
    doc = _document(Devchain().dump_state_data())
    doc["precompiles"].append(["user", "00" * 19 + "99", "evil", 0, "posix:system"])
    with pytest.raises(StateFileError, match="never imports code"):
        Devchain.load_state_data(_pack(doc))
    doc["precompiles"][-1] = ["user", "00" * 19 + "99", "evil", 0, "builtins:exec"]
    with pytest.raises(StateFileError, match="precompiles="):
        Devchain.load_state_data(_pack(doc))


def _bomb(mib: int) -> bytes:
    """A gzip stream of ``mib`` MiB of zeros, made without compressing them all: after a full flush the compressor
    forgets its history, so each further MiB compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return MAGIC + FORMAT_VERSION.to_bytes(2, "big") + first + again * (mib - 1)


def test_a_gzip_bomb_is_refused_fast_with_little_memory():
    bomb = _bomb(4096)  # 4 GiB of zeros in ~4 MB
    tracemalloc.start()
    try:
        t = time.perf_counter()
        with pytest.raises(StateFileError, match="compression bomb"):
            Devchain.load_state_data(bomb)
        elapsed = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 5 and peak < 32 * 1024 * 1024, (elapsed, peak)


def test_the_decompressed_size_is_capped():
    data = Devchain().dump_state_data()
    with pytest.raises(StateFileError, match="more than 10000 bytes"):
        Devchain.load_state_data(data, max_size=10_000)
    assert Devchain.load_state_data(data).w3.eth.block_number == 0


def test_damaged_foreign_and_future_states_name_the_problem(tmp_path):
    data = Devchain().dump_state_data()
    doc = _document(data)
    anvil_like = gzip.compress(json.dumps({"block": {}, "accounts": {}, "best_block_number": "0x0"}).encode())
    cases = {
        "foreign (anvil's gzip'd JSON)": (anvil_like, "not a hemi-sdk devchain state"),
        "future": (MAGIC + (FORMAT_VERSION + 1).to_bytes(2, "big") + data[len(MAGIC) + 2:],
                   f"format {FORMAT_VERSION + 1}.*newer"),
        "format 4 (no journal of the pending block)": (MAGIC + (4).to_bytes(2, "big") + data[len(MAGIC) + 2:],
                                                       "format 4.*older development format"),
        "format 5 (no indexer_blocks)": (MAGIC + (5).to_bytes(2, "big") + data[len(MAGIC) + 2:],
                                         "format 5.*older development format"),
        "trailing bytes": (data + b"x", "follow the gzip stream"),
        "truncated": (data[:-9], "truncated"),
        "no version": (MAGIC, "truncated"),
        "not JSON": (MAGIC + FORMAT_VERSION.to_bytes(2, "big") + gzip.compress(b'{"format": nope}'), "not JSON"),
        "deep JSON": (MAGIC + FORMAT_VERSION.to_bytes(2, "big") + gzip.compress(b"[" * 100_000), "deeper than 32"),
        "other document": (_pack({"format": "something else", "version": FORMAT_VERSION}), "does not say"),
        "missing part": (_pack({k: v for k, v in doc.items() if k != "pop"}), "missing \\['pop'\\]"),
        "unknown part": (_pack({**doc, "extra": {}}), "unknown \\['extra'\\]"),
    }
    for name, (blob, message) in cases.items():
        with pytest.raises(StateFileError, match=message):
            Devchain.load_state_data(blob)
        path = tmp_path / name.replace(" ", "_").replace("'", "")
        path.write_bytes(blob)
        with pytest.raises(StateFileError, match=re.escape(path.name)):
            Devchain.load_state(path)


@pytest.mark.parametrize("part, edit", [
    ("btc", lambda d: d["btc"].update(seq="7")),
    ("engine", lambda d: d["engine"]["blocks"][0].append("extra")),
    ("engine", lambda d: d["engine"].update(new_field=1)),
    ("devchain", lambda d: d["devchain"].pop("time_offset")),
    ("sequencer", lambda d: d["sequencer"]["blocks"].append([1, None, [], []])),
    ("keystones", lambda d: d["keystones"].update(interval=None)),
    ("pop", lambda d: d["pop"]["miners"][0].__setitem__(3, "fast")),
    ("tunnel", lambda d: d.__setitem__("tunnel", {"version": 9})),
    ("precompiles", lambda d: d["precompiles"].append(["alien", "00", "x", 1])),
    ("config", lambda d: d["config"].update(chain_id="31337")),
    ("config", lambda d: d["config"].update(new_option=True)),
])
def test_a_part_with_wrong_or_unknown_fields_is_refused_naming_it(part, edit):
    doc = _document(Devchain().dump_state_data())
    edit(doc)
    with pytest.raises(StateFileError, match=f"part '{part}'"):
        Devchain.load_state_data(_pack(doc))


@pytest.mark.parametrize("part, where", [
    ("devchain", lambda dev: dev), ("btc", lambda dev: dev.btc), ("engine", lambda dev: dev.engine),
    ("sequencer", lambda dev: dev.sequencer), ("keystones", lambda dev: dev.keystones), ("pop", lambda dev: dev.pop),
    ("tunnel", lambda dev: dev.tunnel.operator), ("precompiles", lambda dev: dev.precompiles),
])
def test_a_part_that_gained_state_refuses_to_save(part, where):
    """Another change adding an attribute to a part must teach the state format about it: until then a save fails
    naming the part, rather than writing a state that would load without it."""
    dev = Devchain()
    where(dev).new_attribute = 1
    with pytest.raises(StateFileError, match=f"cannot save part '{part}'.*new_attribute"):
        dev.dump_state_data()


def test_pending_transactions_are_saved_as_pending():
    """A save does not mine (a periodic save of an interval-mining server must not make blocks)."""
    dev = Devchain(automine=False)
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 9})
    data = dev.dump_state_data()
    def user_txs(chain):  # the pending block also opens with its system txs (the L1-attributes deposit)
        return [t.hash for t in chain.engine.pending_txs if not getattr(t, "is_op_system", False)]

    assert dev.w3.eth.block_number == 0 and user_txs(dev) == [bytes(h)]
    loaded = Devchain.load_state_data(data)
    assert user_txs(loaded) == [bytes(h)]
    assert [t.hash for t in loaded.engine.pending_txs] == [t.hash for t in dev.engine.pending_txs]
    for chain in (dev, loaded):
        chain.mine(1)
    assert loaded.w3.eth.get_block(1).hash == dev.w3.eth.get_block(1).hash
    assert loaded.w3.eth.get_transaction_receipt(h) == dev.w3.eth.get_transaction_receipt(h)


def test_replace_state_keeps_the_objects_and_refuses_without_change():
    source = _little_chain()
    data = source.dump_state_data()
    dev = Devchain(seed=1)
    parts = (dev.btc, dev.engine, dev.sequencer, dev.pop, dev.tunnel)
    snap = dev.snapshot()
    dev.mine(4)
    dev.replace_state(data)
    assert (dev.btc, dev.engine, dev.sequencer, dev.pop, dev.tunnel) == parts
    assert dev.w3.eth.get_block("latest") == source.w3.eth.get_block("latest")
    assert dev.btc.state_digest() == source.btc.state_digest()
    assert dev.hvm_view("latest") == source.hvm_view("latest")
    with pytest.raises(SnapshotError):
        dev.revert(snap)
    before = (dev.w3.eth.get_block("latest").hash, dev.btc.state_digest())
    other = Devchain(seed=2).dump_state_data()
    with pytest.raises(StateFileError, match="configured differently \\(seed\\)"):
        dev.replace_state(other)
    with pytest.raises(StateFileError):
        dev.replace_state(data[:-30])
    assert (dev.w3.eth.get_block("latest").hash, dev.btc.state_digest()) == before
    for chain in (dev, source):
        chain.btc.mine(2)
        chain.sync_btc()
    assert dev.w3.eth.get_block("latest").hash == source.w3.eth.get_block("latest").hash


def _triple(data: bytes) -> bytes:
    return data * 3


def test_user_precompiles_are_matched_not_imported():
    dev = Devchain()
    dev.precompiles.register(0x99, _triple, gas=5)
    data = dev.dump_state_data()
    to = "0x0000000000000000000000000000000000000099"
    saved = dict(dev_part._SAVED_FUNCTIONS)
    dev_part._SAVED_FUNCTIONS.clear()  # as in a fresh process: nothing was saved here
    try:
        with pytest.raises(StateFileError, match="precompiles=\\{0x0+99: _triple\\}"):
            Devchain.load_state_data(data)
        loaded = Devchain.load_state_data(data, precompiles={0x99: lambda d: d * 2})  # the caller decides
        assert loaded.w3.eth.call({"to": to, "data": "0xab"}) == bytes.fromhex("abab")
        with pytest.raises(StateFileError, match="mounts no user precompile"):
            Devchain.load_state_data(data, precompiles={0x99: _triple, 0x98: _triple})
    finally:
        dev_part._SAVED_FUNCTIONS.update(saved)
    assert Devchain.load_state_data(data).w3.eth.call({"to": to, "data": "0xab"}) == bytes.fromhex("ababab")
    dev.precompiles.unregister(0x41)  # an hVM precompile removed by the user stays removed
    loaded = Devchain.load_state_data(dev.dump_state_data())
    assert 0x41 not in loaded.precompiles and 0x40 in loaded.precompiles


def test_a_state_file_is_written_with_no_path_from_the_rpc(tmp_path):
    """The RPC methods never see a path (hemi.rpc.state_data); only the Python API and the CLI name files."""

    dev = Devchain()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for name in ("hemi_dumpState", "anvil_dumpState"):
            reply = dev.w3.provider.make_request(name, ["state.bin"])
            assert reply["error"]["code"] == -32602 and "data" in reply["error"]["message"]
        for name in ("hemi_loadState", "anvil_loadState"):
            reply = dev.w3.provider.make_request(name, ["state.bin"])
            assert reply["error"]["code"] == -32602 and "not a path" in reply["error"]["message"]
        assert os.listdir(tmp_path) == []
    finally:
        os.chdir(cwd)
    with pytest.raises(HemiValueError):
        Devchain.load_state_data(b"")


def test_the_autosaver_saves_changes_periodically_and_stops(tmp_path):
    from hemi.node.state.autosave import Autosaver

    dev = Devchain()
    path = tmp_path / "s"
    saver = Autosaver(dev, path, interval=0.05)
    assert saver.save() is True and saver.save() is False  # an unchanged state is not rewritten
    saver.start()
    try:
        dev.mine(2)
        deadline = time.monotonic() + 20
        while Devchain.load_state(path).w3.eth.block_number != 2:
            assert time.monotonic() < deadline, "no periodic save"
            time.sleep(0.05)
    finally:
        saver.stop()
    written = saver.saves
    dev.mine(1)
    time.sleep(0.2)
    assert saver.saves == written  # stopped: nothing more is written
    with pytest.raises(ValueError):
        Autosaver(dev, path, interval=-1)
