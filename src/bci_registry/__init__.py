"""bci-registry: anchor, approve, attest and verify battery traceability reports."""
