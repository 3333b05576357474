# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title BCI Multicall (read-only, Multicall3-compatible `aggregate3`)
@custom:contract-name Multicall
@license Apache-2.0
@notice Batches static calls into one `eth_call`: customs checks up to
        `MAX_CALLS` reports with one request, all read in the same block.
        The function has the ABI of Multicall3's `aggregate3`
        (`aggregate3((address,bool,bytes)[]) -> (bool,bytes)[]`, selector
        0x82ad56cb), so the same client code works against the canonical
        Multicall3 at 0xcA11bde05977b3631167028862bE2a173976CA11 on chains that
        have it. Deployed by `scripts/deploy.py` beside the registries (anvil
        and Ape's test chain have no Multicall3); see `docs/customs-verify.md`.
@dev The pattern is snekmate's `multicall._multistaticcall`, which cannot be
     imported as is: its results are capped at 255 bytes and snekmate asks
     users to size the bounds for their needs. A `customs_view` answer is 544
     bytes with no attestation and 13,856 bytes with a full page of 32, so
     each result here holds up to `MAX_RETURN` bytes (a full page even if an
     attestation gains three more words). Only static calls: the contract can
     change no state and never holds funds. Vyper reserves memory for the
     bounds, so an `eth_call` of this function costs about 7M gas whatever the
     batch size; it is meant for `eth_call`, never for a transaction. A
     longer answer is cut to `MAX_RETURN` bytes; the client detects that and
     asks for that report alone.
"""

# @dev The most calls in one batch.
MAX_CALLS: public(constant(uint256)) = 100
# @dev The longest calldata of one call.
MAX_CALLDATA: public(constant(uint256)) = 1_024
# @dev The longest answer kept of one call.
MAX_RETURN: public(constant(uint256)) = 16_384


struct Call3:
    target: address
    allowFailure: bool
    callData: Bytes[MAX_CALLDATA]


struct Result:
    success: bool
    returnData: Bytes[MAX_RETURN]


@external
@view
def aggregate3(calls: DynArray[Call3, MAX_CALLS]) -> DynArray[Result, MAX_CALLS]:
    """
    @dev Makes each call with STATICCALL, in order, and returns every
         result. A failing call whose `allowFailure` is false reverts the
         whole batch (as Multicall3 does); otherwise its revert data is
         returned with `success` false.
    @param calls The calls: target, whether it may fail, calldata.
    @return DynArray One result per call: success and the returned bytes
            (at most `MAX_RETURN`).
    """
    results: DynArray[Result, MAX_CALLS] = []
    success: bool = False
    data: Bytes[MAX_RETURN] = b""
    for call: Call3 in calls:
        success, data = raw_call(
            call.target, call.callData, max_outsize=MAX_RETURN, is_static_call=True, revert_on_failure=False
        )
        assert success or call.allowFailure, "multicall: call failed"
        results.append(Result(success=success, returnData=data))
    return results
