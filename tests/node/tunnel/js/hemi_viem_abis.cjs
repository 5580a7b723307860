// Prints the ABIs the npm package hemi-viem ships for the Bitcoin tunnel (manager, vault, vault state, global
// config) as JSON, with the manager addresses it knows by chain id: node hemi_viem_abis.cjs
// The package comes from hemi-sdk's npm cache (NODE_PATH); its compiled CommonJS modules hold the ABI arrays.
"use strict";
const path = require("path");

// the package's "exports" hide its files: find its directory from the resolved entry point (<root>/_cjs/index.js)
const root = path.resolve(path.dirname(require.resolve("hemi-viem")), "..");
const load = (file) => require(path.join(root, "_cjs", "contracts", file));

const manager = load("bitcoin-tunnel-manager.js");
const out = {
  manager: manager.bitcoinTunnelManagerAbi,
  managerAddresses: manager.bitcoinTunnelManagerAddresses,
  vault: load("simple-bitcoin-vault.js").simpleBitcoinVaultAbi,
  vaultState: load("simple-bitcoin-vault-state.js").simpleBitcoinVaultStateAbi,
  globalConfig: load("global-config.js").globalConfigAbi,
};
process.stdout.write(JSON.stringify(out) + "\n");
