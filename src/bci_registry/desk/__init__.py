"""``bci-desk``: the customs desk — a read-only web page, an HTTP API (``/v1``) and a live
feed of every registry event, served from an index of the chain's events.

Modules:

- ``adapter``: the one place that touches the customs package and the shipped ABIs
  (event decoding, customs views, the verdict of uploaded bytes).
- ``rpc``: a keep-alive JSON-RPC client (batches) for the index.
- ``store``: the index's tables (SQLAlchemy; SQLite or PostgreSQL).
- ``indexer``: follows both registries with bounded ``eth_getLogs`` pages, N
  confirmations, reorg undo/re-apply, a resumable cursor.
- ``state``: folds indexed events into organisations, reports, verifiers and
  attestations (the same record as the contract's ``customs_view``).
- ``feed``: the in-process hub behind the Server-Sent Events stream.
- ``app`` / ``pages`` / ``readable``: the ASGI application, its HTML pages and the
  readable rendering of disclosed values.
- ``cli``: the console script.
"""
