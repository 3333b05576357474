"""The exporter's side: approval files and requests, anchoring, batch submission.

- ``approvals``: one signer's ``bci-approval/1`` file for one report.
- ``requests``: an ERP's approval request for many reports and the signers' answers.
- ``anchoring``: turning approvals into registry transactions.
- ``batch``: crash-safe submission of a folder of reports with a journal.
"""
