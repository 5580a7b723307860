"""Print the import remapping for hemi-sdk's shipped Solidity interfaces: ``python -m hemi.compiler.remapping``.

The line (``@hemi/=<site-packages>/hemi/solidity/``) goes into Foundry's ``remappings.txt`` or solc's command line, so
``import "@hemi/hbk/IBitcoinKit.sol";`` compiles outside hemi-sdk too (:func:`hemi.compiler.compile` needs nothing).
"""

from __future__ import annotations

from hemi.compiler.shipped import remapping

if __name__ == "__main__":
    print(remapping())
