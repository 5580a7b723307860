"""The security and limit flags of ``hemi devchain`` (allowlists, Bitcoin RPC credentials, caps) and their banner.

Kept apart from :mod:`hemi.cli` so the command only wires them: :func:`security_options` adds the flags,
:func:`server_kwargs` turns their values into :class:`~hemi.server.DevchainServer` arguments, :func:`banner_lines`
says what the server lets in. docs/security.md explains each flag.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .auth import default_data_dir
from .limits import Limits

_D = Limits()


def security_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a click command with the flags; the command receives them as keyword arguments."""
    options = [
        click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
                     help="Also accept requests whose Host header names HOST (repeatable; '*' accepts any) "
                          "[default: localhost, 127.0.0.1, [::1] and the bound address]."),
        click.option("--allow-origin", "allow_origins", multiple=True, metavar="ORIGIN",
                     help="Also accept browser requests from ORIGIN, scheme://host[:port] (repeatable; without a "
                          "port any port; a wallet extension as chrome-extension://ID or moz-extension://ID; '*' "
                          "accepts every web page: only on purpose) [default: http(s) on localhost, 127.0.0.1, "
                          "[::1], any port]."),
        click.option("--rpcuser", default=None, help="Bitcoin RPC user [default: __cookie__ with a random "
                                                     "password per run, written to the cookie file]."),
        click.option("--rpcpassword", default=None, help="Bitcoin RPC password (with --rpcuser)."),
        click.option("--data-dir", default=None, type=click.Path(file_okay=False),
                     help="Where the Bitcoin RPC cookie file is written [default: $HEMI_DATA_DIR or the user data "
                          "dir of hemi-sdk, then devchain-<bitcoin port>]."),
        click.option("--rpc-gas-cap", default=_D.call_gas_cap, show_default=True, type=click.IntRange(min=21_000),
                     help="Most gas an eth_call / eth_estimateGas / eth_createAccessList may ask for."),
        click.option("--call-timeout", default=_D.call_timeout, show_default=True,
                     type=click.FloatRange(min=0, min_open=True), help="Seconds of EVM time per such call."),
        click.option("--batch-timeout", default=_D.batch_timeout, show_default=True,
                     type=click.FloatRange(min=0, min_open=True),
                     help="Seconds one JSON-RPC batch may run, its calls together: a call runs to the sooner of its "
                          "--call-timeout and the batch's end; entries not answered by then get -32002 'request "
                          "timed out'."),
        click.option("--max-blocks-per-call", default=_D.max_blocks, show_default=True,
                     type=click.IntRange(min=1), help="Blocks one anvil_mine / hemi_mineBitcoin / "
                                                      "generatetoaddress call may mine."),
        click.option("--max-batch", default=_D.max_batch, show_default=True, type=click.IntRange(min=1),
                     help="Requests in one JSON-RPC batch."),
        click.option("--max-response-size", default=_D.max_response, show_default=True, type=click.IntRange(min=1),
                     help="Bytes of one batch's replies."),
        click.option("--max-ws-connections", default=_D.max_ws_connections, show_default=True,
                     type=click.IntRange(min=1), help="Open WebSocket connections."),
        click.option("--max-subscriptions", default=_D.max_subscriptions, show_default=True,
                     type=click.IntRange(min=1), help="eth_subscribe subscriptions per WebSocket connection."),
        click.option("--max-filters", default=_D.max_filters, show_default=True, type=click.IntRange(min=1),
                     help="Installed filters (eth_newFilter...)."),
        click.option("--filter-timeout", default=_D.filter_timeout, show_default=True,
                     type=click.FloatRange(min=0, min_open=True), help="Seconds a filter lives without a poll."),
        click.option("--max-snapshots", default=_D.max_snapshots, show_default=True, type=click.IntRange(min=1),
                     help="evm_snapshot ids kept (the oldest is dropped beyond)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def server_kwargs(opts: dict[str, Any]) -> dict[str, Any]:
    """DevchainServer keyword arguments from the flags' values (``opts`` as the command received them)."""
    if (opts["rpcuser"] is None) != (opts["rpcpassword"] is None):
        raise click.UsageError("give both --rpcuser and --rpcpassword, or neither (a random password per run)")
    limits = Limits(call_gas_cap=opts["rpc_gas_cap"], call_timeout=opts["call_timeout"],
                    batch_timeout=opts["batch_timeout"],
                    max_blocks=opts["max_blocks_per_call"], max_batch=opts["max_batch"],
                    max_response=opts["max_response_size"], max_ws_connections=opts["max_ws_connections"],
                    max_subscriptions=opts["max_subscriptions"], max_filters=opts["max_filters"],
                    filter_timeout=opts["filter_timeout"], max_snapshots=opts["max_snapshots"])
    return {"limits": limits, "allow_hosts": opts["allow_hosts"], "allow_origins": opts["allow_origins"],
            "rpc_user": opts["rpcuser"], "rpc_password": opts["rpcpassword"]}


def cookie_dir(opts: dict[str, Any], btc_port: int | None) -> Path | None:
    """The directory of the cookie file for the bound Bitcoin port (None: no Bitcoin port, or fixed credentials)."""
    if btc_port is None or opts["rpcuser"] is not None:
        return None
    return Path(opts["data_dir"]) if opts["data_dir"] else default_data_dir(btc_port)


def banner_lines(server: Any) -> list[str]:
    """What the server lets in, for the banner (rich markup)."""
    policy = server.policy
    lines = [f"[bold]Bound[/bold] {server.host} (ports {server.port}"
             + (f", {server.btc_port})" if server.btc_port else ")"),
             f"Allowed hosts   {', '.join(policy.allowed_hosts)}",
             f"Allowed origins {', '.join(policy.allowed_origins)} (requests without an Origin: always)"]
    if policy.any_origin:
        lines.append("[bold red]Warning:[/bold red] --allow-origin '*': every web page your browser opens can "
                     "call this devchain (spend the dev accounts, rewrite balances and code, dump the state).")
    if server.btc_url:
        user = server.btc_credentials.user
        if server.cookie_path is not None:
            lines.append(f"Bitcoin RPC auth: cookie {server.cookie_path} (user {user}, a new password each run)")
        else:
            lines.append(f"Bitcoin RPC auth: user {user} (--rpcuser/--rpcpassword)")
    return lines
