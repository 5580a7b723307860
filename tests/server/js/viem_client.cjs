// viem (npm) against `hemi devchain`: node viem_client.cjs <scenario> < params.json > result.json
// Each scenario uses viem's public API only, as a dapp script would, and reports what it saw; the Python test
// compares that with the devchain's own state.
"use strict";
const viem = require("viem");
const { privateKeyToAccount } = require("viem/accounts");
const { main, sleep, devchain } = require("./_common.cjs");

function clients(p) {
  const chain = devchain(viem, p);
  const transport = viem.http(p.url);
  const pub = viem.createPublicClient({ chain, transport });
  const account = p.key ? privateKeyToAccount(p.key) : p.address;
  const wallet = viem.createWalletClient({ account, chain, transport });
  return { chain, pub, wallet };
}

const scenarios = {
  // a block with system transactions read back: plain viem, and viem with the OP-stack formatters (what an
  // OP-stack chain definition such as Hemi's uses), full block, each transaction and its receipt.
  async systemTxs(p) {
    const { chain } = clients(p);
    const transport = viem.http(p.url);
    const plain = viem.createPublicClient({ chain, transport });
    const { chainConfig } = require("viem/op-stack");
    const op = viem.createPublicClient({ chain: { ...chain, formatters: chainConfig.formatters }, transport });
    const out = {};
    for (const [name, client] of [["plain", plain], ["op", op]]) {
      const block = await client.getBlock({ blockNumber: BigInt(p.block), includeTransactions: true });
      const txs = [];
      for (const t of block.transactions) {
        const tx = await client.getTransaction({ hash: t.hash });
        const r = await client.getTransactionReceipt({ hash: t.hash });
        txs.push({ hash: tx.hash, type: tx.type, typeHex: tx.typeHex, from: tx.from, to: tx.to,
                   sourceHash: tx.sourceHash ?? null, mint: tx.mint === undefined ? null : tx.mint.toString(),
                   index: tx.transactionIndex, status: r.status, l1Fee: r.l1Fee === undefined || r.l1Fee === null
                     ? null : r.l1Fee.toString() });
      }
      out[name] = { count: block.transactions.length, txs };
    }
    return out;
  },

  // chain id, block number, balance, a transfer signed locally (eth_sendRawTransaction with viem's own nonce, gas
  // and EIP-1559 fee estimation), its receipt, the transaction, fee history and the latest block.
  async basics(p) {
    const { pub, wallet } = clients(p);
    const chainId = await pub.getChainId();
    const blockNumber = await pub.getBlockNumber({ cacheTime: 0 });
    const balanceBefore = await pub.getBalance({ address: p.to });
    const fees = await pub.estimateFeesPerGas();
    const hash = await wallet.sendTransaction({ to: p.to, value: 12345n });
    const receipt = await pub.waitForTransactionReceipt({ hash, timeout: 20_000 });
    const tx = await pub.getTransaction({ hash });
    const balanceAfter = await pub.getBalance({ address: p.to });
    const feeHistory = await pub.getFeeHistory({ blockCount: 2, rewardPercentiles: [25, 75] });
    const block = await pub.getBlock({ blockTag: "latest" });
    const count = await pub.getTransactionCount({ address: wallet.account.address });
    return {
      chainId, blockNumber, balanceBefore, balanceAfter, fees, hash, count,
      receipt: { status: receipt.status, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed,
                 from: receipt.from, to: receipt.to, effectiveGasPrice: receipt.effectiveGasPrice },
      tx: { from: tx.from, to: tx.to, value: tx.value, nonce: tx.nonce, type: tx.type, blockHash: tx.blockHash },
      feeHistory, block: { number: block.number, hash: block.hash, baseFeePerGas: block.baseFeePerGas,
                           transactions: block.transactions },
    };
  },

  // deploy a contract, write, read, read its events, and a simulated call that reverts with a reason.
  async contract(p) {
    const { pub, wallet } = clients(p);
    const deployHash = await wallet.deployContract({ abi: p.abi, bytecode: p.bytecode });
    const deployed = await pub.waitForTransactionReceipt({ hash: deployHash });
    const address = deployed.contractAddress;
    const box = viem.getContract({ address, abi: p.abi, client: { public: pub, wallet } });
    const storeHash = await box.write.store([42n]);
    const stored = await pub.waitForTransactionReceipt({ hash: storeHash });
    const value = await box.read.value();
    const events = await pub.getContractEvents({ address, abi: p.abi, eventName: "Stored",
                                                 fromBlock: deployed.blockNumber });
    const gas = await box.estimateGas.store([5n], { account: wallet.account });
    let revert = null;
    try {
      await pub.simulateContract({ address, abi: p.abi, functionName: "store", args: [7n], account: wallet.account });
    } catch (err) {
      const reverted = err.walk((e) => e instanceof viem.ContractFunctionRevertedError);
      revert = { name: err.name, reason: reverted ? reverted.reason : null, message: err.shortMessage };
    }
    const blockReceipts = await pub.request({ method: "eth_getBlockReceipts",
                                              params: [viem.toHex(stored.blockNumber)] });
    return {
      address, deployBlock: deployed.blockNumber, storeHash, storeStatus: stored.status, value, gas, revert,
      events: events.map((e) => ({ value: e.args.value, transactionHash: e.transactionHash, logIndex: e.logIndex })),
      blockReceipts: blockReceipts.map((r) => ({ transactionHash: r.transactionHash, status: r.status,
                                                 logs: r.logs.length })),
    };
  },

  // getProof (EIP-1186) of a contract's account and its slot 0, and createAccessList of a call that writes slot 0
  async proofAndAccessList(p) {
    const { pub } = clients(p);
    const slot = viem.pad("0x0", { size: 32 });
    const proof = await pub.getProof({ address: p.address, storageKeys: [slot] });
    const access = await pub.createAccessList({ account: p.from, to: p.address, data: p.data });
    return {
      accountProof: proof.accountProof.length, storageHash: proof.storageHash, nonce: proof.nonce,
      codeHash: proof.codeHash, storage: proof.storageProof.map((s) => ({ key: s.key, value: s.value,
                                                                          proof: s.proof.length })),
      accessList: access.accessList, gasUsed: access.gasUsed,
    };
  },

  // over WebSocket: plain requests, and watchBlocks / watchPendingTransactions / watchContractEvent, which viem
  // implements with eth_subscribe newHeads / newPendingTransactions / logs on a WebSocket transport. Transactions
  // are sent over HTTP until every watcher has seen one (subscriptions are set up asynchronously).
  async websocket(p) {
    const { pub, wallet } = clients(p);
    const chain = devchain(viem, p);
    const ws = viem.createPublicClient({ chain, transport: viem.webSocket(p.wsUrl) });
    const wsBlockNumber = await ws.getBlockNumber();
    const wsChainId = await ws.getChainId();
    const seen = { blocks: [], pending: [], events: [] };
    const errors = [];
    const onError = (e) => errors.push(String(e));
    const unwatch = [
      ws.watchBlocks({ onBlock: (b) => seen.blocks.push({ number: b.number, hash: b.hash }), onError }),
      ws.watchPendingTransactions({ onTransactions: (hs) => seen.pending.push(...hs), onError }),
      ws.watchContractEvent({ address: p.box, abi: p.abi, eventName: "Stored", onError,
                              onLogs: (logs) => seen.events.push(...logs.map((l) => ({
                                value: l.args.value, transactionHash: l.transactionHash }))) }),
    ];
    const sent = [];
    const deadline = Date.now() + 20_000;
    let n = 100n;
    while (Date.now() < deadline && !(seen.blocks.length && seen.pending.length && seen.events.length)) {
      const hash = await wallet.writeContract({ address: p.box, abi: p.abi, functionName: "store", args: [n] });
      const r = await pub.waitForTransactionReceipt({ hash });
      sent.push({ hash, value: n, blockNumber: r.blockNumber, blockHash: r.blockHash });
      n += 1n;
      await sleep(200);
    }
    await sleep(200);
    unwatch.forEach((u) => u());
    return { wsBlockNumber, wsChainId, sent, seen, errors };
  },

  // viem's test client in anvil mode: snapshot / revert, setBalance, mine, setNonce, automine, time, impersonation.
  async testClient(p) {
    const { chain, pub } = clients(p);
    const test = viem.createTestClient({ chain, mode: "anvil", transport: viem.http(p.url) });
    const start = { block: await pub.getBlockNumber({ cacheTime: 0 }),
                    balance: await pub.getBalance({ address: p.target }) };
    const snapshot = await test.snapshot();
    await test.setBalance({ address: p.target, value: 777n });
    const balanceSet = await pub.getBalance({ address: p.target });
    await test.mine({ blocks: 3 });
    const mined = await pub.getBlockNumber({ cacheTime: 0 });
    await test.setNonce({ address: p.target, nonce: 5 });
    const nonceSet = await pub.getTransactionCount({ address: p.target });
    const automine = await test.getAutomine();
    const head = await pub.getBlock();
    await test.setNextBlockTimestamp({ timestamp: head.timestamp + 1000n });
    await test.mine({ blocks: 1 });
    const timed = await pub.getBlock();
    await test.setBalance({ address: p.target, value: 10n ** 18n });
    await test.impersonateAccount({ address: p.target });
    const impersonated = viem.createWalletClient({ account: p.target, chain, transport: viem.http(p.url) });
    const hash = await impersonated.sendTransaction({ to: p.to, value: 1n });
    const impersonatedReceipt = await pub.waitForTransactionReceipt({ hash });
    await test.stopImpersonatingAccount({ address: p.target });
    let afterStop = null;
    try {
      await impersonated.sendTransaction({ to: p.to, value: 1n });
    } catch (err) {
      afterStop = err.details || err.shortMessage;
    }
    await test.revert({ id: snapshot });
    const end = { block: await pub.getBlockNumber({ cacheTime: 0 }),
                  balance: await pub.getBalance({ address: p.target }),
                  nonce: await pub.getTransactionCount({ address: p.target }) };
    return { start, snapshot, balanceSet, mined, nonceSet, automine, headTimestamp: head.timestamp,
             timedTimestamp: timed.timestamp, impersonated: { hash, status: impersonatedReceipt.status,
             from: impersonatedReceipt.from }, afterStop, end };
  },

  // a JSON-RPC account (the node holds the key, as with a browser wallet): eth_accounts, eth_sendTransaction,
  // personal_sign, eth_signTypedData_v4; the signatures checked with viem's own verifiers.
  async jsonRpcAccount(p) {
    const { pub, wallet } = clients(p);
    const addresses = await wallet.getAddresses();
    const hash = await wallet.sendTransaction({ to: p.to, value: 99n });
    const receipt = await pub.waitForTransactionReceipt({ hash });
    const message = "hello from viem";
    const signature = await wallet.signMessage({ message });
    const messageOk = await viem.verifyMessage({ address: p.address, message, signature });
    const typed = {
      domain: { name: "Hemi devchain", version: "1", chainId: p.chainId,
                verifyingContract: "0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12" },
      types: { Mail: [{ name: "to", type: "address" }, { name: "contents", type: "string" }] },
      primaryType: "Mail",
      message: { to: p.to, contents: "gm" },
    };
    const typedSignature = await wallet.signTypedData(typed);
    const typedOk = await viem.verifyTypedData({ address: p.address, signature: typedSignature, ...typed });
    return { addresses, hash, status: receipt.status, from: receipt.from, message, signature, messageOk,
             typedSignature, typedOk };
  },
};

main(scenarios);
