// Shared by the real-client scripts: read the parameters (JSON on stdin), print the result (JSON on stdout, bigints
// as decimal strings), exit 1 with the error on stderr. The packages come from hemi-sdk's npm cache (NODE_PATH).
"use strict";
const fs = require("fs");

function params() {
  return JSON.parse(fs.readFileSync(0, "utf8") || "{}");
}

function output(value) {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
}

function main(scenarios) {
  const name = process.argv[2];
  const fn = scenarios[name];
  if (!fn) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(", ")}`);
    process.exit(2);
  }
  fn(params())
    .then((result) => {
      output(result);
      process.exit(0); // WebSocket transports keep the event loop alive
    })
    .catch((err) => {
      console.error(err && err.stack ? err.stack : err);
      process.exit(1);
    });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The devchain as a viem chain: id from the server, every RPC URL (opNode too, which hemi-viem's finality action
// reads) pointing at it.
function devchain(viem, p) {
  return viem.defineChain({
    id: p.chainId,
    name: "hemi devchain",
    nativeCurrency: { decimals: 18, name: "Ether", symbol: "ETH" },
    rpcUrls: {
      default: { http: [p.url], webSocket: p.wsUrl ? [p.wsUrl] : [] },
      opNode: { http: [p.url] },
    },
  });
}

module.exports = { main, sleep, devchain };
