# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title BCI Report Registry
@custom:contract-name ReportRegistry
@license Apache-2.0
@notice Anchors battery material-traceability reports (their salted
        field-commitment roots) once an exporter organisation's M-of-N
        signers have approved them. The technical specification is in
        `docs/registry-spec.md`: state machine, roles, EIP-712 types,
        signature encoding, storage packing and events.
@dev Every state change emits an event carrying enough to rebuild the
     registry's state from the logs alone.
"""

from ethereum.ercs import IERC165
from interfaces import IReportRegistry

implements: IReportRegistry

from snekmate.auth import access_control
initializes: access_control

from snekmate.utils import pausable
initializes: pausable

from snekmate.utils import eip712_domain_separator as eip712
initializes: eip712

from snekmate.utils import ecdsa
from snekmate.utils import signature_checker

exports: (
    access_control.supportsInterface,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
    access_control.DEFAULT_ADMIN_ROLE,
    pausable.paused,
    eip712.eip712Domain,
)


# Roles. Governance onboards and suspends organisations and revokes reports
# for cause; the pauser is an emergency key that can stop, but not restart.
GOVERNANCE_ROLE: public(constant(bytes32)) = keccak256("GOVERNANCE_ROLE")
PAUSER_ROLE: public(constant(bytes32)) = keccak256("PAUSER_ROLE")

# EIP-712 types. The same strings are defined once on the Python side
# (`bci_registry.eip712`) and a test checks both give the same type hashes.
APPROVAL_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Approval(bytes32 organisation,bytes32 report,bytes32 supersedes,uint32 signerSetVersion,uint64 deadline)"
)
REVOCATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Revocation(bytes32 organisation,bytes32 report,uint16 reason,uint32 signerSetVersion,uint64 deadline)"
)
ORGANISATION_UPDATE_TYPEHASH: public(constant(bytes32)) = keccak256(
    "OrganisationUpdate(bytes32 organisation,address[] signers,uint8 threshold,address[] submitters,uint32 signerSetVersion,uint64 deadline)"
)

MAX_SIGNERS: public(constant(uint256)) = 16
MAX_SUBMITTERS: public(constant(uint256)) = 16
# Signature blob entries (see the spec): an EOA entry is an EIP-2098 compact
# signature (r, yParityAndS), 64 bytes; an EIP-1271 entry is the wallet's
# address as a 32-byte word followed by its 65-byte signature, 97 bytes.
_EOA_ENTRY: constant(uint256) = 64
_WALLET_ENTRY: constant(uint256) = 97
_WALLET_SIGNATURE: constant(uint256) = 65
MAX_SIGNATURE_BYTES: public(constant(uint256)) = 16 * 97

# Report states.
REPORT_NONE: constant(uint8) = 0
REPORT_PENDING: constant(uint8) = 1
REPORT_ANCHORED: constant(uint8) = 2
REPORT_SUPERSEDED: constant(uint8) = 3
REPORT_REVOKED: constant(uint8) = 4

# Organisation states.
ORGANISATION_NONE: constant(uint8) = 0
ORGANISATION_ACTIVE: constant(uint8) = 1
ORGANISATION_SUSPENDED: constant(uint8) = 2

# Bit layout of a packed organisation record (one slot).
_ORG_THRESHOLD_SHIFT: constant(uint256) = 0  # uint8
_ORG_SIGNERS_SHIFT: constant(uint256) = 8  # uint8: number of signers
_ORG_STATUS_SHIFT: constant(uint256) = 16  # uint8
_ORG_VERSION_SHIFT: constant(uint256) = 24  # uint32: signer-set version
_ORG_INDEX_SHIFT: constant(uint256) = 56  # uint32: 1-based organisation index

# Bit layout of a packed report record (one slot, the only slot written
# when a report is anchored in one transaction).
_REPORT_STATE_SHIFT: constant(uint256) = 0  # uint8
_REPORT_ORG_SHIFT: constant(uint256) = 8  # uint32: organisation index
_REPORT_APPROVERS_SHIFT: constant(uint256) = 40  # uint16: bitmap of signer slots
_REPORT_APPROVALS_SHIFT: constant(uint256) = 56  # uint8: number of approvals
_REPORT_VERSION_SHIFT: constant(uint256) = 64  # uint32: signer-set version of the approvals
_REPORT_TIME_SHIFT: constant(uint256) = 96  # uint64: anchored-at timestamp
_REPORT_BLOCK_SHIFT: constant(uint256) = 160  # uint64: anchored-at block number
_REPORT_REASON_SHIFT: constant(uint256) = 224  # uint16: revocation reason
_REPORT_HAS_PREDECESSOR: constant(uint256) = 1 << 240  # flag: a correction

_MASK8: constant(uint256) = 2**8 - 1
_MASK16: constant(uint256) = 2**16 - 1
_MASK32: constant(uint256) = 2**32 - 1
_MASK64: constant(uint256) = 2**64 - 1


# @dev Organisation id => packed organisation record.
_organisations: HashMap[bytes32, uint256]
# @dev Organisation index (1-based) => organisation id.
_organisation_ids: HashMap[uint32, bytes32]
# @dev Number of organisations registered so far.
organisation_count: public(uint32)
# @dev Organisation id => its current signers, in slot order.
_signers: HashMap[bytes32, DynArray[address, MAX_SIGNERS]]
# @dev Organisation id => signer => 1-based slot in `_signers` (0: not a signer).
_signer_slot: HashMap[bytes32, HashMap[address, uint256]]
# @dev Organisation id => its current submitters.
_submitters: HashMap[bytes32, DynArray[address, MAX_SUBMITTERS]]
# @dev Organisation id => account => may submit pending reports.
_is_submitter: HashMap[bytes32, HashMap[address, bool]]

# @dev Report root => packed report record.
_reports: HashMap[bytes32, uint256]
# @dev Report root => the report it corrects (only for corrections).
_predecessor: HashMap[bytes32, bytes32]
# @dev Report root => the report that superseded it.
_successor: HashMap[bytes32, bytes32]


@deploy
def __init__(governance: address, pauser: address):
    """
    @dev Sets up roles and the EIP-712 domain ("BCI Report Registry", "1").
    @param governance The account (in production a multisig) that receives
           the admin and governance roles.
    @param pauser The emergency account that may pause the registry.
    """
    assert governance != empty(address), "registry: governance is the zero address"
    access_control.__init__()
    pausable.__init__()
    eip712.__init__("BCI Report Registry", "1")
    # The deployer only bootstraps: governance holds every role afterwards.
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, governance)
    access_control._grant_role(GOVERNANCE_ROLE, governance)
    if pauser != empty(address):
        access_control._grant_role(PAUSER_ROLE, pauser)
    if governance != msg.sender:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)


# ---------------------------------------------------------------- pausing


@external
def pause():
    """
    @dev Stops every state change of the registry (reads keep working).
         Role administration stays possible so that a compromised key can
         still be removed during the pause.
    @notice Only callable by a PAUSER_ROLE or GOVERNANCE_ROLE account.
    """
    assert access_control.hasRole[PAUSER_ROLE][msg.sender] or access_control.hasRole[
        GOVERNANCE_ROLE
    ][msg.sender], "registry: caller may not pause"
    pausable._pause()


@external
def unpause():
    """
    @dev Lifts the pause.
    @notice Only callable by a GOVERNANCE_ROLE account.
    """
    access_control._check_role(GOVERNANCE_ROLE, msg.sender)
    pausable._unpause()


# ---------------------------------------------------------- organisations


@external
def register_organisation(
    organisation: bytes32,
    signers: DynArray[address, MAX_SIGNERS],
    threshold: uint8,
    submitters: DynArray[address, MAX_SUBMITTERS],
):
    """
    @dev Onboards an exporter organisation with its signers (EOAs or
         EIP-1271 wallets), its M-of-N threshold and its submitters.
    @notice Only callable by a GOVERNANCE_ROLE account, when not paused.
    @param organisation The organisation's non-zero 32-byte id.
    @param signers The signers, unique and non-zero, at most 16.
    @param threshold The number of signer approvals that anchors a report.
    @param submitters The accounts (e.g. ERP systems) that may submit
           pending reports, unique and non-zero, at most 16.
    """
    pausable._require_not_paused()
    access_control._check_role(GOVERNANCE_ROLE, msg.sender)
    assert organisation != empty(bytes32), "registry: organisation id is zero"
    assert self._organisations[organisation] == 0, "registry: organisation already registered"
    index: uint32 = self.organisation_count + 1
    self.organisation_count = index
    self._organisation_ids[index] = organisation
    self._set_members(organisation, signers, threshold, submitters)
    self._organisations[organisation] = self._pack_organisation(
        threshold, len(signers), ORGANISATION_ACTIVE, 1, index
    )
    log IReportRegistry.OrganisationRegistered(
        organisation=organisation,
        index=index,
        signers=signers,
        threshold=threshold,
        submitters=submitters,
    )


@external
def update_organisation(
    organisation: bytes32,
    signers: DynArray[address, MAX_SIGNERS],
    threshold: uint8,
    submitters: DynArray[address, MAX_SUBMITTERS],
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    """
    @dev Replaces an organisation's signers, threshold and submitters with
         the threshold approval of its current signers (EIP-712
         `OrganisationUpdate`), relayed by anyone. The signer-set version
         goes up by one, so every approval signed for the old set is stale.
    @notice Only when not paused and the organisation is active.
    @param organisation The organisation's id.
    @param signers The new signers.
    @param threshold The new threshold.
    @param submitters The new submitters.
    @param deadline The last timestamp at which the signatures are valid.
    @param signatures The current signers' signatures (see the spec).
    """
    pausable._require_not_paused()
    record: uint256 = self._active_organisation(organisation)
    version: uint32 = self._org_version(record)
    struct_hash: bytes32 = keccak256(
        abi_encode(
            ORGANISATION_UPDATE_TYPEHASH,
            organisation,
            self._hash_addresses(signers),
            threshold,
            self._hash_addresses(submitters),
            version,
            deadline,
        )
    )
    self._require_threshold(organisation, record, struct_hash, deadline, signatures)
    self._clear_members(organisation)
    self._set_members(organisation, signers, threshold, submitters)
    version += 1
    self._organisations[organisation] = self._pack_organisation(
        threshold, len(signers), ORGANISATION_ACTIVE, version, self._org_index(record)
    )
    log IReportRegistry.OrganisationUpdated(
        organisation=organisation,
        signers=signers,
        threshold=threshold,
        submitters=submitters,
        signer_set_version=version,
    )


@external
def suspend_organisation(organisation: bytes32):
    """
    @dev Suspends an organisation: it can neither submit, approve, anchor
         nor change itself until reinstated. Its anchored reports stay
         anchored; customs sees the suspension in `report_status`.
    @notice Only callable by a GOVERNANCE_ROLE account, when not paused.
    @param organisation The organisation's id.
    """
    pausable._require_not_paused()
    access_control._check_role(GOVERNANCE_ROLE, msg.sender)
    record: uint256 = self._active_organisation(organisation)
    self._organisations[organisation] = self._with_org_status(record, ORGANISATION_SUSPENDED)
    log IReportRegistry.OrganisationSuspended(organisation=organisation)


@external
def reinstate_organisation(organisation: bytes32):
    """
    @dev Lifts an organisation's suspension.
    @notice Only callable by a GOVERNANCE_ROLE account, when not paused.
    @param organisation The organisation's id.
    """
    pausable._require_not_paused()
    access_control._check_role(GOVERNANCE_ROLE, msg.sender)
    record: uint256 = self._organisations[organisation]
    assert self._org_status(record) == ORGANISATION_SUSPENDED, "registry: organisation is not suspended"
    self._organisations[organisation] = self._with_org_status(record, ORGANISATION_ACTIVE)
    log IReportRegistry.OrganisationReinstated(organisation=organisation)


@external
@view
def organisation(organisation: bytes32) -> IReportRegistry.Organisation:
    """
    @dev Returns an organisation's status, signers, threshold, submitters,
         signer-set version and index (status 0 means unknown).
    @param organisation The organisation's id.
    @return Organisation The organisation's record.
    """
    record: uint256 = self._organisations[organisation]
    return IReportRegistry.Organisation(
        status=self._org_status(record),
        index=self._org_index(record),
        signers=self._signers[organisation],
        threshold=self._org_threshold(record),
        submitters=self._submitters[organisation],
        signer_set_version=self._org_version(record),
    )


# ---------------------------------------------------------------- reports


@external
def anchor(
    organisation: bytes32,
    report: bytes32,
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    """
    @dev The ERP fast path: submits a report and anchors it in one
         transaction with at least the threshold of signer approvals
         (EIP-712 `Approval`, supersedes = 0), relayed by anyone.
    @notice Only when not paused and the organisation is active.
    @param organisation The organisation's id.
    @param report The report root (the salted field-commitment root).
    @param deadline The last timestamp at which the approvals are valid.
    @param signatures The approvals, signers strictly ascending (see the spec).
    """
    pausable._require_not_paused()
    self._anchor_new(organisation, report, empty(bytes32), deadline, signatures)


@external
def anchor_correction(
    organisation: bytes32,
    report: bytes32,
    supersedes: bytes32,
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    """
    @dev Like `anchor`, for a corrected report that supersedes an anchored
         report of the same organisation (for the same shipment). The old
         report becomes superseded and records its successor.
    @notice Only when not paused and the organisation is active.
    @param organisation The organisation's id.
    @param report The corrected report's root.
    @param supersedes The root of the anchored report it replaces.
    @param deadline The last timestamp at which the approvals are valid.
    @param signatures The approvals, signers strictly ascending (see the spec).
    """
    pausable._require_not_paused()
    assert supersedes != empty(bytes32), "registry: supersedes is zero"
    self._anchor_new(organisation, report, supersedes, deadline, signatures)


@external
def submit(organisation: bytes32, report: bytes32, supersedes: bytes32):
    """
    @dev Submits a report as pending, to be approved by the signers one by
         one (`approve`) or with relayed signatures (`approve_with_signatures`).
    @notice Only callable by one of the organisation's submitters, when not
            paused and the organisation is active.
    @param organisation The organisation's id.
    @param report The report root.
    @param supersedes The root of the anchored report it corrects, or zero.
    """
    pausable._require_not_paused()
    record: uint256 = self._active_organisation(organisation)
    assert self._is_submitter[organisation][msg.sender], "registry: caller is not a submitter"
    assert report != empty(bytes32), "registry: report root is zero"
    assert self._reports[report] == 0, "registry: report already known"
    packed: uint256 = (
        convert(REPORT_PENDING, uint256)
        | (convert(self._org_index(record), uint256) << _REPORT_ORG_SHIFT)
        | (convert(self._org_version(record), uint256) << _REPORT_VERSION_SHIFT)
    )
    if supersedes != empty(bytes32):
        self._check_supersedable(supersedes, self._org_index(record))
        self._predecessor[report] = supersedes
        packed |= _REPORT_HAS_PREDECESSOR
    self._reports[report] = packed
    log IReportRegistry.ReportSubmitted(
        report=report, organisation=organisation, supersedes=supersedes, submitter=msg.sender
    )


@external
def approve(report: bytes32):
    """
    @dev A signer approves a pending report with its own transaction; the
         approval that reaches the threshold anchors the report.
    @notice Only callable by one of the organisation's signers, when not
            paused and the organisation is active.
    @param report The report root.
    """
    pausable._require_not_paused()
    packed: uint256 = self._pending_report(report)
    organisation: bytes32 = self._organisation_ids[self._report_org(packed)]
    record: uint256 = self._active_organisation(organisation)
    packed = self._restart_if_stale(packed, record)
    slot: uint256 = self._signer_slot[organisation][msg.sender]
    assert slot != 0, "registry: caller is not a signer"
    bit: uint256 = 1 << (slot - 1)
    approvers: uint256 = self._report_approvers(packed)
    assert approvers & bit == 0, "registry: signer already approved"
    approvals: uint256 = self._report_approvals(packed) + 1
    packed = self._with_approvals(packed, approvers | bit, approvals)
    log IReportRegistry.ReportApproved(report=report, signer=msg.sender, approvals=convert(approvals, uint8))
    self._store_or_anchor(organisation, report, packed, record)


@external
def approve_with_signatures(report: bytes32, deadline: uint64, signatures: Bytes[MAX_SIGNATURE_BYTES]):
    """
    @dev Adds relayed EIP-712 approvals to a pending report; anchors it when
         the approvals reach the threshold.
    @notice Only when not paused and the organisation is active.
    @param report The report root.
    @param deadline The last timestamp at which the approvals are valid.
    @param signatures The approvals, signers strictly ascending (see the spec).
    """
    pausable._require_not_paused()
    packed: uint256 = self._pending_report(report)
    organisation: bytes32 = self._organisation_ids[self._report_org(packed)]
    record: uint256 = self._active_organisation(organisation)
    packed = self._restart_if_stale(packed, record)
    supersedes: bytes32 = empty(bytes32)
    if packed & _REPORT_HAS_PREDECESSOR != 0:
        supersedes = self._predecessor[report]
    digest: bytes32 = self._approval_digest(organisation, report, supersedes, record, deadline)
    approvers: uint256 = self._report_approvers(packed)
    approvals: uint256 = self._report_approvals(packed)
    added: uint256 = 0
    approvers, added = self._check_signatures(organisation, digest, deadline, signatures, approvers)
    approvals += added
    packed = self._with_approvals(packed, approvers, approvals)
    log IReportRegistry.ReportApprovedBySignatures(
        report=report, approvers=approvers, approvals=convert(approvals, uint8)
    )
    self._store_or_anchor(organisation, report, packed, record)


@external
def revoke(report: bytes32, reason: uint16, deadline: uint64, signatures: Bytes[MAX_SIGNATURE_BYTES]):
    """
    @dev Revokes a pending or anchored report with the threshold approval
         of its organisation's signers (EIP-712 `Revocation`), relayed by
         anyone. A revoked root can never be anchored again.
    @notice Only when not paused and the organisation is active.
    @param report The report root.
    @param reason The non-zero revocation reason code (see the spec).
    @param deadline The last timestamp at which the signatures are valid.
    @param signatures The signers' signatures (see the spec).
    """
    pausable._require_not_paused()
    packed: uint256 = self._reports[report]
    assert packed != 0, "registry: unknown report"
    organisation: bytes32 = self._organisation_ids[self._report_org(packed)]
    record: uint256 = self._active_organisation(organisation)
    struct_hash: bytes32 = keccak256(
        abi_encode(REVOCATION_TYPEHASH, organisation, report, reason, self._org_version(record), deadline)
    )
    self._require_threshold(organisation, record, struct_hash, deadline, signatures)
    self._revoke(report, packed, reason, False)


@external
def revoke_for_cause(report: bytes32, reason: uint16):
    """
    @dev Governance revokes a pending or anchored report for cause (e.g. a
         fraudulent report), whatever the organisation's state.
    @notice Only callable by a GOVERNANCE_ROLE account, when not paused.
    @param report The report root.
    @param reason The non-zero revocation reason code (see the spec).
    """
    pausable._require_not_paused()
    access_control._check_role(GOVERNANCE_ROLE, msg.sender)
    self._revoke(report, self._reports[report], reason, True)


@external
@view
def report_status(report: bytes32) -> IReportRegistry.ReportStatus:
    """
    @dev Everything a customs check needs for a report root, in one call:
         state, organisation and its status, approvals against the current
         threshold, anchored time and block, the report it corrects, its
         successor and the revocation reason.
    @param report The report root.
    @return ReportStatus The report's status (state 0: unknown root).
    """
    packed: uint256 = self._reports[report]
    organisation: bytes32 = empty(bytes32)
    record: uint256 = 0
    if packed != 0:
        organisation = self._organisation_ids[self._report_org(packed)]
        record = self._organisations[organisation]
    supersedes: bytes32 = empty(bytes32)
    if packed & _REPORT_HAS_PREDECESSOR != 0:
        supersedes = self._predecessor[report]
    return IReportRegistry.ReportStatus(
        state=self._report_state(packed),
        organisation=organisation,
        organisation_status=self._org_status(record),
        approvals=convert(self._report_approvals(packed), uint8),
        threshold=self._org_threshold(record),
        approvers=convert(self._report_approvers(packed), uint16),
        signer_set_version=convert((packed >> _REPORT_VERSION_SHIFT) & _MASK32, uint32),
        anchored_at=convert((packed >> _REPORT_TIME_SHIFT) & _MASK64, uint64),
        anchored_block=convert((packed >> _REPORT_BLOCK_SHIFT) & _MASK64, uint64),
        supersedes=supersedes,
        superseded_by=self._successor[report],
        revocation_reason=convert((packed >> _REPORT_REASON_SHIFT) & _MASK16, uint16),
    )


# --------------------------------------------------------------- internals


@internal
def _anchor_new(
    organisation: bytes32,
    report: bytes32,
    supersedes: bytes32,
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    record: uint256 = self._active_organisation(organisation)
    assert report != empty(bytes32), "registry: report root is zero"
    assert self._reports[report] == 0, "registry: report already known"
    index: uint32 = self._org_index(record)
    digest: bytes32 = self._approval_digest(organisation, report, supersedes, record, deadline)
    approvers: uint256 = 0
    approvals: uint256 = 0
    approvers, approvals = self._check_signatures(organisation, digest, deadline, signatures, 0)
    assert approvals >= convert(self._org_threshold(record), uint256), "registry: approvals below threshold"
    packed: uint256 = (
        convert(REPORT_ANCHORED, uint256)
        | (convert(index, uint256) << _REPORT_ORG_SHIFT)
        | (approvers << _REPORT_APPROVERS_SHIFT)
        | (approvals << _REPORT_APPROVALS_SHIFT)
        | (convert(self._org_version(record), uint256) << _REPORT_VERSION_SHIFT)
        | (block.timestamp << _REPORT_TIME_SHIFT)
        | (block.number << _REPORT_BLOCK_SHIFT)
    )
    if supersedes != empty(bytes32):
        self._check_supersedable(supersedes, index)
        self._predecessor[report] = supersedes
        packed |= _REPORT_HAS_PREDECESSOR
        self._supersede(supersedes, report)
    self._reports[report] = packed
    log IReportRegistry.ReportAnchored(report=report, organisation=organisation, approvers=approvers)


@internal
def _store_or_anchor(organisation: bytes32, report: bytes32, packed: uint256, record: uint256):
    """
    @dev Stores a pending report's approvals, anchoring it if they reached
         the threshold. A correction supersedes its predecessor only now.
    """
    if self._report_approvals(packed) < convert(self._org_threshold(record), uint256):
        self._reports[report] = packed
        return
    anchored: uint256 = (
        (packed & ~_MASK8)
        | convert(REPORT_ANCHORED, uint256)
        | (block.timestamp << _REPORT_TIME_SHIFT)
        | (block.number << _REPORT_BLOCK_SHIFT)
    )
    if packed & _REPORT_HAS_PREDECESSOR != 0:
        predecessor: bytes32 = self._predecessor[report]
        # The predecessor may have changed state while this one was pending.
        self._check_supersedable(predecessor, self._report_org(packed))
        self._supersede(predecessor, report)
    self._reports[report] = anchored
    log IReportRegistry.ReportAnchored(
        report=report, organisation=organisation, approvers=self._report_approvers(packed)
    )


@internal
def _supersede(old: bytes32, new: bytes32):
    self._reports[old] = (self._reports[old] & ~_MASK8) | convert(REPORT_SUPERSEDED, uint256)
    self._successor[old] = new
    log IReportRegistry.ReportSuperseded(report=old, successor=new)


@internal
def _revoke(report: bytes32, packed: uint256, reason: uint16, for_cause: bool):
    state: uint8 = self._report_state(packed)
    assert state == REPORT_PENDING or state == REPORT_ANCHORED, "registry: report is not pending or anchored"
    assert reason != 0, "registry: revocation reason is zero"
    self._reports[report] = (
        (packed & ~_MASK8)
        | convert(REPORT_REVOKED, uint256)
        | (convert(reason, uint256) << _REPORT_REASON_SHIFT)
    )
    log IReportRegistry.ReportRevoked(report=report, reason=reason, for_cause=for_cause)


@internal
@view
def _check_supersedable(old: bytes32, organisation_index: uint32):
    packed: uint256 = self._reports[old]
    assert self._report_state(packed) == REPORT_ANCHORED, "registry: superseded report is not anchored"
    assert self._report_org(packed) == organisation_index, "registry: superseded report belongs to another organisation"


@internal
@view
def _pending_report(report: bytes32) -> uint256:
    packed: uint256 = self._reports[report]
    assert self._report_state(packed) == REPORT_PENDING, "registry: report is not pending"
    return packed


@internal
@pure
def _restart_if_stale(packed: uint256, record: uint256) -> uint256:
    """
    @dev Approvals collected under an older signer set do not count: the
         slots in the bitmap may now belong to other people.
    """
    version: uint256 = convert(self._org_version(record), uint256)
    if (packed >> _REPORT_VERSION_SHIFT) & _MASK32 == version:
        return packed
    cleared: uint256 = packed & ~(
        (_MASK16 << _REPORT_APPROVERS_SHIFT) | (_MASK8 << _REPORT_APPROVALS_SHIFT) | (_MASK32 << _REPORT_VERSION_SHIFT)
    )
    return cleared | (version << _REPORT_VERSION_SHIFT)


@internal
@view
def _active_organisation(organisation: bytes32) -> uint256:
    record: uint256 = self._organisations[organisation]
    status: uint8 = self._org_status(record)
    assert status != ORGANISATION_NONE, "registry: unknown organisation"
    assert status == ORGANISATION_ACTIVE, "registry: organisation is suspended"
    return record


@internal
@view
def _approval_digest(
    organisation: bytes32, report: bytes32, supersedes: bytes32, record: uint256, deadline: uint64
) -> bytes32:
    return eip712._hash_typed_data_v4(
        keccak256(
            abi_encode(APPROVAL_TYPEHASH, organisation, report, supersedes, self._org_version(record), deadline)
        )
    )


@internal
@view
def _require_threshold(
    organisation: bytes32,
    record: uint256,
    struct_hash: bytes32,
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    approvers: uint256 = 0
    approvals: uint256 = 0
    approvers, approvals = self._check_signatures(
        organisation, eip712._hash_typed_data_v4(struct_hash), deadline, signatures, 0
    )
    assert approvals >= convert(self._org_threshold(record), uint256), "registry: approvals below threshold"


@internal
@view
def _check_signatures(
    organisation: bytes32,
    digest: bytes32,
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
    approvers: uint256,
) -> (uint256, uint256):
    """
    @dev Checks a signature blob against `digest` and returns the approver
         bitmap (with `approvers` already set) and the number of new
         approvals. Signers must be strictly ascending by address, which
         rules out duplicates; each must be a current signer that has not
         approved yet. EOA entries are EIP-2098 compact signatures whose
         high-s forms snekmate's ecdsa refuses; wallet entries are checked
         with EIP-1271.
    """
    assert block.timestamp <= convert(deadline, uint256), "registry: signatures expired"
    bitmap: uint256 = approvers
    added: uint256 = 0
    offset: uint256 = 0
    last: uint256 = 0
    total: uint256 = len(signatures)
    for _: uint256 in range(MAX_SIGNERS):
        if offset == total:
            break
        assert offset + _EOA_ENTRY <= total, "registry: malformed signatures"
        first: uint256 = extract32(signatures, offset, output_type=uint256)
        signer: address = empty(address)
        if first >> 160 == 0:
            # A wallet entry: r can never be this small for a real ECDSA signature.
            assert offset + _WALLET_ENTRY <= total, "registry: malformed signatures"
            signer = convert(convert(first, uint160), address)
            assert signature_checker._is_valid_ERC1271_signature_now(
                signer, digest, slice(signatures, offset + 32, _WALLET_SIGNATURE)
            ), "registry: invalid wallet signature"
            offset += _WALLET_ENTRY
        else:
            signer = ecdsa._try_recover_r_vs(digest, first, extract32(signatures, offset + 32, output_type=uint256))
            offset += _EOA_ENTRY
        key: uint256 = convert(convert(signer, uint160), uint256)
        assert key > last, "registry: signers not strictly ascending"
        last = key
        slot: uint256 = self._signer_slot[organisation][signer]
        assert slot != 0, "registry: signature from a non-signer"
        bit: uint256 = 1 << (slot - 1)
        assert bitmap & bit == 0, "registry: signer already approved"
        bitmap |= bit
        added += 1
    assert offset == total, "registry: malformed signatures"
    return bitmap, added


@internal
def _set_members(
    organisation: bytes32,
    signers: DynArray[address, MAX_SIGNERS],
    threshold: uint8,
    submitters: DynArray[address, MAX_SUBMITTERS],
):
    assert threshold != 0, "registry: threshold is zero"
    assert convert(threshold, uint256) <= len(signers), "registry: threshold above the number of signers"
    slot: uint256 = 0
    for signer: address in signers:
        assert signer != empty(address), "registry: signer is the zero address"
        assert self._signer_slot[organisation][signer] == 0, "registry: duplicate signer"
        slot += 1
        self._signer_slot[organisation][signer] = slot
    self._signers[organisation] = signers
    for submitter: address in submitters:
        assert submitter != empty(address), "registry: submitter is the zero address"
        assert not self._is_submitter[organisation][submitter], "registry: duplicate submitter"
        self._is_submitter[organisation][submitter] = True
    self._submitters[organisation] = submitters


@internal
def _clear_members(organisation: bytes32):
    for signer: address in self._signers[organisation]:
        self._signer_slot[organisation][signer] = 0
    for submitter: address in self._submitters[organisation]:
        self._is_submitter[organisation][submitter] = False


@internal
@pure
def _hash_addresses(accounts: DynArray[address, MAX_SIGNERS]) -> bytes32:
    """
    @dev EIP-712 `address[]`: keccak256 of the concatenated 32-byte words.
    """
    encoded: Bytes[576] = abi_encode(accounts)
    # Drop the ABI head (offset and length words), keep the elements.
    return keccak256(slice(encoded, 64, len(encoded) - 64))


# Packing helpers: organisation record.


@internal
@pure
def _pack_organisation(threshold: uint8, signers: uint256, status: uint8, version: uint32, index: uint32) -> uint256:
    return (
        (convert(threshold, uint256) << _ORG_THRESHOLD_SHIFT)
        | (signers << _ORG_SIGNERS_SHIFT)
        | (convert(status, uint256) << _ORG_STATUS_SHIFT)
        | (convert(version, uint256) << _ORG_VERSION_SHIFT)
        | (convert(index, uint256) << _ORG_INDEX_SHIFT)
    )


@internal
@pure
def _with_org_status(record: uint256, status: uint8) -> uint256:
    return (record & ~(_MASK8 << _ORG_STATUS_SHIFT)) | (convert(status, uint256) << _ORG_STATUS_SHIFT)


@internal
@pure
def _org_threshold(record: uint256) -> uint8:
    return convert((record >> _ORG_THRESHOLD_SHIFT) & _MASK8, uint8)


@internal
@pure
def _org_status(record: uint256) -> uint8:
    return convert((record >> _ORG_STATUS_SHIFT) & _MASK8, uint8)


@internal
@pure
def _org_version(record: uint256) -> uint32:
    return convert((record >> _ORG_VERSION_SHIFT) & _MASK32, uint32)


@internal
@pure
def _org_index(record: uint256) -> uint32:
    return convert((record >> _ORG_INDEX_SHIFT) & _MASK32, uint32)


# Packing helpers: report record.


@internal
@pure
def _report_state(packed: uint256) -> uint8:
    return convert(packed & _MASK8, uint8)


@internal
@pure
def _report_org(packed: uint256) -> uint32:
    return convert((packed >> _REPORT_ORG_SHIFT) & _MASK32, uint32)


@internal
@pure
def _report_approvers(packed: uint256) -> uint256:
    return (packed >> _REPORT_APPROVERS_SHIFT) & _MASK16


@internal
@pure
def _report_approvals(packed: uint256) -> uint256:
    return (packed >> _REPORT_APPROVALS_SHIFT) & _MASK8


@internal
@pure
def _with_approvals(packed: uint256, approvers: uint256, approvals: uint256) -> uint256:
    cleared: uint256 = packed & ~((_MASK16 << _REPORT_APPROVERS_SHIFT) | (_MASK8 << _REPORT_APPROVALS_SHIFT))
    return cleared | (approvers << _REPORT_APPROVERS_SHIFT) | (approvals << _REPORT_APPROVALS_SHIFT)


# ----------------------------------------------------------- attestations
# Verifier accreditation and attestations live in `AttestationRegistry.vy`
# (both would not fit under the EIP-170 code-size limit in one contract);
# see `docs/attestations-spec.md`. This is the one read it needs from here.


@external
@view
def report_state(report: bytes32) -> uint8:
    """
    @dev Returns only a report's lifecycle state: the attestation registry
         reads it on every attestation, and `report_status` would cost it
         three more cold storage reads.
    @param report The report root.
    @return uint8 0 unknown, 1 pending, 2 anchored, 3 superseded, 4 revoked.
    """
    return self._report_state(self._reports[report])
