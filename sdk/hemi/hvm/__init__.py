"""The hVM: the EVM side of the devchain and its Bitcoin precompiles (hemilabs/op-geth core/vm/contracts.go).

Submodules are imported on demand (``hemi.hvm.precompiles``, ``hemi.hvm.view``, ``hemi.hvm.engine``...), so
``import hemi.hvm.view`` does not pull in py-evm. Two things are done here, before any submodule imports py-evm
(neither imports it): :mod:`hemi.hvm.lazy_bls` puts its stand-in for py-evm's BLS12-381 precompiles in place, and
:mod:`hemi.hvm.keccak_backend` points eth-hash at the fastest Keccak backend installed.
"""

from hemi.hvm import keccak_backend, lazy_bls

lazy_bls.install()
keccak_backend.choose()
