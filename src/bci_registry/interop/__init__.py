"""Passports that travel: Battery Pass import, UNTP DCC export, GS1 EPCIS 2.0 export.

- ``batterypass``: a Catena-X BatteryPass 6.1.0 payload plus a supplement file becomes a
  ``bci-report/1`` report, with the source path of every value (``import_battery_pass``).
- ``model``: the plain input of the exports (anchor facts, attestation facts, disclosed
  values, product and shipment identifiers).
- ``dcc``: a W3C VC 2.0 UNTP Digital Conformity Credential, secured as VC-JOSE-COSE
  (enveloping JWS, ``typ`` ``vc+jwt``, ES256K with the verifier's secp256k1 key).
- ``did``: the verifier's ``did:web`` DID document (``publicKeyJwk`` + ``blockchainAccountId``).
- ``statuslist``: the BitstringStatusList credential the verifier publishes.
- ``verify_dcc``: checks a DCC: signature, key to verifier account, schema, validity, status.
- ``epcis``: EPCIS 2.0 ObjectEvents for the anchoring and each attestation, with the GS1
  event hash, and a validator (official JSON Schema plus the CBV checks the schema lacks).
- ``reference``: the official schemas and JSON-LD contexts, loaded offline.
"""
