"""The hVM: the EVM side of the devchain and its Bitcoin precompiles (hemilabs/op-geth core/vm/contracts.go).

Submodules are imported on demand (``hemi.hvm.precompiles``, ``hemi.hvm.view``, ``hemi.hvm.engine``...); this package
itself imports nothing, so ``import hemi.hvm.view`` does not pull in py-evm.
"""
