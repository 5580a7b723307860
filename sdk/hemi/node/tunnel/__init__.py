"""The devchain's Bitcoin tunnel (``dev.tunnel``): Hemi's tunnel contracts and everything around them in Python.

- :mod:`~hemi.node.tunnel.genesis`: the contracts' addresses and rules, and their set-up state in genesis;
- :mod:`~hemi.node.tunnel.contracts`: their ABIs, calldata and results (eth-abi);
- :mod:`~hemi.node.tunnel.host`: what the tunnel needs from the devchain (a Protocol: no ``Devchain`` import);
- :mod:`~hemi.node.tunnel.calls`, :mod:`~hemi.node.tunnel.receipts`: running them on the engine;
- :mod:`~hemi.node.tunnel.deposits`, :mod:`~hemi.node.tunnel.withdrawals`, :mod:`~hemi.node.tunnel.facade`: the
  flows, joined in :class:`Tunnel`;
- :mod:`~hemi.node.tunnel.operator`: the simulated vault operator; :mod:`~hemi.node.tunnel.events`: the
  contracts' events read from block logs; :mod:`~hemi.node.tunnel.audit`: the books;
- :mod:`~hemi.node.tunnel.recipient`: a deposit and the OP_RETURN naming its recipient.
"""

from __future__ import annotations

from hemi.node.tunnel.facade import Tunnel
from hemi.node.tunnel.host import TunnelHost
from hemi.node.tunnel.operator import POLICIES, TunnelOperator, Withdrawal
from hemi.node.tunnel.recipient import Deposit, read_recipient, recipient_bytes

__all__ = ["POLICIES", "Deposit", "Tunnel", "TunnelHost", "TunnelOperator", "Withdrawal", "read_recipient",
           "recipient_bytes"]
