# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title BCI Attestation Registry
@custom:contract-name AttestationRegistry
@license Apache-2.0
@notice Accredited verifiers (SGS- or TÜV-style certification bodies) attest
        reports anchored in the `ReportRegistry`; a report is identified by
        its organisation and its root together. Customs reads a report's
        status and its attestations in one call (`customs_view`).
        The technical specification is `docs/attestations-spec.md`.
        IMPORTANT for integrators: an attestation's `valid` judges the
        attestation ALONE (made, not revoked, not expired, not invalidated
        by a for-cause suspension). It says nothing about the report (its
        state, its organisation) or the pause: read `CustomsView.report`,
        or the combined `CustomsView.accepted`.
@dev A separate contract because the report registry and this one do not
     fit together under the EIP-170 code-size limit. Roles and the pause
     switch stay those of the report registry: one governance, one
     emergency stop. Every action that only reduces trust (revoke an
     attestation, suspend a verifier, cancel signed messages) works while
     the registry is paused. Cost model: an attestation writes ONE storage
     slot, an entry of the report's own bounded list (at most
     MAX_ATTESTATIONS verifiers per report), holding all that is needed to
     judge it later; the evidence hash and the revocation history are
     needed by nobody on chain and live only in the events, the audit
     trail.
"""

from interfaces import IAttestationRegistry
from interfaces import IReportRegistry

implements: IAttestationRegistry

from snekmate.utils import eip712_domain_separator as eip712
initializes: eip712

from snekmate.utils import ecdsa
from snekmate.utils import signature_checker

exports: eip712.eip712Domain


# What we read from the report registry beyond its own interface file:
# snekmate's exported role and pause getters.
interface RegistryControl:
    def hasRole(role: bytes32, account: address) -> bool: view
    def paused() -> bool: view


# The report registry's governance role (same hash as there).
GOVERNANCE_ROLE: public(constant(bytes32)) = keccak256("GOVERNANCE_ROLE")

# EIP-712 types (mirrored in `bci_registry.eip712.TYPES`; a test compares
# the hashes). The verifier is part of each message so that two EIP-1271
# wallets with the same owner cannot use each other's signatures; the
# organisation, because a report is identified by (organisation, root).
ATTESTATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Attestation(address verifier,bytes32 organisation,bytes32 report,uint8 verdict,uint16 fields,bytes32 evidence,uint64 verifiedAt,uint64 expiresAt,uint64 nonce,uint64 deadline)"
)
ATTESTATION_REVOCATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "AttestationRevocation(address verifier,bytes32 organisation,bytes32 report,uint64 attestedAt,uint16 reason,uint64 nonce,uint64 deadline)"
)
# Batches (docs/attestations-spec.md, "Batches"): a verifier attests a whole
# batch by its root, committing to its approved size; it revokes one
# member's coverage by naming the member and the batch.
BATCH_ATTESTATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "BatchAttestation(address verifier,bytes32 organisation,bytes32 batch,uint32 size,uint8 verdict,uint16 fields,bytes32 evidence,uint64 verifiedAt,uint64 expiresAt,uint64 nonce,uint64 deadline)"
)
MEMBER_ATTESTATION_REVOCATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "MemberAttestationRevocation(address verifier,bytes32 organisation,bytes32 report,bytes32 batch,uint64 attestedAt,uint16 reason,uint64 nonce,uint64 deadline)"
)
NONCE_CANCELLATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "NonceCancellation(address verifier,uint64 below,uint64 deadline)"
)

VERDICT_PASS: public(constant(uint8)) = 1
VERDICT_FAIL: public(constant(uint8)) = 2
VERDICT_QUALIFIED: public(constant(uint8)) = 3

# Bit i of a field mask is report field i in DESIGN.md order
# (0 cathodeMaterialOrigin ... 11 dueDiligenceReport).
ALL_FIELDS: public(constant(uint16)) = 4095
# At most this many verifiers attest one report (each holds one entry of
# the report's list, replaced when it attests again). Bounds every view to
# MAX_ATTESTATIONS storage reads per report; there is no global cap on
# the number of accredited verifiers.
MAX_ATTESTATIONS: public(constant(uint256)) = 32
# Relayed signatures carry a nonce: any unused nonce in
# [nonce_base, nonce_base + NONCE_WINDOW) is accepted, so relayers may
# submit a verifier's pre-signed messages out of order.
NONCE_WINDOW: public(constant(uint256)) = 56

# The report registry's report states.
_REPORT_ANCHORED: constant(uint8) = 2
_REPORT_SUPERSEDED: constant(uint8) = 3
_REPORT_REVOKED: constant(uint8) = 4
# The report registry's active organisation status.
_ORGANISATION_ACTIVE: constant(uint8) = 1

# Verifier states, as computed by `verifier` (not stored).
VERIFIER_NONE: constant(uint8) = 0
VERIFIER_ACCREDITED: constant(uint8) = 1
VERIFIER_NOT_YET_VALID: constant(uint8) = 2
VERIFIER_EXPIRED: constant(uint8) = 3
VERIFIER_SUSPENDED: constant(uint8) = 4
VERIFIER_SUSPENDED_FOR_CAUSE: constant(uint8) = 5

# An EOA verifier signs with an EIP-2098 compact signature (as approvals do
# in the report registry); a 65-byte signature goes to the verifier's
# EIP-1271 wallet, and is refused with a clear message when the verifier
# has no code (an EOA's 65-byte r || s || v sent uncompacted).
_COMPACT_SIGNATURE: constant(uint256) = 64
_WALLET_SIGNATURE: constant(uint256) = 65

# Bit layout of a packed verifier record (one slot).
_VER_SCOPE: constant(uint256) = 2**12 - 1  # bits 0..11: field scope
_VER_SUSPENDED: constant(uint256) = 1 << 12  # flag: may not attest
_VER_FOR_CAUSE: constant(uint256) = 1 << 13  # flag: attestations since the cut-off are invalid
_VER_INDEX_SHIFT: constant(uint256) = 16  # uint32: 1-based index (non-zero: known verifier)
_VER_FROM_SHIFT: constant(uint256) = 48  # uint40: valid from (inclusive)
_VER_UNTIL_SHIFT: constant(uint256) = 88  # uint40: valid until (inclusive)
_VER_SINCE_SHIFT: constant(uint256) = 128  # uint40: for-cause invalidation cut-off
_VER_NONCE_BASE_SHIFT: constant(uint256) = 168  # uint32: every nonce below it is used
_VER_NONCES_SHIFT: constant(uint256) = 200  # 56 bits: bit i set = nonce base + i used
_VER_NONCE_FIELDS: constant(uint256) = (2**88 - 1) << _VER_NONCE_BASE_SHIFT

# Bit layout of a packed attestation record (one slot per report and verifier).
_ATT_FIELDS_SHIFT: constant(uint256) = 8  # bits 0..7: verdict (non-zero); uint16 fields
_ATT_ATTESTED_SHIFT: constant(uint256) = 24  # uint40: block timestamp when made
_ATT_VERIFIED_SHIFT: constant(uint256) = 64  # uint40: verified at (the verifier's statement)
_ATT_EXPIRES_SHIFT: constant(uint256) = 104  # uint40: expires at (no longer valid from then)
_ATT_REVOKED_SHIFT: constant(uint256) = 144  # uint40: revoked at (0: not revoked)
_ATT_REASON_SHIFT: constant(uint256) = 184  # uint16: revocation reason
_ATT_INDEX_SHIFT: constant(uint256) = 200  # uint32: the verifier's index

# Bit layout of a member revocation record (one slot per organisation,
# batch, member and position in the batch's list; written only when used).
_MREV_REVOKED_SHIFT: constant(uint256) = 40  # bits 0..39: the verified_at it revokes; uint40: revoked at
_MREV_REASON_SHIFT: constant(uint256) = 80  # uint16: revocation reason
# A batch inclusion proof has at most this many hashes (the report
# registry's MAX_BATCH_PROOF).
_MAX_BATCH_PROOF: constant(uint256) = 32

_MASK8: constant(uint256) = 2**8 - 1
_MASK16: constant(uint256) = 2**16 - 1
_MASK32: constant(uint256) = 2**32 - 1
_MASK40: constant(uint256) = 2**40 - 1
_MASK56: constant(uint256) = 2**56 - 1


# @dev The report registry: report states, roles and the pause switch.
REGISTRY: public(immutable(address))

# @dev Verifier => packed verifier record.
_verifiers: HashMap[address, uint256]
# @dev Verifier => its id (e.g. the hash of the body's name and accreditation
#      number), fixed at its first accreditation: an attestation keeps the
#      identity it was made under. A body that rotates keys may hold the same
#      id on several addresses; a renamed body accredits a new key.
_verifier_ids: HashMap[address, bytes32]
# @dev Verifier index (1-based) => verifier.
_verifier_accounts: HashMap[uint32, address]
# @dev Number of verifiers ever accredited.
verifier_count: public(uint32)
# @dev Organisation => report root => position (0 .. MAX_ATTESTATIONS - 1)
#      => a verifier's current attestation of the report, packed with the
#      verifier's index (0: free; positions fill from 0 and are never freed).
_attestations: HashMap[bytes32, HashMap[bytes32, uint256[MAX_ATTESTATIONS]]]
# @dev Organisation => batch root => member root => position of a verifier's
#      entry in the batch's list => that member's revocation of the batch
#      attestation (0: none): the verification it revokes, when, and why.
#      Written only when a verifier revokes one member.
_member_revocations: HashMap[bytes32, HashMap[bytes32, HashMap[bytes32, uint256[MAX_ATTESTATIONS]]]]


@deploy
def __init__(registry: address):
    """
    @dev Binds this registry to a report registry and sets up the EIP-712
         domain ("BCI Attestation Registry", "1").
    @param registry The `ReportRegistry` whose reports are attested.
    """
    assert registry.is_contract, "attestations: registry is not a contract"
    REGISTRY = registry
    eip712.__init__("BCI Attestation Registry", "1")


# ------------------------------------------------------------ accreditation


@external
def accredit_verifier(
    verifier: address, verifier_id: bytes32, scope: uint16, valid_from: uint64, valid_until: uint64
):
    """
    @dev Accredits a verifier (an EOA or an EIP-1271 wallet) for a field
         scope and a validity window. Accrediting a known verifier again
         replaces its scope and window and lifts a suspension from now on;
         its attestations made so far keep the terms they were made under.
         A verifier's id is fixed for its address: re-accrediting it under
         another id is refused (an attestation keeps the identity it was
         made under; a renamed body accredits a new key). A verifier
         suspended for cause is never accredited again, so that its
         invalidation cut-off keeps applying.
    @notice Only callable by a GOVERNANCE_ROLE account of the report
            registry, when it is not paused.
    @param verifier The verifier's address.
    @param verifier_id The verifier's non-zero id (for a known verifier:
           the id it was first accredited with).
    @param scope The non-zero 12-bit mask of the report fields it may attest.
    @param valid_from The first timestamp at which it may attest.
    @param valid_until The last timestamp at which it may attest; also the
           latest expiry of any attestation it makes.
    """
    self._require_not_paused()
    self._check_governance()
    assert verifier != empty(address), "attestations: verifier is the zero address"
    assert verifier_id != empty(bytes32), "attestations: verifier id is zero"
    assert scope != 0, "attestations: scope is empty"
    assert convert(scope, uint256) & ~_VER_SCOPE == 0, "attestations: scope has unknown fields"
    assert valid_from < valid_until, "attestations: accreditation window is empty"
    assert convert(valid_until, uint256) >= block.timestamp, "attestations: accreditation window is over"
    assert convert(valid_until, uint256) <= _MASK40, "attestations: time out of range"
    record: uint256 = self._verifiers[verifier]
    index: uint256 = (record >> _VER_INDEX_SHIFT) & _MASK32
    if index == 0:
        count: uint32 = self.verifier_count + 1
        self.verifier_count = count
        self._verifier_accounts[count] = verifier
        self._verifier_ids[verifier] = verifier_id
        index = convert(count, uint256)
    else:
        assert record & _VER_FOR_CAUSE == 0, "attestations: verifier was suspended for cause"
        assert (
            self._verifier_ids[verifier] == verifier_id
        ), "attestations: a verifier keeps its id; accredit a new key for another id"
    # The nonce window survives re-accreditation: a signature relayed once
    # must never become usable again.
    self._verifiers[verifier] = (
        (record & _VER_NONCE_FIELDS)
        | convert(scope, uint256)
        | (index << _VER_INDEX_SHIFT)
        | (convert(valid_from, uint256) << _VER_FROM_SHIFT)
        | (convert(valid_until, uint256) << _VER_UNTIL_SHIFT)
    )
    log IAttestationRegistry.VerifierAccredited(
        verifier=verifier,
        verifier_id=verifier_id,
        index=convert(index, uint32),
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
    )


@external
def extend_accreditation(verifier: address, valid_until: uint64):
    """
    @dev Moves the end of a verifier's validity window later, also after
         it has lapsed (it could not attest in the gap).
    @notice Only callable by a GOVERNANCE_ROLE account of the report
            registry, when it is not paused, for a verifier not suspended.
    @param verifier The verifier's address.
    @param valid_until The new last timestamp, after the current one.
    """
    self._require_not_paused()
    self._check_governance()
    record: uint256 = self._known_verifier(verifier)
    assert record & _VER_SUSPENDED == 0, "attestations: verifier is suspended"
    until: uint256 = convert(valid_until, uint256)
    assert until > (record >> _VER_UNTIL_SHIFT) & _MASK40, "attestations: accreditation is not extended"
    assert until <= _MASK40, "attestations: time out of range"
    self._verifiers[verifier] = (record & ~(_MASK40 << _VER_UNTIL_SHIFT)) | (until << _VER_UNTIL_SHIFT)
    log IAttestationRegistry.AccreditationExtended(verifier=verifier, valid_until=valid_until)


@external
def suspend_verifier(verifier: address):
    """
    @dev Suspends a verifier from now on: it can make no new attestation;
         those made so far stay valid, and it may still revoke them.
    @notice Only callable by a GOVERNANCE_ROLE account of the report
            registry; works while the registry is paused (it only reduces
            trust).
    @param verifier The verifier's address.
    """
    self._check_governance()
    record: uint256 = self._known_verifier(verifier)
    assert record & _VER_SUSPENDED == 0, "attestations: verifier is already suspended"
    self._verifiers[verifier] = record | _VER_SUSPENDED
    log IAttestationRegistry.VerifierSuspended(verifier=verifier)


@external
def suspend_verifier_for_cause(verifier: address, invalid_since: uint64):
    """
    @dev Suspends a verifier for cause (e.g. fraud), permanently: it can
         make no new attestation, and every attestation it made at or after
         `invalid_since` (the attestation's block time) becomes invalid.
         Applies to a verifier already suspended too; applied again, the
         cut-off may only move earlier.
    @notice Only callable by a GOVERNANCE_ROLE account of the report
            registry; works while the registry is paused (it only reduces
            trust).
    @param verifier The verifier's address.
    @param invalid_since The cut-off timestamp, not in the future (0: all).
    """
    self._check_governance()
    record: uint256 = self._known_verifier(verifier)
    since: uint256 = convert(invalid_since, uint256)
    assert since <= block.timestamp, "attestations: cut-off is in the future"
    if record & _VER_FOR_CAUSE != 0:
        assert since < (record >> _VER_SINCE_SHIFT) & _MASK40, "attestations: cut-off may only move earlier"
    self._verifiers[verifier] = (
        (record & ~(_MASK40 << _VER_SINCE_SHIFT)) | (since << _VER_SINCE_SHIFT) | _VER_SUSPENDED | _VER_FOR_CAUSE
    )
    log IAttestationRegistry.VerifierSuspendedForCause(verifier=verifier, invalid_since=invalid_since)


# ------------------------------------------------------------- attestations


@external
def attest(
    organisation: bytes32,
    report: bytes32,
    verdict: uint8,
    fields: uint16,
    evidence: bytes32,
    verified_at: uint64,
    expires_at: uint64,
):
    """
    @dev The verifier attests an anchored report with its own transaction.
         It replaces the verifier's previous attestation of the report, if
         any (the events keep the history). After a revocation only a
         strictly later verification attests again.
    @notice Only callable by a verifier accredited now (inside its window,
            not suspended) for every field in `fields`, when not paused;
            at most MAX_ATTESTATIONS verifiers attest one report.
    @param organisation The id of the organisation that anchored the report.
    @param report The root of the report, anchored by `organisation`.
    @param verdict 1 pass, 2 fail, 3 qualified.
    @param fields The non-zero mask of the fields verified, inside the scope.
    @param evidence The hash of the evidence document (the audit
           certificate); logged, not stored.
    @param verified_at When the verification was done: not in the future,
           not before that of the attestation it replaces (strictly after
           it if that one was revoked).
    @param expires_at When the attestation stops being valid: in the
           future, not after the verifier's accreditation ends.
    """
    self._attest(
        msg.sender, self._verifiers[msg.sender], organisation, report, verdict, fields, evidence, verified_at, expires_at
    )


@external
def attest_by_signature(
    verifier: address,
    organisation: bytes32,
    report: bytes32,
    verdict: uint8,
    fields: uint16,
    evidence: bytes32,
    verified_at: uint64,
    expires_at: uint64,
    nonce: uint64,
    deadline: uint64,
    signature: Bytes[65],
):
    """
    @dev Anyone relays a verifier's EIP-712 `Attestation` signature; the
         nonce is used up (one nonce space per verifier, shared with
         `revoke_attestation_by_signature`). Otherwise as `attest`.
    @notice Only for a verifier accredited now for the fields, when not
            paused and not after `deadline`.
    @param verifier The verifier (an EOA or an EIP-1271 wallet).
    @param organisation The id of the organisation that anchored the report.
    @param report The root of the report, anchored by `organisation`.
    @param verdict 1 pass, 2 fail, 3 qualified.
    @param fields The non-zero mask of the fields verified, inside the scope.
    @param evidence The hash of the evidence document; logged, not stored.
    @param verified_at When the verification was done (as for `attest`).
    @param expires_at When the attestation stops being valid (as for `attest`).
    @param nonce An unused nonce of the verifier, inside its window.
    @param deadline The last timestamp at which the signature is valid.
    @param signature A 64-byte EIP-2098 signature from an EOA verifier, or
           the 65-byte signature its EIP-1271 wallet accepts.
    """
    struct_hash: bytes32 = keccak256(
        abi_encode(
            ATTESTATION_TYPEHASH,
            verifier,
            organisation,
            report,
            verdict,
            fields,
            evidence,
            verified_at,
            expires_at,
            nonce,
            deadline,
        )
    )
    self._check_signature(verifier, struct_hash, deadline, signature)
    record: uint256 = self._use_nonce(verifier, self._verifiers[verifier], nonce)
    self._attest(verifier, record, organisation, report, verdict, fields, evidence, verified_at, expires_at)


@external
def revoke_attestation(organisation: bytes32, report: bytes32, reason: uint16):
    """
    @dev The verifier revokes its attestation of a report, whatever its own
         accreditation state: withdrawing trust is always allowed. The
         revocation is final for that verification: only a strictly later
         `verified_at` attests the report again.
    @notice Only callable by a verifier with an unrevoked attestation of
            the report; works while the registry is paused.
    @param organisation The id of the organisation that anchored the report.
    @param report The report root.
    @param reason A non-zero reason code.
    """
    self._revoke(msg.sender, self._verifiers[msg.sender], organisation, report, reason, 0)


@external
def revoke_attestation_by_signature(
    verifier: address,
    organisation: bytes32,
    report: bytes32,
    attested_at: uint64,
    reason: uint16,
    nonce: uint64,
    deadline: uint64,
    signature: Bytes[65],
):
    """
    @dev Anyone relays a verifier's EIP-712 `AttestationRevocation`
         signature; the nonce is used up. The signature names the
         attestation by its block time, so it can never revoke a later one;
         `attested_at` 0 is refused.
    @notice Not after `deadline`; works while the registry is paused.
    @param verifier The attestation's verifier.
    @param organisation The id of the organisation that anchored the report.
    @param report The report root.
    @param attested_at The attestation's block timestamp (`attested_at`),
           non-zero.
    @param reason A non-zero reason code.
    @param nonce An unused nonce of the verifier, inside its window.
    @param deadline The last timestamp at which the signature is valid.
    @param signature As for `attest_by_signature`.
    """
    assert attested_at != 0, "attestations: revocation names no attestation (attested_at is 0)"
    record: uint256 = self._verifiers[verifier]
    struct_hash: bytes32 = keccak256(
        abi_encode(
            ATTESTATION_REVOCATION_TYPEHASH, verifier, organisation, report, attested_at, reason, nonce, deadline
        )
    )
    self._check_signature(verifier, struct_hash, deadline, signature)
    self._revoke(verifier, record, organisation, report, reason, convert(attested_at, uint256))
    self._use_nonce(verifier, record, nonce)


@external
def cancel_nonces(below: uint64):
    """
    @dev The verifier withdraws every signed message it has not had relayed
         yet: every nonce below `below` becomes used, and the nonce window
         starts at `below` (this also unfreezes a window held by a nonce
         that was never relayed). Attestations already made stay: revoke
         them with `revoke_attestation`.
    @notice Only callable by a known verifier, whatever its accreditation
            state; works while the registry is paused.
    @param below The new nonce base: above the current one, below 2**32.
    """
    self._cancel_nonces(msg.sender, below)


@external
def cancel_nonces_by_signature(verifier: address, below: uint64, deadline: uint64, signature: Bytes[65]):
    """
    @dev Anyone relays a verifier's EIP-712 `NonceCancellation` signature;
         otherwise as `cancel_nonces`. It uses no nonce: once applied, the
         nonce base is at least `below`, so a replay is refused.
    @notice Not after `deadline`; works while the registry is paused.
    @param verifier The verifier (an EOA or an EIP-1271 wallet).
    @param below The new nonce base: above the current one, below 2**32.
    @param deadline The last timestamp at which the signature is valid.
    @param signature As for `attest_by_signature`.
    """
    struct_hash: bytes32 = keccak256(abi_encode(NONCE_CANCELLATION_TYPEHASH, verifier, below, deadline))
    self._check_signature(verifier, struct_hash, deadline, signature)
    self._cancel_nonces(verifier, below)


# ------------------------------------------------------------------ batches


@external
def attest_batch(
    organisation: bytes32,
    batch: bytes32,
    size: uint32,
    verdict: uint8,
    fields: uint16,
    evidence: bytes32,
    verified_at: uint64,
    expires_at: uint64,
):
    """
    @dev The verifier attests every member of an anchored batch with one
         transaction: one entry in the batch root's list, as `attest`
         writes for a report, covering each report the batch's Merkle tree
         holds (`member_customs_view` shows it for a member with its
         proof). Same terms, replacement and revocation rules as `attest`;
         the verifier also commits to the batch's approved size. A member's
         coverage is withdrawn alone with `revoke_member_attestation`; the
         whole batch attestation with `revoke_attestation(organisation,
         batch, reason)`.
    @notice Only callable by a verifier accredited now for every field in
            `fields`, when not paused, for an anchored batch.
    @param organisation The id of the organisation that anchored the batch.
    @param batch The batch root.
    @param size The batch's size as its signers approved it (`batch_size`).
    @param verdict 1 pass, 2 fail, 3 qualified.
    @param fields The non-zero mask of the fields verified, inside the scope.
    @param evidence The hash of the evidence document; logged, not stored.
    @param verified_at When the verification was done (as for `attest`).
    @param expires_at When the attestation stops being valid (as for `attest`).
    """
    self._check_batch(organisation, batch, size)
    self._attest(
        msg.sender, self._verifiers[msg.sender], organisation, batch, verdict, fields, evidence, verified_at, expires_at
    )


@external
def attest_batch_by_signature(
    verifier: address,
    organisation: bytes32,
    batch: bytes32,
    size: uint32,
    verdict: uint8,
    fields: uint16,
    evidence: bytes32,
    verified_at: uint64,
    expires_at: uint64,
    nonce: uint64,
    deadline: uint64,
    signature: Bytes[65],
):
    """
    @dev Anyone relays a verifier's EIP-712 `BatchAttestation` signature;
         the nonce is used up (the verifier's one nonce space). Otherwise
         as `attest_batch`.
    @notice Only for a verifier accredited now for the fields, when not
            paused and not after `deadline`.
    @param verifier The verifier (an EOA or an EIP-1271 wallet).
    @param organisation The id of the organisation that anchored the batch.
    @param batch The batch root.
    @param size The batch's approved size.
    @param verdict 1 pass, 2 fail, 3 qualified.
    @param fields The non-zero mask of the fields verified, inside the scope.
    @param evidence The hash of the evidence document; logged, not stored.
    @param verified_at When the verification was done (as for `attest`).
    @param expires_at When the attestation stops being valid (as for `attest`).
    @param nonce An unused nonce of the verifier, inside its window.
    @param deadline The last timestamp at which the signature is valid.
    @param signature As for `attest_by_signature`.
    """
    struct_hash: bytes32 = keccak256(
        abi_encode(
            BATCH_ATTESTATION_TYPEHASH,
            verifier,
            organisation,
            batch,
            size,
            verdict,
            fields,
            evidence,
            verified_at,
            expires_at,
            nonce,
            deadline,
        )
    )
    self._check_signature(verifier, struct_hash, deadline, signature)
    self._check_batch(organisation, batch, size)
    record: uint256 = self._use_nonce(verifier, self._verifiers[verifier], nonce)
    self._attest(verifier, record, organisation, batch, verdict, fields, evidence, verified_at, expires_at)


@external
def revoke_member_attestation(
    organisation: bytes32, report: bytes32, batch: bytes32, proof: DynArray[bytes32, _MAX_BATCH_PROOF], reason: uint16
):
    """
    @dev The verifier withdraws its batch attestation from one member,
         leaving the other members covered: one slot, written only now.
         Final for that verification: only a strictly later verification
         of the batch (`attest_batch` again) covers the member again.
    @notice Only callable by a verifier with an unrevoked attestation of
            the batch, whatever its accreditation state; works while the
            registry is paused.
    @param organisation The id of the organisation that anchored the batch.
    @param report The member's report root.
    @param batch The batch root.
    @param proof The member's inclusion proof (its `bci-batch-proof/1` file).
    @param reason A non-zero reason code.
    """
    self._revoke_member(msg.sender, self._verifiers[msg.sender], organisation, report, batch, proof, reason, 0)


@external
def revoke_member_attestation_by_signature(
    verifier: address,
    organisation: bytes32,
    report: bytes32,
    batch: bytes32,
    proof: DynArray[bytes32, _MAX_BATCH_PROOF],
    attested_at: uint64,
    reason: uint16,
    nonce: uint64,
    deadline: uint64,
    signature: Bytes[65],
):
    """
    @dev Anyone relays a verifier's EIP-712 `MemberAttestationRevocation`
         signature; the nonce is used up. The signature names the batch
         attestation by its block time (non-zero), so it never reaches a
         later one. Otherwise as `revoke_member_attestation`.
    @notice Not after `deadline`; works while the registry is paused.
    @param verifier The batch attestation's verifier.
    @param organisation The id of the organisation that anchored the batch.
    @param report The member's report root.
    @param batch The batch root.
    @param proof The member's inclusion proof.
    @param attested_at The batch attestation's block timestamp, non-zero.
    @param reason A non-zero reason code.
    @param nonce An unused nonce of the verifier, inside its window.
    @param deadline The last timestamp at which the signature is valid.
    @param signature As for `attest_by_signature`.
    """
    assert attested_at != 0, "attestations: revocation names no attestation (attested_at is 0)"
    record: uint256 = self._verifiers[verifier]
    struct_hash: bytes32 = keccak256(
        abi_encode(
            MEMBER_ATTESTATION_REVOCATION_TYPEHASH,
            verifier,
            organisation,
            report,
            batch,
            attested_at,
            reason,
            nonce,
            deadline,
        )
    )
    self._check_signature(verifier, struct_hash, deadline, signature)
    self._revoke_member(
        verifier, record, organisation, report, batch, proof, reason, convert(attested_at, uint256)
    )
    self._use_nonce(verifier, record, nonce)


@external
@view
def member_customs_view(
    organisation: bytes32, report: bytes32, batch: bytes32, proof: DynArray[bytes32, _MAX_BATCH_PROOF]
) -> IAttestationRegistry.CustomsView:
    """
    @dev `customs_view` for a report that may be a batch member, in one
         call: the report registry's `member_status(organisation, report,
         batch, proof)`, then the report's own attestations followed, if
         `proof` proves it a member of the organisation's batch `batch`,
         by the batch's attestations as they apply to this member (an
         entry's `report` is then the batch root; one the verifier revoked
         for this member reads revoked, with that time and reason, and not
         valid), and `accepted` computed as for `customs_view`. A wrong
         proof does not revert: the report reads unknown, with its own
         attestations only. With `batch` zero it is `customs_view`.
         At most MAX_ATTESTATIONS entries (own ones first).
    @param organisation The id of the organisation that anchored the report.
    @param report The report root.
    @param batch The batch root, or zero.
    @param proof The report's inclusion proof in the batch.
    @return CustomsView The member's status and effective attestations.
    """
    page: DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS] = self._list(organisation, report)
    if batch != empty(bytes32) and batch != report and staticcall IReportRegistry(REGISTRY).is_member(
        organisation, report, batch, proof
    ):
        for position: uint256 in range(MAX_ATTESTATIONS):
            packed: uint256 = self._attestations[organisation][batch][position]
            if packed == 0 or len(page) == MAX_ATTESTATIONS:
                break
            entry: IAttestationRegistry.AttestationStatus = self._status(
                organisation,
                batch,
                packed,
                self._verifier_accounts[convert((packed >> _ATT_INDEX_SHIFT) & _MASK32, uint32)],
            )
            revocation: uint256 = self._member_revocations[organisation][batch][report][position]
            if (
                revocation != 0
                and entry.revoked_at == 0
                and convert(entry.verified_at, uint256) <= revocation & _MASK40
            ):
                entry.revoked_at = convert((revocation >> _MREV_REVOKED_SHIFT) & _MASK40, uint64)
                entry.revocation_reason = convert((revocation >> _MREV_REASON_SHIFT) & _MASK16, uint16)
                entry.valid = False
            page.append(entry)
    return self._view(
        staticcall IReportRegistry(REGISTRY).member_status(organisation, report, batch, proof), page
    )


# ---------------------------------------------------------------- views


@external
@view
def verifier(account: address) -> IAttestationRegistry.Verifier:
    """
    @dev Returns a verifier's accreditation and its signature nonce window.
    @param account The verifier's address.
    @return Verifier The record (status 0: never accredited).
    """
    record: uint256 = self._verifiers[account]
    since: uint64 = 0
    if record & _VER_FOR_CAUSE != 0:
        since = convert((record >> _VER_SINCE_SHIFT) & _MASK40, uint64)
    return IAttestationRegistry.Verifier(
        status=self._verifier_status(record),
        verifier_id=self._verifier_ids[account],
        index=convert((record >> _VER_INDEX_SHIFT) & _MASK32, uint32),
        scope=convert(record & _VER_SCOPE, uint16),
        valid_from=convert((record >> _VER_FROM_SHIFT) & _MASK40, uint64),
        valid_until=convert((record >> _VER_UNTIL_SHIFT) & _MASK40, uint64),
        invalid_since=since,
        nonce_base=convert((record >> _VER_NONCE_BASE_SHIFT) & _MASK32, uint64),
        used_nonces=(record >> _VER_NONCES_SHIFT) & _MASK56,
    )


@external
@view
def verifier_at(index: uint32) -> address:
    """
    @dev Returns the verifier with a given index, to enumerate verifiers.
    @param index The 1-based index, up to `verifier_count`.
    @return address The verifier (zero: none).
    """
    return self._verifier_accounts[index]


@external
@view
def attestation(
    organisation: bytes32, report: bytes32, verifier: address
) -> IAttestationRegistry.AttestationStatus:
    """
    @dev Returns a verifier's current attestation of a report and whether
         the attestation itself is valid now (`valid` says nothing about
         the report: see `customs_view`).
    @param organisation The id of the organisation that anchored the report.
    @param report The report root.
    @param verifier The verifier's address.
    @return AttestationStatus The attestation (verdict 0: none).
    """
    index: uint256 = (self._verifiers[verifier] >> _VER_INDEX_SHIFT) & _MASK32
    position: uint256 = 0
    packed: uint256 = 0
    position, packed = self._find(organisation, report, index)
    if packed == 0:
        return IAttestationRegistry.AttestationStatus(
            organisation=organisation,
            report=report,
            verifier=verifier,
            verifier_index=convert(index, uint32),
            verifier_id=self._verifier_ids[verifier],
            verdict=0,
            fields=0,
            verified_at=0,
            expires_at=0,
            attested_at=0,
            revoked_at=0,
            revocation_reason=0,
            expired=False,
            invalidated=False,
            valid=False,
        )
    return self._status(organisation, report, packed, verifier)


@external
@view
def attestations(
    organisation: bytes32, report: bytes32
) -> DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS]:
    """
    @dev Returns every attestation of a report (at most MAX_ATTESTATIONS,
         one per verifier, in the order the verifiers first attested it),
         each with whether the attestation itself is valid now.
    @param organisation The id of the organisation that anchored the report.
    @param report The report root.
    @return DynArray The attestations.
    """
    return self._list(organisation, report)


@external
@view
def customs_view(organisation: bytes32, report: bytes32) -> IAttestationRegistry.CustomsView:
    """
    @dev Everything customs needs for a report in one call: the report
         registry's `report_status(organisation, report)` (with its
         `paused` flag), every attestation of the report with whether it is
         valid now, the time "now" refers to, and `accepted`: the report is
         anchored, its organisation active, the registry not paused, and at
         least one attestation is valid with verdict pass. A policy checks
         more (fields, verifier ids); `valid` alone never judges the report.
         Reads only the report's own list: at most MAX_ATTESTATIONS entries,
         whatever the number of accredited verifiers.
    @param organisation The id of the organisation that anchored the report
           (the file's proof names it).
    @param report The report root.
    @return CustomsView The report's status and attestations.
    """
    return self._view(
        staticcall IReportRegistry(REGISTRY).report_status(organisation, report), self._list(organisation, report)
    )


@internal
@view
def _view(
    status: IReportRegistry.ReportStatus,
    page: DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS],
) -> IAttestationRegistry.CustomsView:
    """
    @dev A customs view of a report status and its (effective) attestations.
    """
    accepted: bool = False
    if (
        status.state == _REPORT_ANCHORED
        and status.organisation_status == _ORGANISATION_ACTIVE
        and not status.paused
    ):
        for entry: IAttestationRegistry.AttestationStatus in page:
            if entry.valid and entry.verdict == VERDICT_PASS:
                accepted = True
                break
    return IAttestationRegistry.CustomsView(
        report=status,
        attestations=page,
        checked_at=convert(block.timestamp, uint64),
        accepted=accepted,
    )


# ------------------------------------------------------------- internals


@internal
@view
def _require_not_paused():
    # The report registry's pause stops attesting and accrediting here too;
    # trust-reducing actions skip this check.
    assert not staticcall RegistryControl(REGISTRY).paused(), "pausable: contract is paused"


@internal
@view
def _check_governance():
    assert staticcall RegistryControl(REGISTRY).hasRole(
        GOVERNANCE_ROLE, msg.sender
    ), "access_control: account is missing role"


@internal
@view
def _known_verifier(verifier: address) -> uint256:
    record: uint256 = self._verifiers[verifier]
    assert record & (_MASK32 << _VER_INDEX_SHIFT) != 0, "attestations: unknown verifier"
    return record


@internal
def _attest(
    verifier: address,
    record: uint256,
    organisation: bytes32,
    report: bytes32,
    verdict: uint8,
    fields: uint16,
    evidence: bytes32,
    verified_at: uint64,
    expires_at: uint64,
):
    """
    @dev Checks the terms (the verifier accredited now, the terms well
         formed), then the pause and the report's state, and writes the
         verifier's entry in the report's list.
    """
    assert record & (_MASK32 << _VER_INDEX_SHIFT) != 0, "attestations: not an accredited verifier"
    assert record & _VER_SUSPENDED == 0, "attestations: verifier is suspended"
    assert (record >> _VER_FROM_SHIFT) & _MASK40 <= block.timestamp, "attestations: accreditation not yet valid"
    until: uint256 = (record >> _VER_UNTIL_SHIFT) & _MASK40
    assert block.timestamp <= until, "attestations: accreditation expired"
    # 0 wraps to 255: one comparison refuses 0 and anything above 3.
    assert unsafe_sub(verdict, VERDICT_PASS) < VERDICT_QUALIFIED, "attestations: invalid verdict"
    assert fields != 0, "attestations: no fields attested"
    assert convert(fields, uint256) & ~(record & _VER_SCOPE) == 0, "attestations: fields outside the verifier's scope"
    assert verified_at != 0, "attestations: verification time is zero"
    assert convert(verified_at, uint256) <= block.timestamp, "attestations: verification time is in the future"
    assert convert(expires_at, uint256) > block.timestamp, "attestations: expiry is not in the future"
    # `until` is below 2**40 (accreditation checks it), so this also keeps
    # the expiry inside its 40-bit field.
    assert convert(expires_at, uint256) <= until, "attestations: expiry is after the accreditation ends"
    assert not staticcall RegistryControl(REGISTRY).paused(), "pausable: contract is paused"
    state: uint8 = staticcall IReportRegistry(REGISTRY).report_state(organisation, report)
    assert state != _REPORT_SUPERSEDED, "attestations: report is superseded"
    assert state != _REPORT_REVOKED, "attestations: report is revoked"
    assert state == _REPORT_ANCHORED, "attestations: report is not anchored"
    index: uint256 = (record >> _VER_INDEX_SHIFT) & _MASK32
    # The verifier's entry, or the first free one: a report's first
    # attestation reads one slot (the write then finds it warm).
    position: uint256 = 0
    previous: uint256 = self._attestations[organisation][report][0]
    if previous != 0 and (previous >> _ATT_INDEX_SHIFT) & _MASK32 != index:
        position, previous = self._find(organisation, report, index)
        assert position < MAX_ATTESTATIONS, "attestations: the report already has attestations from MAX_ATTESTATIONS (32) verifiers"
    if previous != 0:
        on_record: uint256 = (previous >> _ATT_VERIFIED_SHIFT) & _MASK40
        if (previous >> _ATT_REVOKED_SHIFT) & _MASK40 != 0:
            # A revocation is final for that verification (and any other
            # signed copy of it): only a later verification attests again.
            assert convert(verified_at, uint256) > on_record, "attestations: revoked; only a later verification can attest again"
        else:
            # A relayed signature that arrives late must not replace a newer one.
            assert convert(verified_at, uint256) >= on_record, "attestations: a later verification is on record"
    self._attestations[organisation][report][position] = (
        convert(verdict, uint256)
        | (convert(fields, uint256) << _ATT_FIELDS_SHIFT)
        | (block.timestamp << _ATT_ATTESTED_SHIFT)
        | (convert(verified_at, uint256) << _ATT_VERIFIED_SHIFT)
        | (convert(expires_at, uint256) << _ATT_EXPIRES_SHIFT)
        | (index << _ATT_INDEX_SHIFT)
    )
    log IAttestationRegistry.AttestationMade(
        organisation=organisation,
        report=report,
        verifier=verifier,
        verdict=verdict,
        fields=fields,
        evidence=evidence,
        verified_at=verified_at,
        expires_at=expires_at,
    )


@internal
def _revoke(
    verifier: address, record: uint256, organisation: bytes32, report: bytes32, reason: uint16, attested_at: uint256
):
    """
    @dev Revokes `verifier`'s attestation of the report; if `attested_at` is
         not 0, only the attestation made at that time.
    """
    assert reason != 0, "attestations: revocation reason is zero"
    index: uint256 = (record >> _VER_INDEX_SHIFT) & _MASK32
    position: uint256 = 0
    packed: uint256 = 0
    # An unknown verifier has index 0, under which nothing is ever stored.
    position, packed = self._find(organisation, report, index)
    assert packed != 0, "attestations: no attestation of this report by the verifier"
    assert attested_at == 0 or (packed >> _ATT_ATTESTED_SHIFT) & _MASK40 == attested_at, "attestations: signed for another attestation"
    assert (packed >> _ATT_REVOKED_SHIFT) & _MASK40 == 0, "attestations: attestation already revoked"
    self._attestations[organisation][report][position] = (
        packed | (block.timestamp << _ATT_REVOKED_SHIFT) | (convert(reason, uint256) << _ATT_REASON_SHIFT)
    )
    log IAttestationRegistry.AttestationRevoked(
        organisation=organisation, report=report, verifier=verifier, reason=reason
    )


@internal
@view
def _check_batch(organisation: bytes32, batch: bytes32, size: uint32):
    """
    @dev `batch` is a batch of the organisation, of the size approved.
    """
    approved: uint32 = staticcall IReportRegistry(REGISTRY).batch_size(organisation, batch)
    assert approved != 0, "attestations: not a batch of the organisation"
    assert approved == size, "attestations: batch size differs from the approved size"


@internal
def _revoke_member(
    verifier: address,
    record: uint256,
    organisation: bytes32,
    report: bytes32,
    batch: bytes32,
    proof: DynArray[bytes32, _MAX_BATCH_PROOF],
    reason: uint16,
    attested_at: uint256,
):
    """
    @dev Withdraws `verifier`'s attestation of `batch` from one member; if
         `attested_at` is not 0, only the attestation made at that time.
    """
    assert reason != 0, "attestations: revocation reason is zero"
    assert staticcall IReportRegistry(REGISTRY).is_member(
        organisation, report, batch, proof
    ), "attestations: not a member of that batch"
    position: uint256 = 0
    packed: uint256 = 0
    # An unknown verifier has index 0, under which nothing is ever stored.
    position, packed = self._find(organisation, batch, (record >> _VER_INDEX_SHIFT) & _MASK32)
    assert packed != 0, "attestations: no attestation of this batch by the verifier"
    assert attested_at == 0 or (packed >> _ATT_ATTESTED_SHIFT) & _MASK40 == attested_at, "attestations: signed for another attestation"
    assert (packed >> _ATT_REVOKED_SHIFT) & _MASK40 == 0, "attestations: attestation already revoked"
    verified: uint256 = (packed >> _ATT_VERIFIED_SHIFT) & _MASK40
    previous: uint256 = self._member_revocations[organisation][batch][report][position]
    assert previous == 0 or previous & _MASK40 < verified, "attestations: member's attestation already revoked"
    self._member_revocations[organisation][batch][report][position] = (
        verified | (block.timestamp << _MREV_REVOKED_SHIFT) | (convert(reason, uint256) << _MREV_REASON_SHIFT)
    )
    log IAttestationRegistry.MemberAttestationRevoked(
        organisation=organisation, report=report, verifier=verifier, batch=batch, reason=reason
    )


@internal
@view
def _find(organisation: bytes32, report: bytes32, index: uint256) -> (uint256, uint256):
    """
    @dev The position of verifier `index`'s entry in the report's list and
         the entry; else the first free position and 0; else (list full)
         MAX_ATTESTATIONS and 0. Index 0 (unknown verifier) is never stored.
    """
    for position: uint256 in range(MAX_ATTESTATIONS):
        packed: uint256 = self._attestations[organisation][report][position]
        if packed == 0 or (packed >> _ATT_INDEX_SHIFT) & _MASK32 == index:
            return position, packed
    return MAX_ATTESTATIONS, 0


@internal
@view
def _check_signature(verifier: address, struct_hash: bytes32, deadline: uint64, signature: Bytes[65]):
    """
    @dev snekmate's ecdsa refuses high-s and unrecoverable signatures; the
         EIP-712 domain binds the digest to this chain and this contract.
    """
    assert block.timestamp <= convert(deadline, uint256), "attestations: signature expired"
    digest: bytes32 = eip712._hash_typed_data_v4(struct_hash)
    valid: bool = False
    if len(signature) == _COMPACT_SIGNATURE:
        valid = ecdsa._try_recover_r_vs(
            digest, extract32(signature, 0, output_type=uint256), extract32(signature, 32, output_type=uint256)
        ) == verifier
    elif len(signature) == _WALLET_SIGNATURE:
        # The EXTCODESIZE warms the account for the EIP-1271 call: ~100 gas.
        assert verifier.is_contract, "attestations: 65-byte signature from an account without code; send the 64-byte EIP-2098 compact form"
        valid = signature_checker._is_valid_ERC1271_signature_now(verifier, digest, signature)
    else:
        raise "attestations: malformed signature"
    assert valid, "attestations: invalid verifier signature"


@internal
def _use_nonce(verifier: address, record: uint256, nonce: uint64) -> uint256:
    """
    @dev Marks `nonce` used and returns the verifier record written.
    """
    base: uint256 = (record >> _VER_NONCE_BASE_SHIFT) & _MASK32
    used: uint256 = (record >> _VER_NONCES_SHIFT) & _MASK56
    n: uint256 = convert(nonce, uint256)
    assert n >= base, "attestations: nonce already used"
    assert n - base < NONCE_WINDOW, "attestations: nonce beyond the window"
    bit: uint256 = 1 << (n - base)
    assert used & bit == 0, "attestations: nonce already used"
    written: uint256 = self._write_nonces(verifier, record, base, used | bit)
    log IAttestationRegistry.VerifierNonceUsed(verifier=verifier, nonce=nonce)
    return written


@internal
def _cancel_nonces(verifier: address, below: uint64):
    """
    @dev Every nonce below `below` becomes used; the window moves with it.
    """
    record: uint256 = self._known_verifier(verifier)
    base: uint256 = (record >> _VER_NONCE_BASE_SHIFT) & _MASK32
    used: uint256 = (record >> _VER_NONCES_SHIFT) & _MASK56
    new_base: uint256 = convert(below, uint256)
    assert new_base > base, "attestations: every nonce below that is already used"
    assert new_base <= _MASK32, "attestations: nonce out of range"
    if new_base - base >= NONCE_WINDOW:
        used = 0
    else:
        used >>= new_base - base
    written: uint256 = self._write_nonces(verifier, record, new_base, used)
    log IAttestationRegistry.NoncesCancelled(
        verifier=verifier, nonce_base=convert((written >> _VER_NONCE_BASE_SHIFT) & _MASK32, uint64)
    )


@internal
def _write_nonces(verifier: address, record: uint256, base: uint256, used: uint256) -> uint256:
    """
    @dev Slides the window past the used nonces at its start, so that bit 0
         of the stored window is always clear, and writes the record.
    """
    b: uint256 = base
    u: uint256 = used
    for _: uint256 in range(NONCE_WINDOW):
        if u & 1 == 0:
            break
        u >>= 1
        b += 1
    assert b <= _MASK32, "attestations: nonces exhausted"
    written: uint256 = (record & ~_VER_NONCE_FIELDS) | (b << _VER_NONCE_BASE_SHIFT) | (u << _VER_NONCES_SHIFT)
    self._verifiers[verifier] = written
    return written


@internal
@view
def _list(
    organisation: bytes32, report: bytes32
) -> DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS]:
    """
    @dev The report's list, up to its first free position: at most
         MAX_ATTESTATIONS storage reads (plus two per entry for the
         verifier), whatever the number of accredited verifiers.
    """
    page: DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS] = []
    for position: uint256 in range(MAX_ATTESTATIONS):
        packed: uint256 = self._attestations[organisation][report][position]
        if packed == 0:
            break
        account: address = self._verifier_accounts[convert((packed >> _ATT_INDEX_SHIFT) & _MASK32, uint32)]
        page.append(self._status(organisation, report, packed, account))
    return page


@internal
@view
def _status(
    organisation: bytes32, report: bytes32, packed: uint256, verifier: address
) -> IAttestationRegistry.AttestationStatus:
    """
    @dev Valid now: not revoked, not expired, and not made at or after its
         verifier's for-cause cut-off. Accreditation and scope need no
         re-check: `attest` refused anything else, and accreditation changes
         do not reach back to attestations already made. The verifier id is
         fixed at first accreditation, so it is the one the attestation was
         made under.
    """
    record: uint256 = self._verifiers[verifier]
    attested_at: uint256 = (packed >> _ATT_ATTESTED_SHIFT) & _MASK40
    expires_at: uint256 = (packed >> _ATT_EXPIRES_SHIFT) & _MASK40
    revoked_at: uint256 = (packed >> _ATT_REVOKED_SHIFT) & _MASK40
    invalidated: bool = record & _VER_FOR_CAUSE != 0 and attested_at >= (record >> _VER_SINCE_SHIFT) & _MASK40
    expired: bool = block.timestamp >= expires_at
    return IAttestationRegistry.AttestationStatus(
        organisation=organisation,
        report=report,
        verifier=verifier,
        verifier_index=convert((packed >> _ATT_INDEX_SHIFT) & _MASK32, uint32),
        verifier_id=self._verifier_ids[verifier],
        verdict=convert(packed & _MASK8, uint8),
        fields=convert((packed >> _ATT_FIELDS_SHIFT) & _MASK16, uint16),
        verified_at=convert((packed >> _ATT_VERIFIED_SHIFT) & _MASK40, uint64),
        expires_at=convert(expires_at, uint64),
        attested_at=convert(attested_at, uint64),
        revoked_at=convert(revoked_at, uint64),
        revocation_reason=convert((packed >> _ATT_REASON_SHIFT) & _MASK16, uint16),
        expired=expired,
        invalidated=invalidated,
        valid=revoked_at == 0 and not expired and not invalidated,
    )


@internal
@view
def _verifier_status(record: uint256) -> uint8:
    if record & (_MASK32 << _VER_INDEX_SHIFT) == 0:
        return VERIFIER_NONE
    if record & _VER_FOR_CAUSE != 0:
        return VERIFIER_SUSPENDED_FOR_CAUSE
    if record & _VER_SUSPENDED != 0:
        return VERIFIER_SUSPENDED
    if block.timestamp < (record >> _VER_FROM_SHIFT) & _MASK40:
        return VERIFIER_NOT_YET_VALID
    if block.timestamp > (record >> _VER_UNTIL_SHIFT) & _MASK40:
        return VERIFIER_EXPIRED
    return VERIFIER_ACCREDITED
