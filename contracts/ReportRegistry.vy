# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title BCI Report Registry
@custom:contract-name ReportRegistry
@license Apache-2.0
@notice Anchors battery material-traceability reports (their salted
        field-commitment roots) once an exporter organisation's M-of-N
        signers have approved them. A report is identified by its
        organisation and its root together: nothing another organisation
        does can block, claim, supersede or revoke it. The technical
        specification is in `docs/registry-spec.md`: state machine, roles
        and operating model, EIP-712 types, signature encoding, storage
        packing, events and gas.
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
from snekmate.utils import merkle_proof_verification as merkle

# `grantRole`, `revokeRole` and `renounceRole` are this contract's own (they
# refuse `DEFAULT_ADMIN_ROLE`, which moves only by the two-step transfer);
# `set_role_admin` is not exported: every role is administered by
# `DEFAULT_ADMIN_ROLE`.
exports: (
    access_control.supportsInterface,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.DEFAULT_ADMIN_ROLE,
    pausable.paused,
    eip712.eip712Domain,
)


# Roles. Governance onboards and suspends organisations and revokes reports
# for cause; the pauser is an emergency key that can stop, but not restart.
# `DEFAULT_ADMIN_ROLE` (in production a timelock) grants and revokes them.
GOVERNANCE_ROLE: public(constant(bytes32)) = keccak256("GOVERNANCE_ROLE")
PAUSER_ROLE: public(constant(bytes32)) = keccak256("PAUSER_ROLE")

# EIP-712 types. The same strings are defined once on the Python side
# (`bci_registry.eip712`) and a test checks both give the same type hashes.
# Every message names its signer first: one signature fills one seat only.
APPROVAL_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Approval(address signer,bytes32 organisation,bytes32 report,bytes32 supersedes,uint32 signerSetVersion,uint64 deadline)"
)
REVOCATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Revocation(address signer,bytes32 organisation,bytes32 report,uint16 reason,uint32 signerSetVersion,uint64 deadline)"
)
ORGANISATION_UPDATE_TYPEHASH: public(constant(bytes32)) = keccak256(
    "OrganisationUpdate(address signer,bytes32 organisation,address[] signers,uint8 threshold,address[] submitters,uint32 signerSetVersion,uint64 deadline)"
)
# A batch: the root of an OpenZeppelin standard Merkle tree over the
# organisation's report roots (see `member_status`), and how many.
BATCH_APPROVAL_TYPEHASH: public(constant(bytes32)) = keccak256(
    "BatchApproval(address signer,bytes32 organisation,bytes32 batch,uint32 size,uint32 signerSetVersion,uint64 deadline)"
)
# Longest inclusion proof of a batch member (a batch of up to 2**32 reports).
MAX_BATCH_PROOF: public(constant(uint256)) = 32

MAX_SIGNERS: public(constant(uint256)) = 16
MAX_SUBMITTERS: public(constant(uint256)) = 16
# Signature blob entries (see the spec), by signer slot, strictly ascending:
# a tag byte (the 1-based slot; plus 0x80 for an EIP-1271 wallet), then an
# EIP-2098 compact signature (EOA, 64 bytes) or the wallet's 65-byte
# signature.
_EOA_ENTRY: constant(uint256) = 65
_WALLET_ENTRY: constant(uint256) = 66
_WALLET_SIGNATURE: constant(uint256) = 65
_WALLET_TAG: constant(uint256) = 128
_SLOT_MASK: constant(uint256) = 127
MAX_SIGNATURE_BYTES: public(constant(uint256)) = 16 * 66

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
# when a report is anchored in one transaction). The organisation is part
# of the key, so the record does not hold it.
_REPORT_STATE_SHIFT: constant(uint256) = 0  # uint8
_REPORT_APPROVERS_SHIFT: constant(uint256) = 8  # uint16: bitmap of signer slots
_REPORT_APPROVALS_SHIFT: constant(uint256) = 24  # uint8: number of approvals
_REPORT_VERSION_SHIFT: constant(uint256) = 32  # uint32: signer-set version of the approvals
_REPORT_TIME_SHIFT: constant(uint256) = 64  # uint64: anchored-at timestamp
_REPORT_BLOCK_SHIFT: constant(uint256) = 128  # uint64: anchored-at block number
_REPORT_REASON_SHIFT: constant(uint256) = 192  # uint16: revocation reason
_REPORT_HAS_PREDECESSOR: constant(uint256) = 1 << 208  # flag: a correction
_REPORT_IS_BATCH: constant(uint256) = 1 << 209  # flag: the record of a batch root
_REPORT_IS_MEMBER: constant(uint256) = 1 << 210  # flag: a batch member's own record
_REPORT_SIZE_SHIFT: constant(uint256) = 224  # uint32: number of reports in a batch

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
# @dev Organisation id => 1-based slot => signer (one slot read per signature).
_signer_at: HashMap[bytes32, HashMap[uint256, address]]
# @dev Organisation id => its current submitters.
_submitters: HashMap[bytes32, DynArray[address, MAX_SUBMITTERS]]
# @dev Organisation id => account => may submit pending reports.
_is_submitter: HashMap[bytes32, HashMap[address, bool]]

# @dev Organisation id => report root => packed report record.
_reports: HashMap[bytes32, HashMap[bytes32, uint256]]
# @dev Organisation id => report root => the report of the same
#      organisation it corrects (only for corrections).
_predecessor: HashMap[bytes32, HashMap[bytes32, bytes32]]
# @dev Organisation id => report root => the report that superseded it.
_successor: HashMap[bytes32, HashMap[bytes32, bytes32]]

# @dev The account holding `DEFAULT_ADMIN_ROLE` (exactly one at a time).
_admin: address
# @dev The account that may accept the admin role (zero: no transfer).
_pending_admin: address


@deploy
def __init__(admin: address, governance: address, pauser: address):
    """
    @dev Sets up roles and the EIP-712 domain ("BCI Report Registry", "1").
         The deployer keeps no role unless it is named here.
    @param admin The holder of `DEFAULT_ADMIN_ROLE`, which grants and
           revokes every other role (in production a timelock controller,
           e.g. `GovernanceTimelock`, so that role changes are delayed).
    @param governance The holder of `GOVERNANCE_ROLE` (in production a
           multisig such as a Safe).
    @param pauser The emergency account that may pause the registry, or
           the zero address for none.
    """
    assert admin != empty(address), "registry: admin is the zero address"
    assert governance != empty(address), "registry: governance is the zero address"
    access_control.__init__()
    pausable.__init__()
    eip712.__init__("BCI Report Registry", "1")
    # `access_control.__init__` made the deployer admin: hand over.
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin)
    if admin != msg.sender:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._admin = admin
    log IReportRegistry.AdminTransferred(previous_admin=empty(address), admin=admin)
    access_control._grant_role(GOVERNANCE_ROLE, governance)
    if pauser != empty(address):
        access_control._grant_role(PAUSER_ROLE, pauser)


# ------------------------------------------------------------------ roles


@external
def grantRole(role: bytes32, account: address):
    """
    @dev Grants `role` to `account` (emits `RoleGranted` if it is new).
         `DEFAULT_ADMIN_ROLE` cannot be granted: it moves only by
         `begin_admin_transfer` / `accept_admin_transfer`.
    @notice Only callable by the `DEFAULT_ADMIN_ROLE` account (the role
            admin of every other role).
    @param role The 32-byte role, e.g. `GOVERNANCE_ROLE` or `PAUSER_ROLE`.
    @param account The account that receives it.
    """
    assert role != access_control.DEFAULT_ADMIN_ROLE, "registry: the admin role moves only by admin transfer"
    access_control._check_role(access_control.getRoleAdmin[role], msg.sender)
    access_control._grant_role(role, account)


@external
def revokeRole(role: bytes32, account: address):
    """
    @dev Revokes `role` from `account` (emits `RoleRevoked` if it held it).
         `DEFAULT_ADMIN_ROLE` cannot be revoked: it moves only by the
         two-step admin transfer. Works while paused, so that a
         compromised key can be removed during an emergency.
    @notice Only callable by the `DEFAULT_ADMIN_ROLE` account.
    @param role The 32-byte role.
    @param account The account that loses it.
    """
    assert role != access_control.DEFAULT_ADMIN_ROLE, "registry: the admin role moves only by admin transfer"
    access_control._check_role(access_control.getRoleAdmin[role], msg.sender)
    access_control._revoke_role(role, account)


@external
def renounceRole(role: bytes32, account: address):
    """
    @dev The caller gives up one of its roles (emits `RoleRevoked`).
         `DEFAULT_ADMIN_ROLE` cannot be renounced: that would leave the
         registry without an admin; hand it over with
         `begin_admin_transfer` instead.
    @notice Only for the caller's own roles.
    @param role The 32-byte role.
    @param account The caller's own address (a guard against mistakes).
    """
    assert role != access_control.DEFAULT_ADMIN_ROLE, "registry: the admin role cannot be renounced"
    assert account == msg.sender, "access_control: can only renounce roles for itself"
    access_control._revoke_role(role, account)


@external
def begin_admin_transfer(new_admin: address):
    """
    @dev Step one of the admin handover: names the account that may accept
         `DEFAULT_ADMIN_ROLE`. The current admin keeps the role until then;
         naming another account (or the zero address) replaces (or
         cancels) a pending transfer.
    @notice Only callable by the current admin.
    @param new_admin The account that may call `accept_admin_transfer`, or
           the zero address to cancel a pending transfer.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._pending_admin = new_admin
    log IReportRegistry.AdminTransferStarted(admin=msg.sender, pending_admin=new_admin)


@external
def accept_admin_transfer():
    """
    @dev Step two of the admin handover: the pending admin takes
         `DEFAULT_ADMIN_ROLE` and the previous admin loses it.
    @notice Only callable by the pending admin.
    """
    pending: address = self._pending_admin
    assert pending != empty(address) and msg.sender == pending, "registry: caller is not the pending admin"
    previous: address = self._admin
    access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, previous)
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, pending)
    self._admin = pending
    self._pending_admin = empty(address)
    log IReportRegistry.AdminTransferred(previous_admin=previous, admin=pending)


@external
@view
def admin() -> address:
    """
    @dev Returns the account holding `DEFAULT_ADMIN_ROLE`.
    @return address The admin.
    """
    return self._admin


@external
@view
def pending_admin() -> address:
    """
    @dev Returns the account that may accept the admin role (zero: none).
    @return address The pending admin.
    """
    return self._pending_admin


# ---------------------------------------------------------------- pausing


@external
def pause():
    """
    @dev Stops every action that adds trust: registering, reinstating and
         updating organisations, submitting, approving and anchoring
         reports. Every action that only reduces trust keeps working
         (`revoke`, `revoke_for_cause`, `suspend_organisation`, role
         revocation), and reads keep working; `report_status` shows the
         pause.
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
         EIP-1271 wallets), its M-of-N threshold and its submitters. Its
         signer-set version starts at 1.
    @notice Only callable by a GOVERNANCE_ROLE account, when not paused.
    @param organisation The organisation's non-zero 32-byte id.
    @param signers The signers, unique and non-zero, at most 16; their
           order fixes their 1-based slots.
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
         `OrganisationUpdate`, one message per signer), relayed by anyone.
         The signer-set version goes up by one, so every approval signed
         for the old set is stale.
    @notice Only when not paused and the organisation is active.
    @param organisation The organisation's id.
    @param signers The new signers.
    @param threshold The new threshold.
    @param submitters The new submitters.
    @param deadline The last timestamp at which the signatures are valid.
    @param signatures The current signers' signatures, by slot (see the spec).
    """
    pausable._require_not_paused()
    record: uint256 = self._active_organisation(organisation)
    version: uint32 = self._org_version(record)
    fields: bytes32[6] = [
        organisation,
        self._hash_addresses(signers),
        convert(threshold, bytes32),
        self._hash_addresses(submitters),
        convert(version, bytes32),
        convert(deadline, bytes32),
    ]
    self._require_threshold(organisation, record, ORGANISATION_UPDATE_TYPEHASH, fields, deadline, signatures)
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
    @dev Suspends an organisation: it can neither submit, approve, anchor,
         revoke by signatures nor change itself until reinstated. Its
         anchored reports stay anchored; customs sees the suspension in
         `report_status`. Works while paused (it only reduces trust).
    @notice Only callable by a GOVERNANCE_ROLE account.
    @param organisation The organisation's id.
    """
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
    @dev Returns an organisation's status, signers (in slot order: slot 1
         first), threshold, submitters, signer-set version and index
         (status 0 means unknown).
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
    @dev The ERP fast path: submits the organisation's report and anchors
         it in one transaction with at least the threshold of signer
         approvals (EIP-712 `Approval`, supersedes = 0), relayed by anyone.
    @notice Only when not paused and the organisation is active.
    @param organisation The organisation's id.
    @param report The report root (the salted field-commitment root).
    @param deadline The last timestamp at which the approvals are valid.
    @param signatures The approvals, by signer slot (see the spec).
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
    @param supersedes The root of the organisation's anchored report it
           corrects (non-zero).
    @param deadline The last timestamp at which the approvals are valid.
    @param signatures The approvals, by signer slot (see the spec).
    """
    pausable._require_not_paused()
    assert supersedes != empty(bytes32), "registry: superseded report is zero"
    self._anchor_new(organisation, report, supersedes, deadline, signatures)


@external
def submit(organisation: bytes32, report: bytes32, supersedes: bytes32):
    """
    @dev Submits the organisation's report as pending, to be approved by
         the signers one by one (`approve`) or with relayed signatures
         (`approve_with_signatures`).
    @notice Only callable by one of the organisation's submitters, when not
            paused and the organisation is active.
    @param organisation The organisation's id.
    @param report The report root.
    @param supersedes The root of the organisation's anchored report it
           corrects, or zero.
    """
    packed: uint256 = self._new_pending(organisation, report, 0)
    if supersedes != empty(bytes32):
        self._check_supersedable(organisation, supersedes)
        self._predecessor[organisation][report] = supersedes
        packed |= _REPORT_HAS_PREDECESSOR
    self._reports[organisation][report] = packed
    log IReportRegistry.ReportSubmitted(
        organisation=organisation, report=report, supersedes=supersedes, submitter=msg.sender
    )


@external
def approve(organisation: bytes32, report: bytes32, supersedes: bytes32):
    """
    @dev A signer approves a pending report with its own transaction; the
         approval that reaches the threshold anchors the report. The
         signer names the report it corrects, so an on-chain approval
         commits to the predecessor exactly as a signed `Approval` does.
    @notice Only callable by one of the organisation's signers, when not
            paused and the organisation is active.
    @param organisation The organisation's id.
    @param report The report root.
    @param supersedes The report it corrects as submitted (zero for none);
           must equal the stored predecessor.
    """
    pausable._require_not_paused()
    record: uint256 = self._active_organisation(organisation)
    packed: uint256 = self._pending_report(organisation, report)
    assert supersedes == self._predecessor_of(organisation, report, packed), "registry: approval names another predecessor"
    packed = self._restart_if_stale(packed, record)
    slot: uint256 = self._signer_slot[organisation][msg.sender]
    assert slot != 0, "registry: caller is not a signer"
    bit: uint256 = 1 << (slot - 1)
    approvers: uint256 = self._report_approvers(packed)
    assert approvers & bit == 0, "registry: signer already approved"
    approvals: uint256 = self._report_approvals(packed) + 1
    packed = self._with_approvals(packed, approvers | bit, approvals)
    log IReportRegistry.ReportApproved(
        organisation=organisation, report=report, signer=msg.sender, approvals=convert(approvals, uint8)
    )
    self._store_or_anchor(organisation, report, packed, record)


@external
def approve_with_signatures(
    organisation: bytes32, report: bytes32, deadline: uint64, signatures: Bytes[MAX_SIGNATURE_BYTES]
):
    """
    @dev Adds relayed EIP-712 approvals to a pending report; anchors it when
         the approvals reach the threshold. Entries of signers already
         counted are skipped (a front-run subset does not make the batch
         fail), but a blob that adds no approval is refused.
    @notice Only when not paused and the organisation is active.
    @param organisation The organisation's id.
    @param report The report root.
    @param deadline The last timestamp at which the approvals are valid.
    @param signatures The approvals, by signer slot (see the spec).
    """
    pausable._require_not_paused()
    record: uint256 = self._active_organisation(organisation)
    packed: uint256 = self._pending_report(organisation, report)
    packed = self._restart_if_stale(packed, record)
    typehash: bytes32 = APPROVAL_TYPEHASH
    third: bytes32 = self._predecessor_of(organisation, report, packed)
    if packed & _REPORT_IS_BATCH != 0:
        typehash = BATCH_APPROVAL_TYPEHASH
        third = convert((packed >> _REPORT_SIZE_SHIFT) & _MASK32, bytes32)
    fields: bytes32[6] = self._approval_fields(organisation, report, third, record, deadline)
    approvers: uint256 = self._report_approvers(packed)
    added: uint256 = 0
    approvers, added = self._check_signatures(
        organisation, record, typehash, fields, deadline, signatures, approvers
    )
    approvals: uint256 = self._report_approvals(packed) + added
    packed = self._with_approvals(packed, approvers, approvals)
    log IReportRegistry.ReportApprovedBySignatures(
        organisation=organisation, report=report, approvers=approvers, approvals=convert(approvals, uint8)
    )
    self._store_or_anchor(organisation, report, packed, record)


@external
def revoke(
    organisation: bytes32,
    report: bytes32,
    reason: uint16,
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    """
    @dev Revokes a pending or anchored report with the threshold approval
         of its organisation's signers (EIP-712 `Revocation`), relayed by
         anyone. A revoked report can never be anchored again. Works while
         paused (it only reduces trust).
    @notice Only when the organisation is active.
    @param organisation The organisation's id.
    @param report The report root.
    @param reason The non-zero revocation reason code (see the spec).
    @param deadline The last timestamp at which the signatures are valid.
    @param signatures The signers' signatures, by slot (see the spec).
    """
    record: uint256 = self._active_organisation(organisation)
    packed: uint256 = self._reports[organisation][report]
    state: uint8 = self._report_state(packed)
    assert state != REPORT_NONE, "registry: unknown report"
    assert state == REPORT_PENDING or state == REPORT_ANCHORED, "registry: report is not pending or anchored"
    fields: bytes32[6] = [
        organisation,
        report,
        convert(reason, bytes32),
        convert(self._org_version(record), bytes32),
        convert(deadline, bytes32),
        empty(bytes32),
    ]
    self._require_threshold(organisation, record, REVOCATION_TYPEHASH, fields, deadline, signatures)
    self._revoke(organisation, report, packed, reason, False)


@external
def revoke_for_cause(organisation: bytes32, report: bytes32, reason: uint16):
    """
    @dev Governance revokes a pending, anchored or superseded report for
         cause (e.g. a fraudulent report), whatever the organisation's
         state. Works while paused (it only reduces trust).
    @notice Only callable by a GOVERNANCE_ROLE account.
    @param organisation The organisation's id.
    @param report The report root.
    @param reason The non-zero revocation reason code (see the spec).
    """
    access_control._check_role(GOVERNANCE_ROLE, msg.sender)
    packed: uint256 = self._reports[organisation][report]
    state: uint8 = self._report_state(packed)
    assert (
        state == REPORT_PENDING or state == REPORT_ANCHORED or state == REPORT_SUPERSEDED
    ), "registry: report is not pending, anchored or superseded"
    self._revoke(organisation, report, packed, reason, True)


@external
@view
def report_status(organisation: bytes32, report: bytes32) -> IReportRegistry.ReportStatus:
    """
    @dev Everything a customs check needs for an organisation's report, in
         one call: state, the organisation and its status, approvals
         against the current threshold, anchored time and block, the
         report it corrects, its successor, the revocation reason and
         whether the registry is paused. The organisation and its status
         are returned even when the report is unknown (state 0).
    @param organisation The organisation's id (customs reads it from the
           report file's proof).
    @param report The report root.
    @return ReportStatus The report's status (state 0: unknown report).
    """
    return self._status(organisation, report, self._reports[organisation][report])


@internal
@view
def _status(organisation: bytes32, report: bytes32, packed: uint256) -> IReportRegistry.ReportStatus:
    record: uint256 = self._organisations[organisation]
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
        supersedes=self._predecessor_of(organisation, report, packed),
        superseded_by=self._successor[organisation][report],
        revocation_reason=convert((packed >> _REPORT_REASON_SHIFT) & _MASK16, uint16),
        paused=pausable.paused,
    )


# ---------------------------------------------------------------- batches
# A batch anchors the Merkle root of many report roots of one organisation
# with one threshold approval: one storage slot for the whole batch. Leaf
# of a member: keccak256(keccak256(abi.encode(organisation, report))), the
# OpenZeppelin standard-tree leaf of ["bytes32", "bytes32"]; pairs hashed
# sorted (snekmate `merkle_proof_verification`). A member costs storage only
# when its own state changes (revoked, superseded): then it gets its own
# record, copied from the batch's, which wins over the batch from then on.


@external
def anchor_batch(
    organisation: bytes32,
    batch: bytes32,
    size: uint32,
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    """
    @dev The ERP fast path for many reports: anchors the root of a batch
         of `size` report roots in one transaction with at least the
         threshold of signer approvals (EIP-712 `BatchApproval`), relayed
         by anyone. Each member then reads anchored, with the batch's time
         and approvals, to anyone presenting its inclusion proof
         (`member_status`).
    @notice Only when not paused and the organisation is active.
    @param organisation The organisation's id.
    @param batch The batch root.
    @param size The number of reports in the batch (non-zero), as signed.
    @param deadline The last timestamp at which the approvals are valid.
    @param signatures The approvals, by signer slot (see the spec).
    """
    pausable._require_not_paused()
    record: uint256 = self._active_organisation(organisation)
    assert batch != empty(bytes32), "registry: report root is zero"
    assert size != 0, "registry: batch size is zero"
    assert self._reports[organisation][batch] == 0, "registry: report already known"
    approvers: uint256 = 0
    approvals: uint256 = 0
    approvers, approvals = self._check_signatures(
        organisation,
        record,
        BATCH_APPROVAL_TYPEHASH,
        self._approval_fields(organisation, batch, convert(size, bytes32), record, deadline),
        deadline,
        signatures,
        0,
    )
    assert approvals >= convert(self._org_threshold(record), uint256), "registry: approvals below threshold"
    self._reports[organisation][batch] = (
        convert(REPORT_ANCHORED, uint256)
        | (approvers << _REPORT_APPROVERS_SHIFT)
        | (approvals << _REPORT_APPROVALS_SHIFT)
        | (((record >> _ORG_VERSION_SHIFT) & _MASK32) << _REPORT_VERSION_SHIFT)
        | (block.timestamp << _REPORT_TIME_SHIFT)
        | (block.number << _REPORT_BLOCK_SHIFT)
        | _REPORT_IS_BATCH
        | (convert(size, uint256) << _REPORT_SIZE_SHIFT)
    )
    log IReportRegistry.BatchAnchored(organisation=organisation, batch=batch, size=size, approvers=approvers)


@external
def submit_batch(organisation: bytes32, batch: bytes32, size: uint32):
    """
    @dev Submits a batch root as pending, to be approved by the signers one
         by one (`approve(organisation, batch, 0)`) or with relayed
         `BatchApproval` signatures (`approve_with_signatures`); the
         approval that reaches the threshold anchors it (`BatchAnchored`).
    @notice Only callable by one of the organisation's submitters, when not
            paused and the organisation is active.
    @param organisation The organisation's id.
    @param batch The batch root.
    @param size The number of reports in the batch (non-zero).
    """
    assert size != 0, "registry: batch size is zero"
    self._reports[organisation][batch] = self._new_pending(
        organisation, batch, _REPORT_IS_BATCH | (convert(size, uint256) << _REPORT_SIZE_SHIFT)
    )
    log IReportRegistry.BatchSubmitted(organisation=organisation, batch=batch, size=size, submitter=msg.sender)


@external
def revoke_member(
    organisation: bytes32,
    report: bytes32,
    reason: uint16,
    batch: bytes32,
    proof: DynArray[bytes32, MAX_BATCH_PROOF],
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    """
    @dev `revoke` for a member of an anchored batch that has no record of
         its own: the same `Revocation` signatures (report = the member's
         root), plus its inclusion proof. The member gets its own record
         (the batch's, revoked); the other members are untouched. Works
         while paused (it only reduces trust).
    @notice Only when the organisation is active.
    @param organisation The organisation's id.
    @param report The member's report root.
    @param reason The non-zero revocation reason code.
    @param batch The batch root.
    @param proof The member's inclusion proof in the batch.
    @param deadline The last timestamp at which the signatures are valid.
    @param signatures The signers' signatures, by slot (see the spec).
    """
    record: uint256 = self._active_organisation(organisation)
    packed: uint256 = self._member_record(organisation, report, batch, proof)
    fields: bytes32[6] = [
        organisation,
        report,
        convert(reason, bytes32),
        convert(self._org_version(record), bytes32),
        convert(deadline, bytes32),
        empty(bytes32),
    ]
    self._require_threshold(organisation, record, REVOCATION_TYPEHASH, fields, deadline, signatures)
    self._revoke(organisation, report, packed, reason, False)


@external
def revoke_member_for_cause(
    organisation: bytes32,
    report: bytes32,
    reason: uint16,
    batch: bytes32,
    proof: DynArray[bytes32, MAX_BATCH_PROOF],
):
    """
    @dev `revoke_for_cause` for a member of an anchored batch that has no
         record of its own, whatever the organisation's state. Works while
         paused.
    @notice Only callable by a GOVERNANCE_ROLE account.
    @param organisation The organisation's id.
    @param report The member's report root.
    @param reason The non-zero revocation reason code.
    @param batch The batch root.
    @param proof The member's inclusion proof in the batch.
    """
    access_control._check_role(GOVERNANCE_ROLE, msg.sender)
    self._revoke(organisation, report, self._member_record(organisation, report, batch, proof), reason, True)


@external
def anchor_member_correction(
    organisation: bytes32,
    report: bytes32,
    supersedes: bytes32,
    batch: bytes32,
    proof: DynArray[bytes32, MAX_BATCH_PROOF],
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    """
    @dev `anchor_correction` for a corrected report that supersedes a
         member of an anchored batch that has no record of its own: the
         same `Approval` signatures (supersedes = the member's root), plus
         the member's inclusion proof. The member gets its own record (the
         batch's, superseded, pointing to its successor).
    @notice Only when not paused and the organisation is active.
    @param organisation The organisation's id.
    @param report The corrected report's root.
    @param supersedes The member's report root.
    @param batch The batch root.
    @param proof The member's inclusion proof in the batch.
    @param deadline The last timestamp at which the approvals are valid.
    @param signatures The approvals, by signer slot (see the spec).
    """
    pausable._require_not_paused()
    self._reports[organisation][supersedes] = self._member_record(organisation, supersedes, batch, proof)
    self._anchor_new(organisation, report, supersedes, deadline, signatures)


@external
@view
def member_status(
    organisation: bytes32, report: bytes32, batch: bytes32, proof: DynArray[bytes32, MAX_BATCH_PROOF]
) -> IReportRegistry.ReportStatus:
    """
    @dev `report_status` for a report that may be a batch member: a report
         with a record of its own (anchored alone, or a member revoked or
         superseded one by one) reads that record, whatever the proof;
         otherwise, if `proof` proves it a member of the organisation's
         batch `batch`, it reads the batch's state, approvals, time and
         block; otherwise it is unknown (state 0). With `batch` zero it is
         `report_status`. A report anchored alone and one anchored in a
         batch read the same.
    @param organisation The organisation's id.
    @param report The report root.
    @param batch The batch root, or zero.
    @param proof The report's inclusion proof in the batch.
    @return ReportStatus The report's status.
    """
    return self._status(organisation, report, self._effective_record(organisation, report, batch, proof))


@external
@view
def is_member(
    organisation: bytes32, report: bytes32, batch: bytes32, proof: DynArray[bytes32, MAX_BATCH_PROOF]
) -> bool:
    """
    @dev Whether `proof` proves `report` a member of the organisation's
         batch `batch` (in any state).
    @param organisation The organisation's id.
    @param report The report root.
    @param batch The batch root.
    @param proof The report's inclusion proof in the batch.
    @return bool True if it is a member.
    """
    return self._batch_record(organisation, report, batch, proof) != 0


@external
@view
def batch_size(organisation: bytes32, batch: bytes32) -> uint32:
    """
    @dev The number of reports in a batch as its signers approved it
         (0: `batch` is not a batch of the organisation).
    @param organisation The organisation's id.
    @param batch The batch root.
    @return uint32 The batch size.
    """
    packed: uint256 = self._reports[organisation][batch]
    if packed & _REPORT_IS_BATCH == 0:
        return 0
    return convert((packed >> _REPORT_SIZE_SHIFT) & _MASK32, uint32)


@external
@view
def in_force(
    organisation: bytes32, report: bytes32, batch: bytes32, proof: DynArray[bytes32, MAX_BATCH_PROOF]
) -> bool:
    """
    @dev The one flag an integrating contract needs (e.g. `DisclosureCheck`,
         an escrow): the report (alone, or as a member of `batch` with its
         `proof`) is anchored — not pending, superseded or revoked — its
         organisation is active and the registry is not paused. A batch
         root itself is not a report and is never in force.
    @param organisation The organisation's id.
    @param report The report root.
    @param batch The batch root, or zero for a report anchored alone.
    @param proof The report's inclusion proof in the batch.
    @return bool True if the report is in force.
    """
    packed: uint256 = self._reports[organisation][report]
    if packed == 0:
        packed = self._batch_record(organisation, report, batch, proof) & ~_REPORT_IS_BATCH
    if packed & (_MASK8 | _REPORT_IS_BATCH) != convert(REPORT_ANCHORED, uint256):
        return False
    if (self._organisations[organisation] >> _ORG_STATUS_SHIFT) & _MASK8 != convert(ORGANISATION_ACTIVE, uint256):
        return False
    return not pausable.paused


@external
@pure
def member_leaf(organisation: bytes32, report: bytes32) -> bytes32:
    """
    @dev The leaf of a batch member:
         keccak256(keccak256(abi.encode(organisation, report))).
    @param organisation The organisation's id.
    @param report The report root.
    @return bytes32 The leaf hash.
    """
    return self._member_leaf(organisation, report)


@internal
@pure
def _member_leaf(organisation: bytes32, report: bytes32) -> bytes32:
    return keccak256(keccak256(concat(organisation, report)))


@internal
@view
def _batch_record(
    organisation: bytes32, report: bytes32, batch: bytes32, proof: DynArray[bytes32, MAX_BATCH_PROOF]
) -> uint256:
    """
    @dev The organisation's record of batch `batch` if `proof` proves
         `report` one of its members, else 0.
    """
    if batch == empty(bytes32):
        return 0
    packed: uint256 = self._reports[organisation][batch]
    if packed & _REPORT_IS_BATCH == 0:
        return 0
    if not merkle._verify(proof, batch, self._member_leaf(organisation, report)):
        return 0
    return packed


@internal
@view
def _effective_record(
    organisation: bytes32, report: bytes32, batch: bytes32, proof: DynArray[bytes32, MAX_BATCH_PROOF]
) -> uint256:
    """
    @dev The report's own record if it has one, else the record of the
         batch it is proven a member of (without the batch bits), else 0.
    """
    packed: uint256 = self._reports[organisation][report]
    if packed != 0:
        return packed
    return self._batch_record(organisation, report, batch, proof) & ~(
        _REPORT_IS_BATCH | (_MASK32 << _REPORT_SIZE_SHIFT)
    )


@internal
def _member_record(
    organisation: bytes32, report: bytes32, batch: bytes32, proof: DynArray[bytes32, MAX_BATCH_PROOF]
) -> uint256:
    """
    @dev A member's own record, as the batch's anchored record says, for a
         member about to change state; logs `BatchMemberRecorded`.
    """
    assert self._reports[organisation][report] == 0, "registry: report has its own record"
    packed: uint256 = self._batch_record(organisation, report, batch, proof)
    assert packed != 0, "registry: not a member of that batch"
    assert self._report_state(packed) == REPORT_ANCHORED, "registry: batch is not anchored"
    log IReportRegistry.BatchMemberRecorded(organisation=organisation, report=report, batch=batch)
    return (packed & ~(_REPORT_IS_BATCH | (_MASK32 << _REPORT_SIZE_SHIFT))) | _REPORT_IS_MEMBER


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
    assert self._reports[organisation][report] == 0, "registry: report already known"
    version: uint256 = convert(self._org_version(record), uint256)
    approvers: uint256 = 0
    approvals: uint256 = 0
    approvers, approvals = self._check_signatures(
        organisation,
        record,
        APPROVAL_TYPEHASH,
        self._approval_fields(organisation, report, supersedes, record, deadline),
        deadline,
        signatures,
        0,
    )
    assert approvals >= convert(self._org_threshold(record), uint256), "registry: approvals below threshold"
    packed: uint256 = (
        convert(REPORT_ANCHORED, uint256)
        | (approvers << _REPORT_APPROVERS_SHIFT)
        | (approvals << _REPORT_APPROVALS_SHIFT)
        | (version << _REPORT_VERSION_SHIFT)
        | (block.timestamp << _REPORT_TIME_SHIFT)
        | (block.number << _REPORT_BLOCK_SHIFT)
    )
    if supersedes != empty(bytes32):
        self._check_supersedable(organisation, supersedes)
        self._predecessor[organisation][report] = supersedes
        packed |= _REPORT_HAS_PREDECESSOR
        self._supersede(organisation, supersedes, report)
    self._reports[organisation][report] = packed
    log IReportRegistry.ReportAnchored(organisation=organisation, report=report, approvers=approvers)


@internal
def _log_anchored(organisation: bytes32, report: bytes32, packed: uint256, approvers: uint256):
    if packed & _REPORT_IS_BATCH != 0:
        log IReportRegistry.BatchAnchored(
            organisation=organisation,
            batch=report,
            size=convert((packed >> _REPORT_SIZE_SHIFT) & _MASK32, uint32),
            approvers=approvers,
        )
    else:
        log IReportRegistry.ReportAnchored(organisation=organisation, report=report, approvers=approvers)


@internal
def _new_pending(organisation: bytes32, report: bytes32, flags: uint256) -> uint256:
    """
    @dev Checks a submission by `msg.sender` and returns the new pending
         record (not yet stored).
    """
    pausable._require_not_paused()
    record: uint256 = self._active_organisation(organisation)
    assert self._is_submitter[organisation][msg.sender], "registry: caller is not a submitter"
    assert report != empty(bytes32), "registry: report root is zero"
    assert self._reports[organisation][report] == 0, "registry: report already known"
    return convert(REPORT_PENDING, uint256) | (convert(self._org_version(record), uint256) << _REPORT_VERSION_SHIFT) | flags


@internal
def _store_or_anchor(organisation: bytes32, report: bytes32, packed: uint256, record: uint256):
    """
    @dev Stores a pending report's approvals, anchoring it if they reached
         the threshold. A correction supersedes its predecessor only now.
    """
    if self._report_approvals(packed) < convert(self._org_threshold(record), uint256):
        self._reports[organisation][report] = packed
        return
    anchored: uint256 = (
        (packed & ~_MASK8)
        | convert(REPORT_ANCHORED, uint256)
        | (block.timestamp << _REPORT_TIME_SHIFT)
        | (block.number << _REPORT_BLOCK_SHIFT)
    )
    if packed & _REPORT_HAS_PREDECESSOR != 0:
        predecessor: bytes32 = self._predecessor[organisation][report]
        # The predecessor may have changed state while this one was pending.
        self._check_supersedable(organisation, predecessor)
        self._supersede(organisation, predecessor, report)
    self._reports[organisation][report] = anchored
    self._log_anchored(organisation, report, packed, self._report_approvers(packed))


@internal
def _supersede(organisation: bytes32, old: bytes32, new: bytes32):
    self._reports[organisation][old] = (self._reports[organisation][old] & ~_MASK8) | convert(
        REPORT_SUPERSEDED, uint256
    )
    self._successor[organisation][old] = new
    log IReportRegistry.ReportSuperseded(organisation=organisation, report=old, successor=new)


@internal
def _revoke(organisation: bytes32, report: bytes32, packed: uint256, reason: uint16, for_cause: bool):
    assert reason != 0, "registry: revocation reason is zero"
    self._reports[organisation][report] = (
        (packed & ~(_MASK8 | (_MASK16 << _REPORT_REASON_SHIFT)))
        | convert(REPORT_REVOKED, uint256)
        | (convert(reason, uint256) << _REPORT_REASON_SHIFT)
    )
    log IReportRegistry.ReportRevoked(organisation=organisation, report=report, reason=reason, for_cause=for_cause)


@internal
@view
def _check_supersedable(organisation: bytes32, old: bytes32):
    packed: uint256 = self._reports[organisation][old]
    assert self._report_state(packed) == REPORT_ANCHORED, "registry: superseded report is not anchored"
    assert packed & _REPORT_IS_BATCH == 0, "registry: a batch is not superseded"


@internal
@view
def _pending_report(organisation: bytes32, report: bytes32) -> uint256:
    packed: uint256 = self._reports[organisation][report]
    assert self._report_state(packed) == REPORT_PENDING, "registry: report is not pending"
    return packed


@internal
@view
def _predecessor_of(organisation: bytes32, report: bytes32, packed: uint256) -> bytes32:
    if packed & _REPORT_HAS_PREDECESSOR == 0:
        return empty(bytes32)
    return self._predecessor[organisation][report]


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
@pure
def _approval_fields(
    organisation: bytes32, report: bytes32, third: bytes32, record: uint256, deadline: uint64
) -> bytes32[6]:
    """
    @dev The members of an `Approval` (`third`: supersedes) or a
         `BatchApproval` (`third`: size) after its signer, as words.
    """
    return [
        organisation,
        report,
        third,
        convert(self._org_version(record), bytes32),
        convert(deadline, bytes32),
        empty(bytes32),
    ]


@internal
@view
def _require_threshold(
    organisation: bytes32,
    record: uint256,
    typehash: bytes32,
    fields: bytes32[6],
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
):
    approvers: uint256 = 0
    approvals: uint256 = 0
    approvers, approvals = self._check_signatures(organisation, record, typehash, fields, deadline, signatures, 0)
    assert approvals >= convert(self._org_threshold(record), uint256), "registry: approvals below threshold"


@internal
@view
def _check_signatures(
    organisation: bytes32,
    record: uint256,
    typehash: bytes32,
    fields: bytes32[6],
    deadline: uint64,
    signatures: Bytes[MAX_SIGNATURE_BYTES],
    approvers: uint256,
) -> (uint256, uint256):
    """
    @dev Checks a signature blob and returns the approver bitmap (with
         `approvers` already set) and the number of new approvals. Each
         entry names a signer slot, strictly ascending (no duplicates);
         the message is rebuilt for the signer in that slot: its EIP-712
         struct hash is keccak256(typehash ‖ signer ‖ fields), `fields`
         being the message's other members encoded as words (six for
         `OrganisationUpdate`, the first five for the other types).
         A slot already in `approvers` is skipped without checking its
         signature; a blob adding no approval is refused. EOA entries are
         EIP-2098 compact signatures whose high-s forms snekmate's ecdsa
         refuses; wallet entries are checked with EIP-1271.
    """
    assert block.timestamp <= convert(deadline, uint256), "registry: signatures expired"
    signer_count: uint256 = (record >> _ORG_SIGNERS_SHIFT) & _MASK8
    separator: bytes32 = eip712._domain_separator_v4()
    six: bool = typehash == ORGANISATION_UPDATE_TYPEHASH
    bitmap: uint256 = approvers
    added: uint256 = 0
    offset: uint256 = 0
    last: uint256 = 0
    total: uint256 = len(signatures)
    # Offsets stay below MAX_SIGNATURE_BYTES + 66 and slots below 128, so
    # the arithmetic below cannot overflow.
    for _: uint256 in range(MAX_SIGNERS):
        if offset == total:
            break
        assert unsafe_add(offset, _EOA_ENTRY) <= total, "registry: malformed signatures"
        tag: uint256 = extract32(signatures, offset, output_type=uint256) >> 248
        slot: uint256 = tag & _SLOT_MASK
        # Slot 0 wraps to a huge number here and is refused too.
        assert unsafe_sub(slot, 1) < signer_count, "registry: no signer in that slot"
        assert slot > last, "registry: signer slots not strictly ascending"
        last = slot
        wallet: bool = tag & _WALLET_TAG != 0
        entry: uint256 = _EOA_ENTRY
        if wallet:
            entry = _WALLET_ENTRY
            assert unsafe_add(offset, _WALLET_ENTRY) <= total, "registry: malformed signatures"
        bit: uint256 = 1 << unsafe_sub(slot, 1)
        if bitmap & bit == 0:
            signer: address = self._signer_at[organisation][slot]
            struct_hash: bytes32 = empty(bytes32)
            if six:
                struct_hash = keccak256(
                    abi_encode(typehash, signer, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])
                )
            else:
                struct_hash = keccak256(
                    abi_encode(typehash, signer, fields[0], fields[1], fields[2], fields[3], fields[4])
                )
            digest: bytes32 = keccak256(concat(b"\x19\x01", separator, struct_hash))
            if wallet:
                assert signature_checker._is_valid_ERC1271_signature_now(
                    signer, digest, slice(signatures, unsafe_add(offset, 1), _WALLET_SIGNATURE)
                ), "registry: invalid wallet signature"
            else:
                assert ecdsa._try_recover_r_vs(
                    digest,
                    extract32(signatures, unsafe_add(offset, 1), output_type=uint256),
                    extract32(signatures, unsafe_add(offset, 33), output_type=uint256),
                ) == signer, "registry: invalid signature"
            bitmap |= bit
            added = unsafe_add(added, 1)
        offset = unsafe_add(offset, entry)
    assert offset == total, "registry: malformed signatures"
    assert added != 0, "registry: no new approval"
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
        self._signer_at[organisation][slot] = signer
    self._signers[organisation] = signers
    for submitter: address in submitters:
        assert submitter != empty(address), "registry: submitter is the zero address"
        assert not self._is_submitter[organisation][submitter], "registry: duplicate submitter"
        self._is_submitter[organisation][submitter] = True
    self._submitters[organisation] = submitters


@internal
def _clear_members(organisation: bytes32):
    slot: uint256 = 0
    for signer: address in self._signers[organisation]:
        slot += 1
        self._signer_slot[organisation][signer] = 0
        self._signer_at[organisation][slot] = empty(address)
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
def report_state(organisation: bytes32, report: bytes32) -> uint8:
    """
    @dev Returns only a report's lifecycle state: the attestation registry
         reads it on every attestation, and `report_status` would cost it
         more cold storage reads.
    @param organisation The organisation's id.
    @param report The report root.
    @return uint8 0 unknown, 1 pending, 2 anchored, 3 superseded, 4 revoked.
    """
    return self._report_state(self._reports[organisation][report])
