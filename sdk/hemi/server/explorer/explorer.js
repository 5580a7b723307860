// The hemi devchain explorer: polls /explorer/api/state and renders both chains; searches /explorer/api/search.
// Every value from the server is written with textContent (never innerHTML), so data cannot become markup.
"use strict";

const POLL_MS = 1000;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) td.appendChild(cell); else td.textContent = String(cell);
    tr.appendChild(td);
  }
  return tr;
}

function yesNo(value) {
  return el("span", value ? "yes" : "no", value ? "yes" : "no");
}

function fill(tableId, rows) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren(...rows);
}

function render(state) {
  const hvm = state.hvm;
  document.getElementById("hvm-tips").textContent =
    "tip " + state.bitcoin.height + " · hVM light tip " + hvm.light_tip.height +
    " · indexed tip " + hvm.indexed_tip.height + " (lag " + hvm.indexer_lag + ")";
  fill("btc-blocks", state.bitcoin.blocks.map((b) => {
    const tr = row([b.height, el("span", b.hash, "hash"), b.txs,
      b.indexed ? "indexed" : (b.light ? "light" : "not yet")]);
    tr.dataset.height = String(b.height);
    return tr;
  }));
  fill("l2-blocks", state.l2.blocks.map((b) => {
    const headers = el("div");
    for (const h of b.headers) {
      headers.appendChild(el("div", (h.height === null ? "?" : h.height) + " " + h.hash, "hash"));
    }
    const tr = row([b.keystone ? b.number + " (keystone)" : b.number, el("span", b.hash, "hash"), b.txs, headers]);
    tr.dataset.number = String(b.number);
    return tr;
  }));
  fill("keystones", state.keystones.map((k) => row([
    k.l2_block, el("span", k.hash, "hash"),
    k.publication ? k.publication.height + " (tx " + k.publication.txid + ")" : "not published",
    k.effective_confirmations + " / " + state.superfinality_threshold, yesNo(k.superfinal),
  ])));
}

function definition(list, term, value) {
  list.appendChild(el("dt", term));
  const dd = document.createElement("dd");
  if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
  list.appendChild(dd);
}

function showResult(result) {
  const box = document.getElementById("result");
  const body = document.getElementById("result-body");
  box.hidden = false;
  const list = document.createElement("dl");
  if (result.error) {
    body.replaceChildren(el("p", result.error, "error"));
    return;
  }
  if (result.kind === "l2") {
    definition(list, "L2 transaction", el("span", result.hash, "hash"));
    definition(list, "in L2 block", result.block);
    definition(list, "superfinal", yesNo(result.superfinal));
    definition(list, "effective confirmations", result.effective_confirmations);
    const p = result.provenance;
    if (p) {
      for (const b of p.bitcoin) {
        definition(list, "(1) Bitcoin proof", el("span", "tx " + b.txid + " in block " + b.block_hash +
          " (height " + b.height + ", " + b.confirmations + " confirmations)", "hash"));
      }
      definition(list, "(2) Hemi ordering", "L2 block " + p.ordering.l2_block + ", position " + p.ordering.position +
        " (" + p.ordering.kind + "), under light tip " + p.ordering.light_tip_height + " / indexed tip " +
        p.ordering.indexed_height);
      const a = p.anchoring;
      definition(list, "(3) PoP anchoring", a.publication_txid
        ? "keystone " + a.keystone + " published in Bitcoin tx " + a.publication_txid + " at height " +
          a.publication_height + ", " + a.effective_confirmations + " effective confirmations"
        : "keystone " + a.keystone + " not published yet");
    } else {
      definition(list, "provenance", result.provenance_note || "none");
    }
  } else if (result.kind === "btc") {
    definition(list, "Bitcoin transaction", el("span", result.txid, "hash"));
    definition(list, "block", result.height === null ? "mempool" : result.height + " " + result.block_hash);
    definition(list, "confirmations", result.confirmations);
    definition(list, "in the hVM light view", yesNo(result.light));
    definition(list, "in the hVM indexed view", yesNo(result.indexed));
    if (result.note) definition(list, "note", result.note);
  } else {
    definition(list, "not found", result.query);
    definition(list, "note", result.note);
  }
  body.replaceChildren(list);
}

async function search(text) {
  const reply = await fetch("/explorer/api/search?q=" + encodeURIComponent(text), {cache: "no-store"});
  showResult(await reply.json());
}

async function poll() {
  const status = document.getElementById("status");
  try {
    const reply = await fetch("/explorer/api/state", {cache: "no-store"});
    if (!reply.ok) throw new Error("HTTP " + reply.status);
    const state = await reply.json();
    render(state);
    status.textContent = "live · L2 block " + state.l2.height + " · Bitcoin height " + state.bitcoin.height;
  } catch (err) {
    status.textContent = "disconnected: " + err.message;
  }
  setTimeout(poll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("search");
  const initial = new URLSearchParams(window.location.search).get("tx");
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    history.replaceState(null, "", "/?tx=" + encodeURIComponent(text));
    search(text);
  });
  if (initial) {
    input.value = initial;
    search(initial);
  }
  poll();
});
