"""The registry on a test's own anvil, driven with web3.py and throwaway keys (no Ape).

Deploys the compiled contracts (``.build/__local__.json``: run ``ape compile``) and
performs every kind of registry operation the desk indexes, so that tests can make
chain history quickly (anvil mines each transaction at once).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_utils import keccak

from bci_registry import devnode
from bci_registry.deployment import DeployedContract, Deployment
from bci_registry.eip712 import Domain
from bci_registry.registry import approval_message, revocation_message
from bci_registry.signatures import pack, sign

BUILD_FILE = devnode.PROJECT_ROOT / ".build" / "__local__.json"
ALL_FIELDS = 0xFFF
FAR = 2**40 - 2
YEAR = 365 * 86_400
GAS = 5_000_000


class Reverted(RuntimeError):
    pass


def compiled() -> dict[str, Any]:
    try:
        types = json.loads(BUILD_FILE.read_text())["contractTypes"]
        return {n: types[n] for n in ("ReportRegistry", "AttestationRegistry", "Multicall")}
    except (OSError, KeyError, ValueError) as exc:
        raise RuntimeError(
            f"no compiled contracts in {BUILD_FILE} ({exc}): run `ape compile`"
        ) from exc


@dataclass
class LocalChain:
    url: str
    w3: Any
    governance: Any
    deployment: Deployment
    registry: Any
    attestations: Any
    nonces: dict[str, int] = field(default_factory=dict)

    # ----------------------------------------------------------- set-up

    @classmethod
    def deploy(cls, url: str) -> LocalChain:
        from web3 import HTTPProvider, Web3

        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 30}))
        governance = Account.create()
        _fund(w3, governance.address)
        types = compiled()
        deployed: dict[str, DeployedContract] = {}
        nonces: dict[str, int] = {}
        for name, args in (
            ("ReportRegistry", (governance.address, governance.address, governance.address)),
            ("AttestationRegistry", None),
            ("Multicall", ()),
        ):
            if args is None:
                args = (deployed["ReportRegistry"].address,)
            factory = w3.eth.contract(
                abi=types[name]["abi"], bytecode=types[name]["deploymentBytecode"]["bytecode"]
            )
            tx = factory.constructor(*args).build_transaction(
                {
                    "from": governance.address,
                    "nonce": nonces.get(governance.address, 0),
                    "gas": 8_000_000,
                    "chainId": w3.eth.chain_id,
                }
            )
            nonces[governance.address] = nonces.get(governance.address, 0) + 1
            receipt = _send(w3, governance, tx)
            deployed[name] = DeployedContract(
                receipt["contractAddress"],
                receipt["blockNumber"],
                "0x" + receipt["transactionHash"].hex(),
            )
        deployment = Deployment(
            network="base:devnet",
            chain_id=w3.eth.chain_id,
            report_registry=deployed["ReportRegistry"],
            attestation_registry=deployed["AttestationRegistry"],
            deployer=governance.address,
            governance=governance.address,
            pauser=governance.address,
            compiler="vyper 0.4.3",
            multicall=deployed["Multicall"],
        )
        return cls(
            url=url,
            w3=w3,
            governance=governance,
            deployment=deployment,
            registry=w3.eth.contract(
                deployed["ReportRegistry"].address, abi=types["ReportRegistry"]["abi"]
            ),
            attestations=w3.eth.contract(
                deployed["AttestationRegistry"].address, abi=types["AttestationRegistry"]["abi"]
            ),
            nonces=nonces,
        )

    def write_manifest(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.deployment.to_json(), indent=2) + "\n")
        return path

    def account(self) -> Any:
        acct = Account.create()
        _fund(self.w3, acct.address)
        return acct

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def transact(self, fn: Any, sender: Any) -> dict[str, Any]:
        """Send ``fn`` from ``sender``; Reverted (nothing sent) if it would revert."""
        try:
            fn.estimate_gas({"from": sender.address})
        except Exception as exc:
            raise Reverted(str(exc)) from None
        nonce = self.nonces.get(sender.address)
        if nonce is None:
            nonce = self.w3.eth.get_transaction_count(sender.address)
        tx = fn.build_transaction(
            {
                "from": sender.address,
                "nonce": nonce,
                "gas": GAS,
                "chainId": self.deployment.chain_id,
            }
        )
        self.nonces[sender.address] = nonce + 1
        return _send(self.w3, sender, tx)

    def try_(self, fn: Any, sender: Any) -> bool:
        try:
            self.transact(fn, sender)
        except Reverted:
            return False
        return True

    # ------------------------------------------------------ organisations

    def register(
        self, org: bytes, signers: list[Any], threshold: int, submitters: list[Any]
    ) -> None:
        self.transact(
            self.registry.functions.register_organisation(
                org, [s.address for s in signers], threshold, [s.address for s in submitters]
            ),
            self.governance,
        )

    def organisation(self, org: bytes) -> Any:
        return self.registry.functions.organisation(org).call()

    def _domain(self) -> Domain:
        return Domain(
            chain_id=self.deployment.chain_id, verifying_contract=self.deployment.registry
        )

    def _blob(self, org: bytes, signers: list[Any], kind: str, make: Any) -> bytes:
        record = self.organisation(org)
        current = list(record[2])
        version = record[5]
        return pack(
            (sign(s.key, self._domain(), kind, make(s.address, version)) for s in signers), current
        )

    def update_organisation(
        self,
        org: bytes,
        approvers: list[Any],
        signers: list[Any],
        threshold: int,
        submitters: list[Any],
        relayer: Any,
    ) -> bool:
        new_signers = [s.address for s in signers]
        new_submitters = [s.address for s in submitters]
        blob = self._blob(
            org,
            approvers,
            "OrganisationUpdate",
            lambda signer, version: {
                "signer": signer,
                "organisation": org,
                "signers": new_signers,
                "threshold": threshold,
                "submitters": new_submitters,
                "signerSetVersion": version,
                "deadline": FAR,
            },
        )
        return self.try_(
            self.registry.functions.update_organisation(
                org, new_signers, threshold, new_submitters, FAR, blob
            ),
            relayer,
        )

    # ------------------------------------------------------------ reports

    def approval_blob(
        self, org: bytes, root: bytes, signers: list[Any], supersedes: bytes = bytes(32)
    ) -> bytes:
        return self._blob(
            org,
            signers,
            "Approval",
            lambda signer, version: approval_message(signer, org, root, supersedes, version, FAR),
        )

    def anchor(
        self,
        org: bytes,
        root: bytes,
        signers: list[Any],
        relayer: Any,
        supersedes: bytes = bytes(32),
    ) -> bool:
        blob = self.approval_blob(org, root, signers, supersedes)
        if supersedes == bytes(32):
            fn = self.registry.functions.anchor(org, root, FAR, blob)
        else:
            fn = self.registry.functions.anchor_correction(org, root, supersedes, FAR, blob)
        return self.try_(fn, relayer)

    def anchor_batch(
        self, org: bytes, batch: bytes, size: int, signers: list[Any], relayer: Any
    ) -> bool:
        """Anchor a batch root (``BatchApproval`` signatures of ``signers``)."""
        from bci_registry.exporter.batch_tree import batch_approval_message

        blob = self._blob(
            org,
            signers,
            "BatchApproval",
            lambda signer, version: batch_approval_message(signer, org, batch, size, version, FAR),
        )
        return self.try_(self.registry.functions.anchor_batch(org, batch, size, FAR, blob), relayer)

    def submit(
        self, org: bytes, root: bytes, submitter: Any, supersedes: bytes = bytes(32)
    ) -> bool:
        return self.try_(self.registry.functions.submit(org, root, supersedes), submitter)

    def approve(self, org: bytes, root: bytes, signer: Any, supersedes: bytes = bytes(32)) -> bool:
        return self.try_(self.registry.functions.approve(org, root, supersedes), signer)

    def approve_with_signatures(
        self,
        org: bytes,
        root: bytes,
        signers: list[Any],
        relayer: Any,
        supersedes: bytes = bytes(32),
    ) -> bool:
        try:
            blob = self.approval_blob(org, root, signers, supersedes)
        except Exception:
            return False
        return self.try_(
            self.registry.functions.approve_with_signatures(org, root, FAR, blob), relayer
        )

    def revoke(
        self, org: bytes, root: bytes, reason: int, signers: list[Any], relayer: Any
    ) -> bool:
        try:
            blob = self._blob(
                org,
                signers,
                "Revocation",
                lambda signer, version: revocation_message(signer, org, root, reason, version, FAR),
            )
        except Exception:
            return False
        return self.try_(self.registry.functions.revoke(org, root, reason, FAR, blob), relayer)

    def revoke_for_cause(self, org: bytes, root: bytes, reason: int) -> bool:
        return self.try_(
            self.registry.functions.revoke_for_cause(org, root, reason), self.governance
        )

    def suspend_organisation(self, org: bytes) -> bool:
        return self.try_(self.registry.functions.suspend_organisation(org), self.governance)

    def reinstate_organisation(self, org: bytes) -> bool:
        return self.try_(self.registry.functions.reinstate_organisation(org), self.governance)

    def pause(self) -> bool:
        return self.try_(self.registry.functions.pause(), self.governance)

    def unpause(self) -> bool:
        return self.try_(self.registry.functions.unpause(), self.governance)

    # -------------------------------------------------------- verifiers

    def accredit(
        self, verifier: Any, name: str, scope: int = ALL_FIELDS, until: int | None = None
    ) -> bool:
        now = self.now()
        return self.try_(
            self.attestations.functions.accredit_verifier(
                verifier.address,
                keccak(text=f"verifier:{name}"),
                scope,
                now - 10,
                until or now + YEAR,
            ),
            self.governance,
        )

    def extend(self, verifier: Any, until: int) -> bool:
        return self.try_(
            self.attestations.functions.extend_accreditation(verifier.address, until),
            self.governance,
        )

    def suspend_verifier(self, verifier: Any) -> bool:
        return self.try_(
            self.attestations.functions.suspend_verifier(verifier.address), self.governance
        )

    def suspend_verifier_for_cause(self, verifier: Any, since: int) -> bool:
        return self.try_(
            self.attestations.functions.suspend_verifier_for_cause(verifier.address, since),
            self.governance,
        )

    def attest(
        self,
        org: bytes,
        root: bytes,
        verifier: Any,
        verdict: int = 1,
        fields: int = ALL_FIELDS,
        verified_at: int | None = None,
        expires_in: int = YEAR // 2,
    ) -> bool:
        now = self.now()
        return self.try_(
            self.attestations.functions.attest(
                org,
                root,
                verdict,
                fields,
                keccak(text="evidence:audit-certificate"),
                verified_at if verified_at is not None else now - 60,
                now + expires_in,
            ),
            verifier,
        )

    def attest_batch(self, org: bytes, batch: bytes, size: int, verifier: Any) -> bool:
        now = self.now()
        return self.try_(
            self.attestations.functions.attest_batch(
                org, batch, size, 1, ALL_FIELDS, keccak(text="evidence:audit-certificate"),
                now - 60, now + YEAR // 2,
            ),
            verifier,
        )  # fmt: skip

    def revoke_member_attestation(
        self, org: bytes, proof: Any, verifier: Any, reason: int = 4
    ) -> bool:
        return self.try_(
            self.attestations.functions.revoke_member_attestation(
                org, proof.report, proof.batch, list(proof.proof), reason
            ),
            verifier,
        )

    def revoke_attestation(self, org: bytes, root: bytes, verifier: Any, reason: int = 7) -> bool:
        return self.try_(
            self.attestations.functions.revoke_attestation(org, root, reason), verifier
        )

    def cancel_nonces(self, verifier: Any, below: int) -> bool:
        return self.try_(self.attestations.functions.cancel_nonces(below), verifier)

    def mine(self, blocks: int = 1) -> None:
        self.w3.provider.make_request("anvil_mine", [hex(blocks)])


def _fund(w3: Any, address: str) -> None:
    w3.provider.make_request("anvil_setBalance", [address, hex(10**20)])


def _send(w3: Any, sender: Any, tx: dict[str, Any]) -> dict[str, Any]:
    signed = sender.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.01)
    if receipt["status"] != 1:
        raise Reverted(f"transaction {tx_hash.hex()} reverted")
    return dict(receipt)
