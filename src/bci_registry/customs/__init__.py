"""The customs check: does a report file prove an anchored, approved, attested, current report?

Modules (import what you need; ``cli`` keeps its imports lazy for a fast start):

- ``policy``: ``Policy`` and ``load_policy(path)`` (YAML or JSON, documented defaults).
- ``evidence``: ``load_evidence(path)``: a sealed report or disclosure and what it proves;
  ``evidence_from_text(text, name)``: the same for a document held in memory.
- ``chain``: ``ChainReader`` (one ``eth_call`` per report, one multicall per 100),
  ``Web3Node`` over any web3.py ``Web3``, ``http_node(url)`` over plain HTTP.
- ``view``: the ``customs_view`` answer as records.
- ``checks``: ``judge(evidence, view, policy, delivery)``: every check with ok/failed.
- ``verify``: ``verify(paths, reader, policy, delivery)`` -> ``Outcome`` (exit code 0/1).
- ``render``: the verdict as text and JSON.
- ``cli``: ``bci-verify``.

See docs/customs-verify.md.
"""
