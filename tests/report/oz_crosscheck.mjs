// Independent cross-check of the report field trees with OpenZeppelin's own library.
//
// Usage: node tests/report/oz_crosscheck.mjs tests/vectors/report-vectors.json
//
// For each vector it rebuilds the tree of its 13 leaves (12 fields of type "string",
// the organisation of type "bytes32") with StandardMerkleTree.of(values,
// ["string", "string", "bytes", "bytes32"]) exactly as the EAS SDK's PrivateData does,
// encoding each value with abi.encode([type], [value]) by @metamask/abi-utils (the
// ABI coder @openzeppelin/merkle-tree itself uses), and prints, as JSON on stdout:
// the root, the leaf hashes, the array tree, OpenZeppelin's own multiproof for every
// field subset of the vector plus the organisation leaf (every disclosure carries it),
// and whether OpenZeppelin accepts the multiproof that our Python code wrote.
// tests/report/test_oz_crosscheck.py compares this with our results.
// Nothing here is computed by our code.

import { readFileSync } from "node:fs";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encode } from "@metamask/abi-utils";

const LEAF_ENCODING = ["string", "string", "bytes", "bytes32"];
const ORGANISATION = "organisation";

const toHex = (bytes) => "0x" + Buffer.from(bytes).toString("hex");

// EAS SDK PrivateData: [type, name, AbiCoder.encode([type], [value]), salt]
const encodeLeaf = (leaf) => [leaf.type, leaf.name, toHex(encode([leaf.type], [leaf.value])), leaf.salt];

const path = process.argv[2];
if (!path) {
  console.error("usage: node oz_crosscheck.mjs VECTORS.json");
  process.exit(2);
}
const doc = JSON.parse(readFileSync(path, "utf8"));

const results = doc.vectors.map((vector) => {
  const values = vector.fields.map(encodeLeaf);
  const tree = StandardMerkleTree.of(values, LEAF_ENCODING);
  tree.validate();
  const dump = tree.dump();
  const leafHashes = Object.fromEntries(vector.fields.map((f, i) => [f.name, tree.leafHash(values[i])]));
  const encodedValues = Object.fromEntries(vector.fields.map((f, i) => [f.name, values[i][2]]));
  const multiproofs = vector.multiproofs.map((mp) => {
    const indices = [...mp.fields, ORGANISATION].map((name) => vector.fields.findIndex((f) => f.name === name));
    if (indices.includes(-1)) throw new Error(`${vector.name}: a disclosed leaf is not in the tree`);
    const proof = tree.getMultiProof(indices);
    const ours = {
      leaves: mp.leaves.map(encodeLeaf),
      proof: mp.proof,
      proofFlags: mp.proofFlags,
    };
    return {
      fields: mp.fields,
      leafNames: proof.leaves.map((leaf) => leaf[1]),
      proof: proof.proof,
      proofFlags: proof.proofFlags,
      oursVerifies: StandardMerkleTree.verifyMultiProof(tree.root, LEAF_ENCODING, ours),
    };
  });
  const organisation = vector.fields.find((f) => f.name === ORGANISATION);
  return {
    name: vector.name,
    organisation: organisation && { type: organisation.type, id: organisation.value },
    root: tree.root,
    tree: dump.tree,
    leafHashes,
    encodedValues,
    multiproofs,
  };
});

console.log(JSON.stringify({ library: "@openzeppelin/merkle-tree", vectors: results }, null, 2));
