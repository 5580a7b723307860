"""The Bitcoin -> hVM step: what of the embedded Bitcoin chain the hVM's precompiles see, and when.

- :mod:`.hvm_view`: the light view (headers an L2 block carries, at most ``max_btc_headers_per_block`` a block)
  and the indexed tip that lags it by ``hvm_indexer_lag`` blocks; one :class:`~.hvm_view.HvmView` per L2 block.
- :mod:`.btc_index`: the full-node indexes (UTXO set, transactions, address -> UTXOs) the precompiles read,
  moved explicitly to the indexed tip after each block.
"""
