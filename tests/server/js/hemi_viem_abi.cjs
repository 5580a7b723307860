// The hBK ABI that hemi-viem's actions call (hemi-viem src/contracts/bitcoin-kit-txs.ts), printed as JSON. The
// package does not export that module, so it is loaded by its path under NODE_PATH (hemi-sdk's npm cache).
"use strict";
const path = require("path");
const { main } = require("./_common.cjs");

main({
  async bitcoinKit() {
    const file = path.join(process.env.NODE_PATH, "hemi-viem", "_cjs", "contracts", "bitcoin-kit-txs.js");
    return require(file).bitcoinKitTxsAbi;
  },
});
