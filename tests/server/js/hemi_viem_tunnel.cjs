// hemi-viem's Bitcoin-tunnel actions (npm) against `hemi devchain --chain-id 43111`:
//   node hemi_viem_tunnel.cjs <scenario> < params.json
// hemi-viem finds the tunnel manager by chain id, so the chain passed to viem is hemi-viem's own `hemi` chain with
// its RPC URL pointed at the devchain. Every exported tunnel action is used as its README shows: a client extended
// with hemi-viem's decorators (the wallet actions with a local account signing).
"use strict";
const viem = require("viem");
const { privateKeyToAccount } = require("viem/accounts");
const hemiViem = require("hemi-viem");
const { main } = require("./_common.cjs");

function chain(p) {
  const base = p.chainId === 743111 ? hemiViem.hemiSepolia : hemiViem.hemi;
  return { ...base, rpcUrls: { default: { http: [p.url] } } };
}

function publicClient(p) {
  return viem
    .createPublicClient({ chain: chain(p), transport: viem.http(p.url) })
    .extend(hemiViem.hemiPublicBitcoinKitActions())
    .extend(hemiViem.hemiPublicBitcoinTunnelManagerActions())
    .extend(hemiViem.hemiPublicGlobalConfigActions())
    .extend(hemiViem.hemiPublicSimpleBitcoinVaultActions())
    .extend(hemiViem.hemiPublicSimpleBitcoinVaultStateActions());
}

function walletClient(p) {
  const account = privateKeyToAccount(p.key);
  const client = viem
    .createWalletClient({ account, chain: chain(p), transport: viem.http(p.url) })
    .extend(hemiViem.hemiWalletBitcoinTunnelManagerActions());
  return { client, from: account.address };
}

async function receipt(p, hash) {
  const r = await publicClient(p).waitForTransactionReceipt({ hash, pollingInterval: 50 });
  return { hash, status: r.status, blockNumber: r.blockNumber };
}

const scenarios = {
  // Every public read, with the vault and its state found the way hemi-viem's actions find them.
  async reads(p) {
    const c = publicClient(p);
    const vaultAddress = await c.getVaultByIndex({ vaultIndex: 0 });
    const vaultStateAddress = await c.getBitcoinVaultStateAddress({ vaultAddress });
    const globalConfigAddress = await c.getGlobalConfigAddress();
    return {
      managerAddress: hemiViem.bitcoinTunnelManagerAddresses[p.chainId],
      vaultCounter: await c.getVaultCounter(),
      vaultAddress,
      vaultIndexByBTCAddress: await c.getVaultIndexByBTCAddress({ btcAddress: p.custodyAddress }),
      bitcoinKitAddress: await c.getBitcoinKitAddress(),
      globalConfigAddress,
      tunnelManagerStatus: await c.getTunnelManagerStatus(),
      withdrawalsPaused: await c.getWithdrawalsPaused({ globalConfigAddress }),
      bitcoinChainLastHeader: await c.getBitcoinChainLastHeader(),
      custodyAddress: await c.getBitcoinCustodyAddress({ vaultAddress }),
      vaultStateAddress,
      gracePeriod: await c.getBitcoinWithdrawalGracePeriod({ vaultAddress }),
      minimumDepositSats: await c.getMinimumDepositSats({ vaultAddress }),
      minimumWithdrawalSats: await c.getMinimumWithdrawalSats({ vaultAddress }),
      vaultStatus: await c.getVaultStatus({ vaultAddress }),
      depositAcknowledged: await c.acknowledgedDeposits({ txId: p.depositTxid, vaultStateAddress }),
      unknownAcknowledged: await c.acknowledgedDeposits({ txId: "00".repeat(32), vaultStateAddress }),
      depositFee: await c.calculateDepositFee({ depositAmount: BigInt(p.amount), vaultStateAddress }),
      withdrawalFee: await c.calculateWithdrawalFee({ withdrawalAmount: BigInt(p.amount), vaultStateAddress }),
      pendingWithdrawalCount: await c.getPendingWithdrawalCount({ vaultStateAddress }),
      pendingWithdrawalAmountSat: await c.getPendingWithdrawalAmountSat({ vaultStateAddress }),
      fulfilled: await Promise.all(p.uuids.map((u) => c.isBitcoinWithdrawalFulfilled({ uuid: BigInt(u), vaultStateAddress }))),
      challenged: await Promise.all(p.uuids.map((u) => c.isBitcoinWithdrawalChallenged({ uuid: BigInt(u), vaultStateAddress }))),
    };
  },

  // The three encoders: calldata the Python side decodes and checks.
  async encoders(p) {
    return {
      confirmDeposit: hemiViem.encodeConfirmDeposit({ extraInfo: "0x", outputIndex: 0n, txId: p.txid, vaultIndex: 0 }),
      initiateWithdrawal: hemiViem.encodeInitiateWithdrawal({ amount: BigInt(p.amount), btcAddress: p.btcAddress,
                                                              vaultIndex: 0 }),
      challengeWithdrawal: hemiViem.encodeChallengeWithdrawal({ uuid: BigInt(p.uuid) }),
    };
  },

  // Wallet actions: each sends one transaction and returns its receipt.
  async confirmDeposit(p) {
    const { client, from } = walletClient(p);
    const hash = await client.confirmDeposit({ extraInfo: "0x", from, outputIndex: BigInt(p.outputIndex),
                                               txId: p.txid, vaultIndex: 0 });
    return receipt(p, hash);
  },

  async initiateWithdrawal(p) {
    const { client, from } = walletClient(p);
    const hash = await client.initiateWithdrawal({ amount: BigInt(p.amount), btcAddress: p.btcAddress, from,
                                                   vaultIndex: 0 });
    return receipt(p, hash);
  },

  async challengeWithdrawal(p) {
    const { client, from } = walletClient(p);
    const hash = await client.challengeWithdrawal({ from, uuid: BigInt(p.uuid) });
    return receipt(p, hash);
  },
};

main(scenarios);
