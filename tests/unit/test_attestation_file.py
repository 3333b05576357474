"""The signed-attestation file: a verifier signs offline, a relayer loads, checks and submits."""

import json
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from bci_registry.attestations import (
    FORMAT,
    AttestationDomain,
    AttestationFileError,
    SignedAttestation,
    attestation_message,
    cancellation_message,
    dumps,
    free_nonces,
    from_signature,
    load,
    loads,
    parse,
    revocation_message,
    save,
    sign,
    sign_with,
    signable_message,
    typed_data_json,
)
from bci_registry.eip712 import digest
from bci_registry.signatures import compact
from conftest import DAY, YEAR

KEY = keccak(text="bci-registry test key: verifier")  # derived here, holds nothing
OTHER_KEY = keccak(text="bci-registry test key: someone else")
VERIFIER = Account.from_key(KEY).address
ORGANISATION = b"acme-cells".ljust(32, b"\0")
DOMAIN = AttestationDomain(84532, to_checksum_address("0x" + "ab" * 20))
NOW = 1_750_000_000


def message(**change: Any) -> dict[str, Any]:
    terms = {
        "verifier": VERIFIER,
        "organisation": ORGANISATION,
        "report": keccak(text="report"),
        "verdict": 1,
        "fields": 0b1010,
        "evidence": keccak(text="certificate"),
        "verified_at": NOW - DAY,
        "expires_at": NOW + YEAR,
        "nonce": 7,
        "deadline": NOW + DAY,
    } | change
    return attestation_message(**terms)


def signed_json(**change: Any) -> dict[str, Any]:
    return sign(KEY, DOMAIN, "Attestation", message(**change)).to_json()


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    signed = sign(KEY, DOMAIN, "Attestation", message())
    path = tmp_path / "attestation.json"
    save(path, signed)
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT
    assert (data["chainId"], data["contract"], data["signer"]) == (
        84532,
        DOMAIN.verifying_contract,
        VERIFIER,
    )
    assert data["message"]["report"] == "0x" + keccak(text="report").hex()
    assert data["message"]["organisation"] == "0x" + ORGANISATION.hex()
    # One signature encoding across files: the 65-byte r || s || v form.
    assert len(bytes.fromhex(data["signature"][2:])) == 65 and data["wallet"] is False
    loaded = load(path, expected=DOMAIN, now=NOW)
    assert loaded == signed
    # Made compact (EIP-2098) only when sending.
    assert loaded.call_args() == (
        VERIFIER, ORGANISATION, keccak(text="report"), 1, 0b1010, keccak(text="certificate"),
        NOW - DAY, NOW + YEAR, 7, NOW + DAY, compact(signed.signature),
    )  # fmt: skip
    assert len(loaded.wire_signature) == 64


def test_revocation_round_trip() -> None:
    revocation = revocation_message(
        verifier=VERIFIER, organisation=ORGANISATION, report=keccak(text="r"), attested_at=NOW,
        reason=2, nonce=1, deadline=NOW,
    )  # fmt: skip
    signed = sign(KEY, DOMAIN, "AttestationRevocation", revocation)
    assert loads(dumps(signed)) == signed
    assert signed.call_args()[1:5] == (ORGANISATION, keccak(text="r"), NOW, 2)


def test_nonce_cancellation_round_trip() -> None:
    cancellation = cancellation_message(verifier=VERIFIER, below=12, deadline=NOW)
    signed = sign(KEY, DOMAIN, "NonceCancellation", cancellation)
    assert loads(dumps(signed)) == signed
    assert signed.call_args() == (VERIFIER, 12, NOW, compact(signed.signature))
    data = signed.to_json()
    data["message"]["below"] = 0
    with pytest.raises(AttestationFileError, match="must be 1 to") as caught:
        parse(data)
    assert caught.value.where == "message.below"


def test_typed_data_json_is_what_wallets_sign() -> None:
    document = typed_data_json(DOMAIN, "Attestation", message())
    text = json.dumps(document)  # serialisable as is
    assert document["domain"]["name"] == "BCI Attestation Registry"
    wallet_signed = Account.sign_message(encode_typed_data(full_message=json.loads(text)), KEY)
    via_module = sign(KEY, DOMAIN, "Attestation", message())
    assert (
        from_signature(DOMAIN, "Attestation", message(), bytes(wallet_signed.signature))
        == via_module
    )


def test_sign_with_an_external_signer() -> None:
    calls: list[bytes] = []

    def hsm(msg: Any) -> bytes:
        calls.append(msg.body)
        return bytes(Account.sign_message(msg, KEY).signature)

    signed = sign_with(hsm, DOMAIN, "Attestation", message())
    assert calls == [signable_message(DOMAIN, "Attestation", message()).body]
    assert signed == sign(KEY, DOMAIN, "Attestation", message())


def test_digest_depends_on_the_domain() -> None:
    other_chain = AttestationDomain(1, DOMAIN.verifying_contract)
    assert digest(DOMAIN, "Attestation", message()) != digest(other_chain, "Attestation", message())


def test_wallet_file_keeps_the_wallets_signature() -> None:
    raw = bytes(
        Account.sign_message(
            signable_message(DOMAIN, "Attestation", message()), OTHER_KEY
        ).signature
    )
    signed = from_signature(DOMAIN, "Attestation", message(), raw, wallet=True)
    assert signed.signature == raw and signed.wallet
    assert loads(dumps(signed)) == signed
    data = signed.to_json() | {"signature": "0x" + raw[:64].hex()}
    with pytest.raises(
        AttestationFileError, match="signature: an EIP-1271 wallet signature is 65 bytes"
    ):
        parse(data)


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        ({"format": "bci-attestation/1"}, "format", "expected 'bci-attestation/2'"),
        ({"chainId": 0}, "chainId", "positive"),
        ({"chainId": True}, "chainId", "must be an integer"),
        ({"chainId": "84532"}, "chainId", "must be an integer"),
        ({"contract": "0x1234"}, "contract", "20-byte address"),
        ({"contract": "0x" + "aB" * 20}, "contract", "checksum"),
        ({"primaryType": "Approval"}, "primaryType", "expected one of"),
        ({"message": []}, "message", "must be a JSON object"),
        ({"signer": "0x" + "11" * 20}, "signer", "is not the message's verifier"),
        ({"wallet": "no"}, "wallet", "true or false"),
        ({"signature": "abcd"}, "signature", "0x-prefixed hex"),
        ({"signature": "0xzz"}, "signature", "not hex"),
        (
            {"signature": "0x" + "11" * 64},
            "signature",
            r"65-byte r \|\| s \|\| v form .* 64-byte EIP-2098 compact one",
        ),
        ({"signature": "0x" + "11" * 66}, "signature", "EOA signature is 65 bytes"),
        ({"signature": "0x" + "11" * 65}, "signature", "v must be 27 or 28"),
    ],
)
def test_file_errors_name_the_problem(change: dict[str, Any], where: str, problem: str) -> None:
    with pytest.raises(AttestationFileError, match=problem) as caught:
        parse(signed_json() | change)
    assert caught.value.where == where


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("verdict", 0, "1 \\(pass\\), 2 \\(fail\\) or 3 \\(qualified\\)"),
        ("verdict", 256, "uint8"),
        ("fields", 0, "non-zero 12-bit field mask"),
        ("fields", 0x1000, "non-zero 12-bit field mask"),
        ("report", "0x" + "00" * 32, "report root is zero"),
        ("organisation", "0x" + "00" * 32, "organisation id is zero"),
        ("organisation", "0x" + "11" * 31, "32 bytes"),
        ("report", "0x" + "11" * 31, "32 bytes"),
        ("evidence", 5, "0x-prefixed hex"),
        ("verifiedAt", 0, "verification time is zero"),
        ("verifiedAt", -1, "uint64"),
        ("expiresAt", 2**40, "at most"),
        ("expiresAt", NOW - DAY, "after verifiedAt"),
        ("nonce", 1.5, "must be an integer"),
        ("verifier", "me", "20-byte address"),
    ],
)
def test_message_errors_name_the_field(field: str, value: Any, problem: str) -> None:
    data = signed_json()
    data["message"][field] = value
    with pytest.raises(AttestationFileError, match=problem) as caught:
        parse(data)
    assert caught.value.where == f"message.{field}"


def test_missing_and_unknown_keys() -> None:
    data = signed_json()
    del data["wallet"]
    with pytest.raises(AttestationFileError, match=r"missing keys \['wallet'\]"):
        parse(data)
    with pytest.raises(AttestationFileError, match=r"unknown keys \['note'\]"):
        parse(signed_json() | {"note": "hi"})
    data = signed_json()
    data["message"]["extra"] = 1
    with pytest.raises(AttestationFileError, match=r"unknown fields \['extra'\]"):
        parse(data)
    del data["message"]["extra"], data["message"]["nonce"]
    with pytest.raises(AttestationFileError, match=r"missing \['nonce'\]"):
        parse(data)


def test_tampered_message_or_foreign_signature_detected() -> None:
    data = signed_json()
    data["message"]["fields"] = 0b1111  # the relayer widens the fields
    with pytest.raises(AttestationFileError, match="not by the signer") as caught:
        parse(data)
    assert caught.value.where == "signature"
    foreign = sign(
        OTHER_KEY, DOMAIN, "Attestation", message(verifier=Account.from_key(OTHER_KEY).address)
    )
    data = signed_json() | {"signature": "0x" + foreign.signature.hex()}
    with pytest.raises(AttestationFileError, match="not by the signer"):
        parse(data)


def test_high_s_refused() -> None:
    data = signed_json()
    raw = bytes.fromhex(data["signature"][2:])
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    # The malleable twin of a valid signature: (r, n - s, other v).
    twin = n - int.from_bytes(raw[32:64], "big")
    data["signature"] = "0x" + (raw[:32] + twin.to_bytes(32, "big") + bytes([55 - raw[64]])).hex()
    with pytest.raises(AttestationFileError, match="upper half"):
        parse(data)


def test_relayer_checks_domain_and_deadline() -> None:
    text = dumps(sign(KEY, DOMAIN, "Attestation", message()))
    elsewhere = AttestationDomain(DOMAIN.chain_id, "0x" + "cd" * 20)
    with pytest.raises(AttestationFileError, match="signed for chain 84532 registry") as caught:
        loads(text, expected=elsewhere)
    assert "0x" + "cd" * 20 in str(caught.value).lower()
    with pytest.raises(AttestationFileError, match="on chain 1"):
        loads(text, expected=AttestationDomain(1, DOMAIN.verifying_contract))
    with pytest.raises(AttestationFileError, match="expired"):
        loads(text, now=NOW + DAY + 1)
    assert loads(text, expected=DOMAIN, now=NOW + DAY).message["nonce"] == 7


def test_unreadable_or_non_json_file(tmp_path: Path) -> None:
    with pytest.raises(AttestationFileError, match=r"missing\.json: cannot read"):
        load(tmp_path / "missing.json")
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(AttestationFileError, match=r"broken\.json: not JSON"):
        load(path)
    path.write_text("[]")
    with pytest.raises(AttestationFileError, match="must be a JSON object"):
        load(path)


def test_builder_refuses_bad_terms_before_signing() -> None:
    with pytest.raises(AttestationFileError, match=r"message\.fields"):
        message(fields=0)
    with pytest.raises(AttestationFileError, match=r"message\.reason"):
        revocation_message(
            verifier=VERIFIER, organisation=ORGANISATION, report=keccak(text="r"), attested_at=1,
            reason=0, nonce=0, deadline=1,
        )  # fmt: skip
    with pytest.raises(AttestationFileError, match=r"message\.attestedAt"):
        revocation_message(
            verifier=VERIFIER, organisation=ORGANISATION, report=keccak(text="r"), attested_at=0,
            reason=1, nonce=0, deadline=1,
        )  # fmt: skip
    with pytest.raises(AttestationFileError, match=r"message\.organisation"):
        message(organisation=bytes(32))


def test_free_nonces() -> None:
    assert free_nonces(0, 0, 3) == [0, 1, 2]
    assert free_nonces(10, 0b1_0110, 3) == [10, 13, 15]
    with pytest.raises(ValueError, match="only 1 nonces free"):
        free_nonces(0, (2**56 - 1) ^ 1, 2)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=70),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(
    in_message=st.booleans(),
    index=st.integers(min_value=0, max_value=20),
    value=json_values,
)
def test_any_corruption_is_reported_as_a_file_error(
    in_message: bool, index: int, value: Any
) -> None:
    """Replacing any one value never crashes the loader: the result is valid or named."""
    original = signed_json()
    data = json.loads(json.dumps(original))
    target = data["message"] if in_message else data
    key = sorted(target)[index % len(target)]
    target[key] = value
    try:
        loaded = parse(data)
    except AttestationFileError as exc:
        assert exc.where == "" or exc.where.split(".")[0] in original
        return
    # Only an equivalent value (e.g. a lower-case address) can pass.
    assert isinstance(loaded, SignedAttestation)
    assert loaded.to_json() == parse(original).to_json()
