"""The explorer's routes over plain HTTP: who gets the page, the JSON it polls, the search answers (issue 18).

The browser rules are the server's (sdk/hemi/server/guard.py): a foreign Origin is refused before anything runs, and
a request a browser marks as sent for another site (Sec-Fetch-Site) is served only for an allowed origin."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

PAGE = {"Accept": "text/html,application/xhtml+xml"}


# `server`: the module-scoped DevchainServer of tests/server/conftest.py (seed 7, free ports)


def get(server, path: str, **headers: str) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(server.url + path, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_root_is_the_page_for_browsers_and_health_for_scripts(server):
    status, headers, body = get(server, "/", **PAGE)
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"explorer.js" in body
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = get(server, "/")  # curl, scripts: the JSON health answer as before
    assert status == 200 and json.loads(body)["status"] == "ok"
    for path in ("/explorer/explorer.js", "/explorer/explorer.css"):
        status, headers, body = get(server, path)
        assert status == 200 and headers["Cross-Origin-Resource-Policy"] == "same-origin" and body


def test_other_sites_are_refused(server):
    # a foreign page's fetch (Origin) never reaches the explorer: the server's guard answers 403
    assert get(server, "/explorer/api/state", Origin="https://evil.example")[0] == 403
    assert get(server, "/", Origin="null", **PAGE)[0] == 403
    # a navigation from another site (no Origin; Sec-Fetch-Site and Referer say where from)
    foreign = {"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/page"}
    assert get(server, "/", **PAGE, **foreign)[0] == 403
    assert get(server, "/explorer/api/state", **{"Sec-Fetch-Site": "cross-site"})[0] == 403
    # an allowed origin (a local dev server's page), a typed URL and the page's own requests are served
    local = {"Sec-Fetch-Site": "same-site", "Referer": "http://localhost:3000/app"}
    assert get(server, "/", **PAGE, **local)[0] == 200
    assert get(server, "/", **PAGE, **{"Sec-Fetch-Site": "none"})[0] == 200
    assert get(server, "/explorer/api/state", **{"Sec-Fetch-Site": "same-origin"})[0] == 200
    # a foreign Host (DNS rebinding) is refused by the guard for the page too
    assert get(server, "/", Host="attacker.example", **PAGE)[0] == 403


def test_state_and_search(server):
    dev = server.dev
    with server.lock:
        dev.btc.mine(3)
        dev.sync_btc()
        txid = dev.btc.block(1).txids[0]
    state = json.loads(get(server, "/explorer/api/state")[2])
    assert state["bitcoin"]["height"] == dev.btc.height and state["l2"]["height"] == dev.engine.head_number
    carried = [h["height"] for b in state["l2"]["blocks"] for h in b["headers"]]
    assert sorted(carried) == [1, 2, 3]  # every header the L2 blocks carried, with its Bitcoin height
    assert state["hvm"]["indexed_tip"]["height"] == state["hvm"]["light_tip"]["height"] - 2

    found = json.loads(get(server, f"/explorer/api/search?q={txid}")[2])
    assert found["kind"] == "btc" and found["height"] == 1 and found["indexed"] is True
    # the same bytes in the other order: not found, and the note names the order to use
    other = bytes.fromhex(str(txid))[::-1].hex()
    note = json.loads(get(server, f"/explorer/api/search?q={other}")[2])
    assert note["kind"] == "unknown" and str(txid) in note["note"] and "display" in note["note"]
    status, _, body = get(server, "/explorer/api/search?q=0x1234")
    assert status == 400 and "is not a hash" in json.loads(body)["error"]
    unknown = json.loads(get(server, "/explorer/api/search?q=" + "ab" * 32)[2])
    assert unknown["kind"] == "unknown"
