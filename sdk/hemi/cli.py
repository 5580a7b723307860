"""The ``hemi`` command line: a thin face over the public API."""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import sys
from typing import Any

import click
from click.core import ParameterSource

from hemi._version import DISTRIBUTION, __version__
from hemi.constants import HBK_ADDRESS
from hemi.errors import HemiError
from hemi.server.cli_options import banner_lines, cookie_dir, security_options, server_kwargs
from hemi.server.fork_options import apply_fork_options, fork_options
from hemi.server.guard import DEFAULT_HOST, is_loopback

BANNER_WALLETS = ("alice", "bob", "carol", "miner")
_SAVE_WAIT = 10.0  # seconds the exit save waits for a request that cannot be stopped (mining, a transaction)


@click.group()
@click.version_option(version=__version__, package_name=DISTRIBUTION)
def main() -> None:
    """hemi-sdk: devchain and tools for Hemi smart-contract developers."""


@main.command()
@click.option("--seed", default=0, show_default=True, help="Chain seed: same seed, same blocks and txids.")
def demo(seed: int) -> None:
    """Run the main demo on the embedded devchain."""
    from hemi.demo import main as run  # deferred: the demo builds a devchain (py-evm, ~0.7 s); --help never pays

    run(seed=seed)


@main.command()
@click.option("--host", default=None, help="Interface to bind [default: 127.0.0.1]. Anything but loopback exposes "
                                           "the public dev keys to the network: only when asked explicitly.")
@click.option("--port", "-p", default=8545, show_default=True, type=click.IntRange(0, 65535),
              help="Ethereum JSON-RPC port (HTTP, WebSocket and BFG /v2/keystonefinality); 0 picks a free one, "
                   "and for the Bitcoin RPC too unless --btc-port is given.")
@click.option("--btc-port", default=None, type=click.IntRange(0, 65535),
              help="Bitcoin Core JSON-RPC port; 0 picks a free one [default: 18443, regtest's; with --port 0 a "
                   "free one too, unless --btc-port is given].")
@click.option("--no-btc-rpc", is_flag=True, help="Do not open the Bitcoin Core RPC port.")
@click.option("--chain-id", default=31337, show_default=True, type=click.IntRange(min=1))
@click.option("--accounts", "-a", default=10, show_default=True, type=click.IntRange(min=1),
              help="Number of funded dev accounts.")
@click.option("--balance", default=10_000, show_default=True, type=click.IntRange(min=0),
              help="Ether in each dev account (anvil's flag).")
@click.option("--mnemonic", "-m", default=None, help="BIP-39 mnemonic of the dev accounts [default: anvil's].")
@click.option("--seed", default=0, show_default=True, help="Chain seed: same seed, same Bitcoin chain and txids.")
@click.option("--block-time", "-b", default=None, type=click.FloatRange(min=0, min_open=True),
              help="Mine an L2 block every N seconds (interval mining) [default: automine, a block per tx].")
@click.option("--btc-block-time", default=None, type=click.FloatRange(min=0, min_open=True),
              help="Mine a Bitcoin block every N seconds [default: only on request].")
@click.option("--keystone-interval", default=25, show_default=True, type=click.IntRange(min=1),
              help="Every Nth L2 block is a keystone.")
@click.option("--hvm-profile", default="deployed", show_default=True, type=click.Choice(["deployed", "hvmphase0"]),
              help="hVM precompile behaviour and hBK ABI: 'deployed' (newest op-geth) or 'hvmphase0' (the Oct-2024 "
                   "0x42 layout the published BitcoinKit.sol parses); see docs/hvm-precompiles.md.")
@click.option("--hvm-header-n", default=None, type=click.Choice(["empty", "fixed"]),
              help="0x45 btcHeaderN: 'empty' as every heminetwork release v1.0.0-v2.0.0, 'fixed' as heminetwork main "
                   "since d8c88dc5 [default: the profile's; 'empty' for deployed].")
@click.option("--hvm-genesis-btc-height", default=0, show_default=True, type=click.IntRange(min=0),
              help="hVM activation: Bitcoin data below this height is hidden from the precompiles.")
@click.option("--finality-rpc", default="v2", show_default=True, type=click.Choice(["v2", "v1"]),
              help="optimism_btcFinalityByBlockHash answers as the newest op-node (BFG v2 object) or as v1 (list).")
@click.option("--evm-fork", default="prague", show_default=True, type=click.Choice(["prague", "cancun"]),
              help="EVM fork: Hemi's Prague (with P256VERIFY) or the older Cancun.")
@click.option("--no-op-stack", is_flag=True,
              help="Plain EVM blocks: no L1-attributes deposit, L1 fee, 0x7C or 0x7D system transactions.")
@click.option("--pop-payout-delay", default=200, show_default=True, type=click.IntRange(min=1),
              help="Keystone block N pays the PoP miners of keystone N - delay (0x7D).")
@click.option("--state", "state_file", default=None, type=click.Path(dir_okay=False),
              help="Load the chain from FILE at start (if it exists); save it there on exit and periodically.")
@click.option("--state-interval", default=5.0, show_default=True, type=click.FloatRange(min=0),
              help="With --state: save every N seconds (a kill -9 loses at most that much); 0: only on exit.")
@click.option("--quiet", "-q", is_flag=True, help="No banner; print only the URLs.")
@security_options
@fork_options
def devchain(host: str | None, port: int, btc_port: int | None, no_btc_rpc: bool, chain_id: int, accounts: int,
             balance: int, mnemonic: str | None, seed: int, block_time: float | None,
             btc_block_time: float | None, keystone_interval: int, hvm_profile: str, hvm_header_n: str | None,
             hvm_genesis_btc_height: int, finality_rpc: str, evm_fork: str, no_op_stack: bool, pop_payout_delay: int,
             state_file: str | None, state_interval: float, quiet: bool, **security: Any) -> None:
    """Run a Hemi devchain with JSON-RPC, WebSocket, BFG and Bitcoin Core RPC endpoints (like anvil). Ctrl-C stops."""
    # `hemi --help` and `hemi compile` do not pay for py-evm and aiohttp (~0.7 s):
    from hemi.devchain import Devchain  # deferred: py-evm
    from hemi.server.core import DEFAULT_BTC_PORT, DevchainServer  # deferred: aiohttp and py-evm

    if btc_port is None:  # `--port 0` means free ports: the Bitcoin RPC's too, unless --btc-port says otherwise
        btc_port = 0 if port == 0 else DEFAULT_BTC_PORT

    config: dict[str, Any] = {"chain_id": chain_id, "accounts": accounts, "keystone_interval": keystone_interval,
                              "hvm_profile": hvm_profile, "hvm_header_n": hvm_header_n,
                              "hvm_genesis_btc_height": hvm_genesis_btc_height, "balance": balance * 10**18,
                              "finality_rpc": finality_rpc, "evm_fork": evm_fork, "op_stack": not no_op_stack,
                              "pop_payout_delay": pop_payout_delay}
    if mnemonic:
        config["mnemonic"] = mnemonic
    apply_fork_options(security, config, lambda name: click.get_current_context().get_parameter_source(name)
                       == ParameterSource.COMMANDLINE, state_file)
    try:
        if state_file and os.path.exists(state_file):
            # the saved devchain carries its own configuration (chain id, accounts, seed...): it wins over options
            dev = Devchain.load_state(state_file)
            # ...but not over the mining mode, an option of this run (as anvil's): a file saved under --block-time
            # holds automine off, which the server sets for interval mining
            dev.automine = block_time is None
            dev.config = dataclasses.replace(dev.config, finality_rpc=finality_rpc)  # how it is served: this run's
            ignored = [f"--{name.replace('_', '-')}" for name in ("chain_id", "accounts", "balance", "mnemonic",
                                                                   "seed", "keystone_interval", "hvm_profile",
                                                                   "hvm_header_n", "hvm_genesis_btc_height",
                                                                   "evm_fork", "no_op_stack", "pop_payout_delay")
                       if click.get_current_context().get_parameter_source(name) == ParameterSource.COMMANDLINE]
            if ignored:
                click.echo(f"note: {', '.join(ignored)} ignored: the chain comes from the state file {state_file}",
                           err=True)
        else:
            dev = Devchain(seed=seed, **config)
        server = DevchainServer(dev, host=host or DEFAULT_HOST, port=port,
                                btc_port=None if no_btc_rpc else btc_port, allow_remote=host is not None,
                                block_time=block_time, btc_block_time=btc_block_time, **server_kwargs(security))
        saver = None
        if state_file:  # saved once before serving: an unwritable path fails here, not at the first save
            from hemi.node.state.autosave import Autosaver  # deferred: with the devchain (py-evm), only for --state

            saver = Autosaver(dev, state_file, interval=state_interval, lock=server.lock)
            saver.save()
        server.start()
        server.write_cookie(cookie_dir(security, server.btc_port))
        if saver is not None:
            saver.start()
    except OSError as err:
        raise click.ClickException(_listen_error(err, host or DEFAULT_HOST, port, None if no_btc_rpc else btc_port)) \
            from None
    except HemiError as err:
        raise click.ClickException(str(err)) from None

    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    # A shell without job control starts `hemi devchain &` with SIGINT ignored, and Python keeps it so; stop on
    # SIGINT anyway, as anvil does.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _raise_open_files_limit()  # before the banner: clients connect as soon as they read it
    try:  # from the banner on: whoever reads it may press Ctrl-C (or send SIGINT) at once
        if quiet:
            click.echo(f"http {server.url}\nws {server.ws_url}\nbitcoin {server.btc_url}", nl=True)
        else:
            _banner(server, dev, state_file)
        sys.stdout.flush()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()  # a call in progress is stopped at once, so the lock the save takes is free
        if saver is not None:
            try:
                saver.stop()
                saver.save(wait=_SAVE_WAIT)
                click.echo(f"state saved to {state_file}")
            except HemiError as err:
                click.echo(f"could not save the state: {err}", err=True)
            except KeyboardInterrupt:  # a second Ctrl-C while waiting: the file is written atomically or not at all
                click.echo(f"state not saved: interrupted; {state_file} keeps the last save", err=True)
        click.echo("devchain stopped")


def _raise_open_files_limit() -> None:
    """Every connection holds a descriptor: the soft limit (1,024 on Linux, 256 on macOS) goes up to the hard one
    (at most 65,536), as servers do, so a script that leaks idle keep-alive connections does not lock every client
    out until they time out."""
    try:
        import resource  # deferred: POSIX only (no such module on Windows)
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 65_536 if hard == resource.RLIM_INFINITY else min(hard, 65_536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # macOS caps it below the hard limit (OPEN_MAX): keep what there is
            pass


def _listen_error(err: OSError, host: str, port: int, btc_port: int | None) -> str:
    """What to do when a port cannot be opened: the port that failed (the server's ``ListenError`` says which; for
    another OSError, the ports asked for) and the flags that move it."""
    which = getattr(err, "which", None)  # hemi.server.core.ListenError
    if which == "bitcoin":
        failed = getattr(err, "port", btc_port)
        ports, fix = f"port {failed} (Bitcoin RPC, --btc-port)", "--btc-port (0 for a free one) or --no-btc-rpc"
    elif which is not None:
        failed = getattr(err, "port", port)
        ports, fix = f"port {failed} (JSON-RPC, --port)", "--port (0 for a free one)"
    else:
        failed = port
        ports = f"port {port} (JSON-RPC, --port)" + (f" or {btc_port} (Bitcoin RPC, --btc-port)" if btc_port else "")
        fix = "--port / --btc-port, 0 for a free one, or --no-btc-rpc"
    if err.errno == errno.EADDRINUSE:
        return (f"cannot listen on {host}: {ports} is already in use (another hemi devchain, anvil or bitcoind?); "
                f"choose another with {fix}")
    return f"cannot listen on {host} port {failed}: {err}"


def _banner(server: Any, dev: Any, state_file: str | None) -> None:
    # only the devchain command's banner needs these:
    from rich.console import Console  # deferred: rich costs ~35 ms at startup
    from rich.table import Table  # deferred: as rich.console

    from hemi.node.api import default_header_n  # deferred: py-evm (loaded by then: the devchain runs)

    console = Console(highlight=False, soft_wrap=True)
    cfg = dev.config

    console.print(f"[bold]hemi devchain[/bold]  chain id {cfg.chain_id}  seed {cfg.seed}  hVM profile "
                  f"{cfg.hvm_profile} (0x45 {cfg.hvm_header_n or default_header_n(cfg.hvm_profile)})  "
                  f"keystone every {cfg.keystone_interval} blocks")
    if getattr(dev, "fork", None) is not None:
        console.print(f"forked from {dev.fork.url} at block {dev.fork.number} (hVM precompiles answer from it)")
    console.print("\n[bold]Available accounts[/bold] (public dev keys: never use them on a real network)")
    for i, a in enumerate(dev.accounts):
        console.print(f"({i}) {a} ({cfg.balance / 10**18:g} ETH)")
    console.print("\n[bold]Private keys[/bold]")
    for i, a in enumerate(dev.accounts):
        console.print(f"({i}) 0x{bytes(a.private_key).hex()}")
    console.print(f"Mnemonic: {cfg.mnemonic}")
    pre = Table(title="Predeploys", title_justify="left")
    pre.add_column("contract")
    pre.add_column("address")
    if cfg.predeploy_bitcoin_kit:
        pre.add_row("hBK (BitcoinKit)", HBK_ADDRESS)
    tunnel = getattr(dev, "tunnel", None) if getattr(cfg, "predeploy_tunnel", False) else None
    if tunnel is not None:
        pre.add_row("hemiBTC", tunnel.token.address)
        pre.add_row("BitcoinTunnelManager", tunnel.manager.address)
        pre.add_row("vault (SimpleBitcoinVault)", tunnel.vault.address)
    console.print(pre)
    wallets = Table(title="Bitcoin wallets (regtest; dev.btc.wallet(name))", title_justify="left")
    wallets.add_column("name")
    wallets.add_column("address (p2wpkh)")
    for name in BANNER_WALLETS:
        wallets.add_row(name, dev.btc.wallet(name).address)
    try:
        m = dev.pop.miner("default")
        wallets.add_row("PoP miner 'default'", m.address)
    except Exception:  # noqa: BLE001 - no default PoP miner configured
        pass
    if tunnel is not None:
        wallets.add_row("tunnel custody (vault operator)", tunnel.custody_address)
    console.print(wallets)
    mining = "automine" if server.block_time is None else f"every {server.block_time:g} s"
    btc_mining = "on request (hemi_mineBitcoin, generatetoaddress)" if server.btc_block_time is None \
        else f"every {server.btc_block_time:g} s"
    console.print(f"L2 blocks: {mining}; Bitcoin blocks: {btc_mining}; Bitcoin height {dev.btc.height}")
    if state_file:
        console.print(f"State file: {state_file} (loaded if it exists; saved on exit and every "
                      f"{click.get_current_context().params['state_interval']:g} s)")
    console.print(f"[bold]Listening[/bold] JSON-RPC  {server.url}")
    console.print(f"          WebSocket {server.ws_url}")
    console.print(f"          BFG       {server.url}/v2/keystonefinality/<abrevHash>")
    if server.btc_url:
        console.print(f"          Bitcoin   {server.btc_url}")
    for line in banner_lines(server):
        console.print(line)
    if not is_loopback(server.host):
        console.print(f"[bold red]Warning:[/bold red] bound to {server.host}: anyone who can reach it can spend the "
                      f"dev accounts and replace the chain (anvil_loadState).")
    console.print("Ctrl-C to stop.")


@main.command(name="compile")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--solc", "solc_version", default=None, help="solc version [default: the SDK's].")
@click.option("--no-cache", is_flag=True, help="Always run solc.")
def compile_cmd(paths: tuple[str, ...], solc_version: str | None, no_cache: bool) -> None:
    """Compile Solidity files or directories and list the contracts."""
    from hemi.compiler import compile as hemi_compile  # deferred: ~45 ms, only this command compiles

    kwargs: dict[str, Any] = {"cache": not no_cache}
    if solc_version:
        kwargs["solc_version"] = solc_version
    try:
        arts = hemi_compile(list(paths), **kwargs)
    except HemiError as err:
        raise click.ClickException(str(err)) from None
    for qualified in arts:
        art = arts[qualified]
        code = getattr(art, "deployed_bytecode", "") or ""
        size = max(0, (len(code) - 2) // 2)
        click.echo(f"{qualified}  ({size} bytes runtime)")


@main.command()
def remappings() -> None:
    """Print the import remapping of the Solidity shipped with hemi-sdk (for Foundry's remappings.txt or solc)."""
    from hemi.compiler.solidity_sources import remapping  # deferred: ~65 ms, only this command needs it

    click.echo(remapping())


if __name__ == "__main__":
    main()
