"""The explorer page of ``hemi devchain`` in headless Chromium (issue 18, "An explorer page").

Driven by Playwright (PyPI ``playwright``) on the system's Chromium (Debian's ``chromium`` package at
``/usr/bin/chromium``; Playwright's own browser download is never used). Without either, the test skips saying which
is missing. The page is loaded from a real server, the test mines on both chains and waits for the page's poll to
show the new blocks, searches an L2 transaction with provenance and a Bitcoin txid, and checks that markup in a
search renders as text.
"""

from __future__ import annotations

import os
import shutil

import pytest

from hemi.devchain import Devchain
from hemi.server import DevchainServer

CHROMIUM = os.environ.get("HEMI_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (PyPI) is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set HEMI_CHROMIUM)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def server():
    srv = DevchainServer(Devchain(seed=7, hvm_indexer_lag=0), port=0, btc_port=0)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def test_page_shows_both_chains_live_and_searches(browser, server):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")
    page.wait_for_selector("#l2-blocks tbody tr[data-number='0']", timeout=WAIT_MS)
    assert page.locator("#btc-blocks tbody tr").count() == 1  # genesis only

    dev = server.dev
    with server.lock:  # mine while the page is open: a Bitcoin payment, a forced input ordered after it, a keystone
        alice = dev.btc.wallet("alice")
        dev.btc.mine(101, to=alice.address)
        pay = alice.send(dev.btc.wallet("bob").address, 1_000_000)
        dev.btc.mine(1)
        fid = dev.sequencer.submit({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1}, depends_on=[pay])
        dev.sync_btc()
        tx = dev.sequencer.tx_of(fid)
        dev.superfinalize(tx)
        btc_height, l2_head = dev.btc.height, dev.engine.head_number
    tx_hex = "0x" + bytes(tx).hex() if not isinstance(tx, str) else tx

    # the poll brings the new tips in: the newest Bitcoin block and L2 block are rows of their tables
    page.wait_for_selector(f"#btc-blocks tbody tr[data-height='{btc_height}']", timeout=WAIT_MS)
    page.wait_for_selector(f"#l2-blocks tbody tr[data-number='{l2_head}']", timeout=WAIT_MS)
    assert "indexed" in page.locator(f"#btc-blocks tbody tr[data-height='{btc_height}']").inner_text()
    keystones = page.locator("#keystones tbody").inner_text()
    assert "yes" in keystones  # the keystone superfinalize published: superfinal

    # search the L2 tx: its three links and superfinality
    page.fill("#search", tx_hex)
    page.click("#search-form button")
    page.wait_for_selector("#result-body dl", timeout=WAIT_MS)
    text = page.locator("#result-body").inner_text()
    assert "(1) Bitcoin proof" in text and str(pay) in text
    assert "(2) Hemi ordering" in text and "(3) PoP anchoring" in text
    assert "superfinal\nyes" in text or "superfinal\tyes" in text
    assert page.url.endswith("/?tx=" + tx_hex)

    # /?tx=<txid> opens with a Bitcoin search
    page.goto(server.url + f"/?tx={pay}")
    page.wait_for_selector("#result-body dl", timeout=WAIT_MS)
    text = page.locator("#result-body").inner_text()
    assert "Bitcoin transaction" in text and str(pay) in text and "in the hVM indexed view" in text

    # markup in a search is text: no element is created from it
    attack = "<img src=x onerror=window.__pwned=1><b id=injected>x</b>" + "0" * 8
    page.goto(server.url + "/?tx=" + attack.replace("<", "%3C").replace(">", "%3E").replace("=", "%3D"))
    page.wait_for_selector("#result-body p.error", timeout=WAIT_MS)
    assert page.locator("#result-body p.error").inner_text().startswith("<img src=x onerror")  # shown, as text
    assert page.locator("#injected").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    assert page.input_value("#search").startswith("<img src=x")
    assert errors == []
    page.close()

