// ethers v6 against the devchain server: the scenarios tests/server/test_real_clients.py runs.
"use strict";
const { main } = require("./_common.cjs");
const ethers = require("ethers");

main({
  // a block that opens with the L1-attributes deposit (0x7E) and a 0x7C Bitcoin-attributes tx, then a transfer:
  // getBlock with its transactions, getTransaction and getTransactionReceipt of each
  async systemTxs(p) {
    const provider = new ethers.JsonRpcProvider(p.url, p.chainId, { staticNetwork: true });
    const block = await provider.getBlock(p.block, true);
    const txs = [];
    for (const t of block.prefetchedTransactions) {
      const tx = await provider.getTransaction(t.hash);
      const r = await provider.getTransactionReceipt(t.hash);
      txs.push({ hash: tx.hash, type: tx.type, from: tx.from, to: tx.to, index: tx.index, status: r.status,
                 gasUsed: r.gasUsed, blockNumber: r.blockNumber });
    }
    return { count: block.transactions.length, txs };
  },
});
