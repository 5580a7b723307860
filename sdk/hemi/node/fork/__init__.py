"""Fork mode: a devchain whose EVM state, old blocks and hVM answers come from a remote Hemi node at one block.

:mod:`hemi.node.fork.remote` reads the remote (each value once, retries, on-disk cache), :mod:`hemi.node.fork.setup`
wires it into a :class:`~hemi.node.devchain.Devchain`, and the EVM side lives in :mod:`hemi.hvm.fork_state` and
:mod:`hemi.hvm.fork_precompiles`. docs/fork.md describes the behaviour.
"""
