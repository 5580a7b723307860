"""Example 4: a deployment script for a contract that accepts hemiBTC (examples/contracts/HemiBTCVault.sol).

Without --rpc-url it deploys to an in-process devchain and then uses the vault: BTC enters through the tunnel as
hemiBTC, goes into the vault, stays locked, and comes out after time travel. With --rpc-url it deploys to that
node (a `hemi devchain` server, Hemi testnet, Hemi mainnet...) from the account whose private key is in the
environment variable HEMI_PRIVATE_KEY, after checking that hemiBTC is where it should be.

Run: python examples/04_deploy_hemibtc_vault.py
     HEMI_PRIVATE_KEY=0x... python examples/04_deploy_hemibtc_vault.py --rpc-url http://127.0.0.1:8545
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

from eth_account import Account
from web3 import Web3

from hemi.compiler import compile as compile_sol

HEMI_BTC = "0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28"  # hemiBTC on Hemi mainnet and on the devchain
KEY_VARIABLE = "HEMI_PRIVATE_KEY"
CONTRACT = pathlib.Path(__file__).parent / "contracts" / "HemiBTCVault.sol"


def deploy(w3: Web3, account, *, token: str, lock_seconds: int):
    """Compile, check the token, sign and send the deployment; returns the vault as a web3 contract."""
    code = w3.eth.get_code(token)
    if not code:
        raise SystemExit(f"no contract at {token} on chain {w3.eth.chain_id}: is this a Hemi chain? (--hemibtc)")
    art = compile_sol(CONTRACT)["HemiBTCVault"]
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    tx = factory.constructor(token, lock_seconds).build_transaction({
        "from": account.address, "nonce": w3.eth.get_transaction_count(account.address),
        "chainId": w3.eth.chain_id})
    signed = account.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction), timeout=120)
    if receipt.status != 1:
        raise SystemExit(f"deployment reverted in block {receipt.blockNumber}")
    print(f"HemiBTCVault deployed at {receipt.contractAddress} (chain id {w3.eth.chain_id}, block "
          f"{receipt.blockNumber}, deployer {account.address}, token {token}, lock {lock_seconds} s)")
    return w3.eth.contract(address=receipt.contractAddress, abi=art.abi)


def use_on_devchain(dev, vault) -> None:
    """The vault at work on the in-process devchain: tunnel deposit, vault deposit, lock, time travel, withdraw."""
    from web3.exceptions import ContractLogicError

    from hemi.btc import COIN

    btc, tunnel, saver = dev.btc, dev.tunnel, dev.accounts[1]
    wallet = btc.wallet("saver")
    btc.mine(101, to=wallet.address)
    tunnel.confirm(tunnel.deposit(wallet, 2 * COIN, recipient=saver))
    print(f"saver {saver} holds {tunnel.balance_of(saver)} hemiBTC sats after a 2 BTC tunnel deposit")
    tunnel.token.functions.approve(vault.address, COIN).transact({"from": saver})
    vault.functions.deposit(COIN).transact({"from": saver})
    print(f"vault holds {vault.functions.balanceOf(saver).call()} sats of the saver "
          f"(total {vault.functions.totalDeposits().call()}); saver keeps {tunnel.balance_of(saver)}")
    try:
        vault.functions.withdraw(COIN).transact({"from": saver})
    except ContractLogicError as err:
        print(f"withdraw at once: {err.message}")
    dev.time_travel(seconds=vault.functions.lockSeconds().call(), blocks=1)
    vault.functions.withdraw(COIN).transact({"from": saver})
    print(f"after the lock: the saver holds {tunnel.balance_of(saver)} hemiBTC sats again")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpc-url", help=f"deploy to this node, signing with ${KEY_VARIABLE} (default: an "
                                          f"in-process devchain)")
    parser.add_argument("--hemibtc", default=HEMI_BTC, help="hemiBTC's address (default: Hemi mainnet's)")
    parser.add_argument("--lock-seconds", type=int, default=86_400, help="how long deposits stay locked")
    args = parser.parse_args(argv)
    token = Web3.to_checksum_address(args.hemibtc)
    if args.rpc_url is None:
        import hemi

        dev = hemi.Devchain()
        account = Account.from_key(dev.accounts[0].private_key)  # the key variable is for --rpc-url only
        vault = deploy(dev.w3, account, token=token, lock_seconds=args.lock_seconds)
        use_on_devchain(dev, vault)
        return 0
    key = os.environ.get(KEY_VARIABLE)
    if not key:
        print(f"set {KEY_VARIABLE} to the deployer's private key (hex) to deploy to {args.rpc_url}", file=sys.stderr)
        return 2
    w3 = Web3(Web3.HTTPProvider(args.rpc_url, request_kwargs={"timeout": 60}))
    if not w3.is_connected():
        print(f"no JSON-RPC node answers at {args.rpc_url}", file=sys.stderr)
        return 2
    deploy(w3, Account.from_key(key), token=token, lock_seconds=args.lock_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
