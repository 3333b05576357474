// Optional check of the vectors with the EAS SDK's PrivateData (see tests/vectors/README.md).
// Not run by the test suite: the SDK installs about 355 MB. Exit code 0 if all agree.
//
// Usage: npm install --no-save @ethereum-attestation-service/eas-sdk@2.10.0
//        node tests/report/eas_crosscheck.mjs tests/vectors

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

// The SDK's ESM build imports lodash by named export, which node refuses; its CommonJS
// build loads fine.
const require = createRequire(import.meta.url);
const { PrivateData } = require("@ethereum-attestation-service/eas-sdk");

const dir = process.argv[2] ?? "tests/vectors";
const doc = JSON.parse(readFileSync(join(dir, "report-vectors.json"), "utf8"));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures += 1;
};

for (const vector of doc.vectors) {
  const values = vector.fields.map(({ type, name, value, salt }) => ({ type, name, value, salt }));
  check(PrivateData.verifyFullTree({ root: vector.root, values }) === vector.root, `${vector.name}: full tree root`);
  const data = new PrivateData(values);
  for (const mp of vector.multiproofs) {
    // Every disclosure carries the organisation leaf besides the chosen fields.
    const indices = [...mp.fields, "organisation"].map((name) => values.findIndex((f) => f.name === name));
    const made = data.generateMultiProof(indices);
    check(
      same(made.proof, mp.proof) && same(made.proofFlags, mp.proofFlags) &&
        same(made.leaves.map((l) => [l.name, l.value, l.salt]), mp.leaves.map((l) => [l.name, l.value, l.salt])),
      `${vector.name}: generateMultiProof(${mp.fields.join(",")}) equals ours`,
    );
    check(PrivateData.verifyMultiProof(vector.root, mp), `${vector.name}: verifyMultiProof(${mp.fields.join(",")})`);
  }
  const sealed = JSON.parse(readFileSync(join(dir, `${vector.name}.sealed.json`), "utf8"));
  check(PrivateData.verifyFullTree({ root: sealed.root, values: sealed.fields }) === sealed.root, `${vector.name}.sealed.json`);
  const disclosure = JSON.parse(readFileSync(join(dir, `${vector.name}.disclosure.json`), "utf8"));
  check(PrivateData.verifyMultiProof(disclosure.root, disclosure), `${vector.name}.disclosure.json`);
}
process.exit(failures ? 1 : 0);
