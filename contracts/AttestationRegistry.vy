# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title BCI Attestation Registry
@custom:contract-name AttestationRegistry
@license Apache-2.0
@notice Accredited verifiers (SGS- or TÜV-style certification bodies) attest
        report roots anchored in the `ReportRegistry`; customs reads a
        report's status and its attestations in one call (`customs_view`).
        The technical specification is `docs/attestations-spec.md`.
@dev A separate contract because the report registry and this one do not
     fit together under the EIP-170 code-size limit. Roles and the pause
     switch stay those of the report registry: one governance, one
     emergency stop. Cost model: an attestation writes ONE storage slot,
     the (report, verifier) record, holding all that is needed to judge it
     later; the evidence hash and the revocation history are needed by
     nobody on chain and live only in the events, the audit trail.
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
# wallets with the same owner cannot use each other's signatures.
ATTESTATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Attestation(address verifier,bytes32 report,uint8 verdict,uint16 fields,bytes32 evidence,uint64 verifiedAt,uint64 expiresAt,uint64 nonce,uint64 deadline)"
)
ATTESTATION_REVOCATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "AttestationRevocation(address verifier,bytes32 report,uint64 attestedAt,uint16 reason,uint64 nonce,uint64 deadline)"
)

VERDICT_PASS: public(constant(uint8)) = 1
VERDICT_FAIL: public(constant(uint8)) = 2
VERDICT_QUALIFIED: public(constant(uint8)) = 3

# Bit i of a field mask is report field i in DESIGN.md order
# (0 cathodeMaterialOrigin ... 11 dueDiligenceReport).
ALL_FIELDS: public(constant(uint16)) = 4095
# Bounds the views' scan over verifier indices; at most this many verifier
# addresses can ever be accredited (key rotations included).
MAX_VERIFIERS: public(constant(uint256)) = 1024
# Attestations returned per call of `attestations` / `customs_view`.
MAX_ATTESTATIONS: public(constant(uint256)) = 32
# Relayed signatures carry a nonce: any unused nonce in
# [nonce_base, nonce_base + NONCE_WINDOW) is accepted, so relayers may
# submit a verifier's pre-signed messages out of order.
NONCE_WINDOW: public(constant(uint256)) = 56

# The report registry's anchored state.
_REPORT_ANCHORED: constant(uint8) = 2
_REPORT_SUPERSEDED: constant(uint8) = 3
_REPORT_REVOKED: constant(uint8) = 4

# Verifier states, as computed by `verifier` (not stored).
VERIFIER_NONE: constant(uint8) = 0
VERIFIER_ACCREDITED: constant(uint8) = 1
VERIFIER_NOT_YET_VALID: constant(uint8) = 2
VERIFIER_EXPIRED: constant(uint8) = 3
VERIFIER_SUSPENDED: constant(uint8) = 4
VERIFIER_SUSPENDED_FOR_CAUSE: constant(uint8) = 5

# An EOA verifier signs with an EIP-2098 compact signature (as approvals do
# in the report registry); a 65-byte signature goes to the verifier's
# EIP-1271 wallet. Choosing by length spares the cold EXTCODESIZE (2,600
# gas) of `is_contract` and is safe: nobody holds a key for a wallet's
# address, and an EOA answers no call.
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
#      number). A label for customs, never read when attesting; a body that
#      rotates keys may hold the same id on several addresses.
_verifier_ids: HashMap[address, bytes32]
# @dev Verifier index (1-based) => verifier.
_verifier_accounts: HashMap[uint32, address]
# @dev Number of verifiers ever accredited.
verifier_count: public(uint32)
# @dev Report root => verifier index => the verifier's current attestation
#      of the report, packed (0: none).
_attestations: HashMap[bytes32, HashMap[uint32, uint256]]


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
         replaces its id, scope and window and lifts a suspension from now
         on; its attestations made so far keep the terms they were made
         under. A verifier suspended for cause is never accredited again,
         so that its invalidation cut-off keeps applying.
    @notice Only callable by a GOVERNANCE_ROLE account of the report
            registry, when it is not paused.
    @param verifier The verifier's address.
    @param verifier_id The verifier's non-zero id.
    @param scope The non-zero 12-bit mask of the report fields it may attest.
    @param valid_from The first timestamp at which it may attest.
    @param valid_until The last timestamp at which it may attest.
    """
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
        assert convert(count, uint256) <= MAX_VERIFIERS, "attestations: too many verifiers"
        self.verifier_count = count
        self._verifier_accounts[count] = verifier
        index = convert(count, uint256)
    else:
        assert record & _VER_FOR_CAUSE == 0, "attestations: verifier was suspended for cause"
    # The nonce window survives re-accreditation: a signature relayed once
    # must never become usable again.
    self._verifiers[verifier] = (
        (record & _VER_NONCE_FIELDS)
        | convert(scope, uint256)
        | (index << _VER_INDEX_SHIFT)
        | (convert(valid_from, uint256) << _VER_FROM_SHIFT)
        | (convert(valid_until, uint256) << _VER_UNTIL_SHIFT)
    )
    self._verifier_ids[verifier] = verifier_id
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
            registry, when it is not paused.
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
            registry, when it is not paused.
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
    report: bytes32, verdict: uint8, fields: uint16, evidence: bytes32, verified_at: uint64, expires_at: uint64
):
    """
    @dev The verifier attests an anchored report with its own transaction.
         It replaces the verifier's previous attestation of the report, if
         any (the events keep the history).
    @notice Only callable by a verifier accredited now (inside its window,
            not suspended) for every field in `fields`, when not paused.
    @param report The root of an anchored report.
    @param verdict 1 pass, 2 fail, 3 qualified.
    @param fields The non-zero mask of the fields verified, inside the scope.
    @param evidence The hash of the evidence document (the audit
           certificate); logged, not stored.
    @param verified_at When the verification was done: not in the future,
           not before that of the attestation it replaces.
    @param expires_at When the attestation stops being valid, in the future.
    """
    record: uint256 = self._verifiers[msg.sender]
    self._check_terms(record, verdict, fields, verified_at, expires_at)
    self._store(msg.sender, record, report, verdict, fields, evidence, verified_at, expires_at)


@external
def attest_by_signature(
    verifier: address,
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
    @param report The root of an anchored report.
    @param verdict 1 pass, 2 fail, 3 qualified.
    @param fields The non-zero mask of the fields verified, inside the scope.
    @param evidence The hash of the evidence document; logged, not stored.
    @param verified_at When the verification was done (as for `attest`).
    @param expires_at When the attestation stops being valid, in the future.
    @param nonce An unused nonce of the verifier, inside its window.
    @param deadline The last timestamp at which the signature is valid.
    @param signature A 64-byte EIP-2098 signature from an EOA verifier, or
           the 65-byte signature its EIP-1271 wallet accepts.
    """
    record: uint256 = self._verifiers[verifier]
    self._check_terms(record, verdict, fields, verified_at, expires_at)
    struct_hash: bytes32 = keccak256(
        abi_encode(
            ATTESTATION_TYPEHASH,
            verifier,
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
    self._use_nonce(verifier, record, nonce)
    self._store(verifier, record, report, verdict, fields, evidence, verified_at, expires_at)


@external
def revoke_attestation(report: bytes32, reason: uint16):
    """
    @dev The verifier revokes its attestation of a report, whatever its own
         accreditation state: withdrawing trust is always allowed.
    @notice Only callable by a verifier with an unrevoked attestation of
            the report, when not paused.
    @param report The report root.
    @param reason A non-zero reason code.
    """
    self._require_not_paused()
    self._revoke(msg.sender, self._verifiers[msg.sender], report, reason, 0)


@external
def revoke_attestation_by_signature(
    verifier: address,
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
         attestation by its time, so it can never revoke a later one.
    @notice Only when not paused and not after `deadline`.
    @param verifier The attestation's verifier.
    @param report The report root.
    @param attested_at The attestation's block timestamp (`attested_at`).
    @param reason A non-zero reason code.
    @param nonce An unused nonce of the verifier, inside its window.
    @param deadline The last timestamp at which the signature is valid.
    @param signature As for `attest_by_signature`.
    """
    self._require_not_paused()
    record: uint256 = self._verifiers[verifier]
    struct_hash: bytes32 = keccak256(
        abi_encode(ATTESTATION_REVOCATION_TYPEHASH, verifier, report, attested_at, reason, nonce, deadline)
    )
    self._check_signature(verifier, struct_hash, deadline, signature)
    self._revoke(verifier, record, report, reason, convert(attested_at, uint256))
    self._use_nonce(verifier, record, nonce)


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
def attestation(report: bytes32, verifier: address) -> IAttestationRegistry.AttestationStatus:
    """
    @dev Returns a verifier's current attestation of a report and whether
         it is valid now.
    @param report The report root.
    @param verifier The verifier's address.
    @return AttestationStatus The attestation (verdict 0: none).
    """
    index: uint32 = convert((self._verifiers[verifier] >> _VER_INDEX_SHIFT) & _MASK32, uint32)
    return self._status(report, index, verifier)


@external
@view
def attestations(report: bytes32, start: uint32) -> DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS]:
    """
    @dev Returns a report's attestations, by verifier index from `start`,
         at most MAX_ATTESTATIONS; each with whether it is valid now. For the
         next page, call again from the last `verifier_index` plus one.
    @param report The report root.
    @param start The first verifier index to look at (0 or 1: all).
    @return DynArray The attestations.
    """
    page: DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS] = []
    complete: bool = False
    page, complete = self._page(report, convert(start, uint256))
    return page


@external
@view
def customs_view(report: bytes32) -> IAttestationRegistry.CustomsView:
    """
    @dev Everything customs needs for a report root in one call: the report
         registry's `report_status`, the report's attestations (first page)
         with whether each is valid now, and the time "now" refers to.
    @param report The report root.
    @return CustomsView The report's status and attestations.
    """
    page: DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS] = []
    complete: bool = False
    page, complete = self._page(report, 1)
    return IAttestationRegistry.CustomsView(
        report=staticcall IReportRegistry(REGISTRY).report_status(report),
        attestations=page,
        complete=complete,
        checked_at=convert(block.timestamp, uint64),
    )


# ------------------------------------------------------------- internals


@internal
@view
def _require_not_paused():
    # The report registry's pause stops this registry too.
    assert not staticcall RegistryControl(REGISTRY).paused(), "pausable: contract is paused"


@internal
@view
def _check_governance():
    self._require_not_paused()
    assert staticcall RegistryControl(REGISTRY).hasRole(
        GOVERNANCE_ROLE, msg.sender
    ), "access_control: account is missing role"


@internal
@view
def _known_verifier(verifier: address) -> uint256:
    record: uint256 = self._verifiers[verifier]
    assert record != 0, "attestations: unknown verifier"
    return record


@internal
@view
def _check_terms(record: uint256, verdict: uint8, fields: uint16, verified_at: uint64, expires_at: uint64):
    """
    @dev The verifier must be accredited now and the terms well-formed;
         checked before any signature work or external read.
    """
    assert record != 0, "attestations: not an accredited verifier"
    assert record & _VER_SUSPENDED == 0, "attestations: verifier is suspended"
    assert (record >> _VER_FROM_SHIFT) & _MASK40 <= block.timestamp, "attestations: accreditation not yet valid"
    assert block.timestamp <= (record >> _VER_UNTIL_SHIFT) & _MASK40, "attestations: accreditation expired"
    assert verdict >= VERDICT_PASS and verdict <= VERDICT_QUALIFIED, "attestations: invalid verdict"
    assert fields != 0, "attestations: no fields attested"
    assert convert(fields, uint256) & ~(record & _VER_SCOPE) == 0, "attestations: fields outside the verifier's scope"
    assert verified_at != 0, "attestations: verification time is zero"
    assert convert(verified_at, uint256) <= block.timestamp, "attestations: verification time is in the future"
    assert convert(expires_at, uint256) > block.timestamp, "attestations: expiry is not in the future"
    assert convert(expires_at, uint256) <= _MASK40, "attestations: time out of range"


@internal
def _store(
    verifier: address,
    record: uint256,
    report: bytes32,
    verdict: uint8,
    fields: uint16,
    evidence: bytes32,
    verified_at: uint64,
    expires_at: uint64,
):
    self._require_not_paused()
    state: uint8 = staticcall IReportRegistry(REGISTRY).report_state(report)
    assert state != _REPORT_SUPERSEDED, "attestations: report is superseded"
    assert state != _REPORT_REVOKED, "attestations: report is revoked"
    assert state == _REPORT_ANCHORED, "attestations: report is not anchored"
    index: uint32 = convert((record >> _VER_INDEX_SHIFT) & _MASK32, uint32)
    # Reading the slot first costs ~100 gas: the write then finds it warm.
    previous: uint256 = self._attestations[report][index]
    # A relayed signature that arrives late must not replace a newer one.
    assert convert(verified_at, uint256) >= (previous >> _ATT_VERIFIED_SHIFT) & _MASK40, "attestations: a later verification is on record"
    self._attestations[report][index] = (
        convert(verdict, uint256)
        | (convert(fields, uint256) << _ATT_FIELDS_SHIFT)
        | (block.timestamp << _ATT_ATTESTED_SHIFT)
        | (convert(verified_at, uint256) << _ATT_VERIFIED_SHIFT)
        | (convert(expires_at, uint256) << _ATT_EXPIRES_SHIFT)
    )
    log IAttestationRegistry.AttestationMade(
        report=report,
        verifier=verifier,
        verdict=verdict,
        fields=fields,
        evidence=evidence,
        verified_at=verified_at,
        expires_at=expires_at,
    )


@internal
def _revoke(verifier: address, record: uint256, report: bytes32, reason: uint16, attested_at: uint256):
    """
    @dev Revokes `verifier`'s attestation of `report`; if `attested_at` is
         not 0, only the attestation made at that time.
    """
    assert reason != 0, "attestations: revocation reason is zero"
    index: uint32 = convert((record >> _VER_INDEX_SHIFT) & _MASK32, uint32)
    # An unknown verifier has index 0, under which nothing is ever stored.
    packed: uint256 = self._attestations[report][index]
    assert packed != 0, "attestations: no attestation of this report by the verifier"
    assert attested_at == 0 or (packed >> _ATT_ATTESTED_SHIFT) & _MASK40 == attested_at, "attestations: signed for another attestation"
    assert (packed >> _ATT_REVOKED_SHIFT) & _MASK40 == 0, "attestations: attestation already revoked"
    self._attestations[report][index] = (
        packed | (block.timestamp << _ATT_REVOKED_SHIFT) | (convert(reason, uint256) << _ATT_REASON_SHIFT)
    )
    log IAttestationRegistry.AttestationRevoked(report=report, verifier=verifier, reason=reason)


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
        valid = signature_checker._is_valid_ERC1271_signature_now(verifier, digest, signature)
    else:
        raise "attestations: malformed signature"
    assert valid, "attestations: invalid verifier signature"


@internal
def _use_nonce(verifier: address, record: uint256, nonce: uint64):
    """
    @dev Marks `nonce` used and slides the window past the used nonces at
         its start, so that bit 0 of the stored window is always clear.
    """
    base: uint256 = (record >> _VER_NONCE_BASE_SHIFT) & _MASK32
    used: uint256 = (record >> _VER_NONCES_SHIFT) & _MASK56
    n: uint256 = convert(nonce, uint256)
    assert n >= base, "attestations: nonce already used"
    assert n - base < NONCE_WINDOW, "attestations: nonce beyond the window"
    bit: uint256 = 1 << (n - base)
    assert used & bit == 0, "attestations: nonce already used"
    used |= bit
    for _: uint256 in range(NONCE_WINDOW):
        if used & 1 == 0:
            break
        used >>= 1
        base += 1
    assert base <= _MASK32, "attestations: nonces exhausted"
    self._verifiers[verifier] = (
        (record & ~_VER_NONCE_FIELDS) | (base << _VER_NONCE_BASE_SHIFT) | (used << _VER_NONCES_SHIFT)
    )
    log IAttestationRegistry.VerifierNonceUsed(verifier=verifier, nonce=nonce)


@internal
@view
def _page(
    report: bytes32, start: uint256
) -> (DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS], bool):
    """
    @dev Scans verifier indices from `start`; a miss costs one storage read,
         which only eth_call pays. Returns the page and whether it is the
         last one.
    """
    page: DynArray[IAttestationRegistry.AttestationStatus, MAX_ATTESTATIONS] = []
    count: uint256 = convert(self.verifier_count, uint256)
    index: uint256 = max(start, 1)
    for _: uint256 in range(MAX_VERIFIERS):
        if index > count:
            return page, True
        key: uint32 = convert(index, uint32)
        if self._attestations[report][key] != 0:
            if len(page) == MAX_ATTESTATIONS:
                return page, False
            page.append(self._status(report, key, self._verifier_accounts[key]))
        index += 1
    return page, True


@internal
@view
def _status(report: bytes32, index: uint32, verifier: address) -> IAttestationRegistry.AttestationStatus:
    """
    @dev Valid now: not revoked, not expired, and not made at or after its
         verifier's for-cause cut-off. Accreditation and scope need no
         re-check: `attest` refused anything else, and accreditation changes
         do not reach back to attestations already made.
    """
    packed: uint256 = self._attestations[report][index]
    record: uint256 = self._verifiers[verifier]
    attested_at: uint256 = (packed >> _ATT_ATTESTED_SHIFT) & _MASK40
    expires_at: uint256 = (packed >> _ATT_EXPIRES_SHIFT) & _MASK40
    revoked_at: uint256 = (packed >> _ATT_REVOKED_SHIFT) & _MASK40
    invalidated: bool = record & _VER_FOR_CAUSE != 0 and attested_at >= (record >> _VER_SINCE_SHIFT) & _MASK40
    expired: bool = block.timestamp >= expires_at
    return IAttestationRegistry.AttestationStatus(
        verifier=verifier,
        verifier_index=index,
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
        valid=packed != 0 and revoked_at == 0 and not expired and not invalidated,
    )


@internal
@view
def _verifier_status(record: uint256) -> uint8:
    if record == 0:
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
