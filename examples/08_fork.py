"""Example 8: fork a running Hemi chain and test against its state and its Bitcoin view, without deploying there.

A `hemi devchain` server stands in for Hemi mainnet here (the same code forks mainnet with
``--fork-url https://rpc.hemi.network/rpc``): it holds a Bitcoin payment in its hVM view and a funded account.
The fork reads that state lazily at one pinned block, answers hBK's Bitcoin calls from the remote's view at that
block, and keeps every local change to itself: the remote never sees them. docs/fork.md explains fork mode.

Run: python examples/08_fork.py
     python examples/08_fork.py --fork-url https://rpc.hemi.network/rpc   # Hemi mainnet (needs internet)
"""

from __future__ import annotations

import argparse

from hemi import Devchain
from hemi.btc import COIN
from hemi.server import DevchainServer

WHALE = "0x" + "77" * 20  # an account without a key on the fork: impersonated there


def start_remote() -> tuple[DevchainServer, str]:
    """A local `hemi devchain` with some history: a Bitcoin payment in its hVM view, a funded account."""
    remote = Devchain(seed=3)
    alice, bob = remote.btc.wallet("alice"), remote.btc.wallet("bob")
    remote.btc.mine(101, to=alice.address)
    alice.send(bob.address, 2 * COIN)
    remote.btc.mine(5)
    remote.sync_btc()  # the payment enters the remote's hVM view
    remote.w3.eth.send_transaction({"from": remote.accounts[0], "to": WHALE, "value": 50 * 10**18})
    server = DevchainServer(remote, port=0, btc_port=None)
    server.start()
    print(f"remote devchain at block {remote.engine.head_number}; bob holds 2 BTC on its Bitcoin chain")
    return server, bob.address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fork-url", help="fork this Hemi JSON-RPC endpoint instead of a local devchain")
    parser.add_argument("--fork-block-number", type=int, default=None)
    args = parser.parse_args()
    server = None
    bob = None
    url = args.fork_url
    if url is None:
        server, bob = start_remote()
        url = f"http://127.0.0.1:{server.port}"
    try:
        fork = Devchain(fork_url=url, fork_block=args.fork_block_number, fork_cache=args.fork_url is not None)
        w3 = fork.w3
        print(f"forked at block {fork.fork.number} (chain id {w3.eth.chain_id}); the fork's next block is "
              f"{fork.fork.number + 1}")
        kit = fork.bitcoin_kit  # hBK lives on the remote; its precompile calls are answered by the remote
        print("hBK last Bitcoin header height:", kit.functions.getLastHeader().call()[0])
        if bob is not None:
            print("hBK balance of bob:", kit.functions.getBitcoinAddressBalance(bob).call() / COIN, "BTC")
            whale = w3.to_checksum_address(WHALE)
            with fork.anchor():  # everything inside is undone on exit
                fork.impersonate(whale)
                w3.eth.send_transaction({"from": whale, "to": fork.accounts[1], "value": 10 * 10**18})
                print("on the fork the whale sent 10 ETH: it has", w3.eth.get_balance(whale) // 10**18, "ETH left,",
                      "block", w3.eth.block_number)
                with server.lock:  # the remote devchain is served from another thread
                    remote_balance = server.dev.w3.eth.get_balance(whale)
                print("on the remote it still has", remote_balance // 10**18, "ETH")
            print("after the anchor the fork is back at block", w3.eth.block_number, "with",
                  w3.eth.get_balance(whale) // 10**18, "ETH for the whale")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
