// hemi-viem's public actions (npm) against `hemi devchain`: node hemi_viem_client.cjs <scenario> < params.json
// The actions are used exactly as hemi-viem's README shows: a viem public client extended with its decorators.
"use strict";
const viem = require("viem");
const hemiViem = require("hemi-viem");
const { main, devchain } = require("./_common.cjs");

function client(p) {
  return viem
    .createPublicClient({ chain: devchain(viem, p), transport: viem.http(p.url) })
    .extend(hemiViem.hemiPublicBitcoinKitActions())
    .extend(hemiViem.hemiPublicOpNodeActions());
}

const scenarios = {
  // hBK reads through hemi-viem's bitcoin-kit actions (readContract against IBitcoinKit at p.hbk).
  async bitcoinKit(p) {
    const c = client(p);
    const bitcoinKitAddress = p.hbk;
    return {
      lastHeader: await c.getLastHeader({ bitcoinKitAddress }),
      // deployed Hemi's 0x45 answers empty, so hBK's getHeaderN reverts: report the reason instead of failing
      headerN: await c.getHeaderN({ bitcoinKitAddress, height: p.height }).catch((e) => ({ error: e.shortMessage })),
      balance: await c.getBitcoinAddressBalance({ bitcoinKitAddress, btcAddress: p.btcAddress }),
      utxos: await c.getUtxosForBitcoinAddress({ bitcoinKitAddress, btcAddress: p.btcAddress, pageNumber: 0,
                                                 pageSize: 10 }),
      confirmations: await c.getTxConfirmations({ bitcoinKitAddress, txId: p.txid }),
    };
  },

  // getTransactionByTxId: decoded with hemi-viem's own ABI of the Transaction struct.
  async transaction(p) {
    return client(p).getTransactionByTxId({ bitcoinKitAddress: p.hbk, txId: p.txid });
  },

  // getBtcFinalityByBlockHash (optimism_btcFinalityByBlockHash on the chain's opNode URL) for each hash.
  async finality(p) {
    const c = client(p);
    const out = [];
    for (const hash of p.hashes) {
      out.push(await c.getBtcFinalityByBlockHash({ hash }));
    }
    return out;
  },
};

main(scenarios);
