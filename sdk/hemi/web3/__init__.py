"""web3.py integration: the in-process provider behind ``Devchain.w3``."""
