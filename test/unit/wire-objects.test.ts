import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { TLP2_MARKINGS } from "../../node/src/model/stix-object.js";
import { objectInclusionProof, openBatch, rootMatches, signBatch, signatureValid, verifyObjectInclusionProof, WIRE_VERSION } from "../../node/src/wire/batch.js";
import { canonicalJson } from "../../node/src/wire/canonical-json.js";
import { encodeBatchSigningPayload, encodeObjectCanonical } from "../../node/src/wire/canonical.js";
import { decodeBatch, decodeBatchHeader, encodeBatch, isCanonicalEncoding } from "../../node/src/wire/codec.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const secretKey = randomBytes(32);
const object = (name: string) =>
  canonicalJson({ type: "malware", spec_version: "2.1", id: `malware--${createHash("sha256").update(name).digest("hex").slice(0, 8)}-0000-4000-8000-000000000000`, created: "2026-11-01T00:00:00.000Z", modified: "2026-11-01T00:00:00.000Z", name, is_family: true, object_marking_refs: [TLP2_MARKINGS.GREEN] });
const indicator = buildIndicator({ type: "domain", value: "evil.example" }, { producer: "acme-bank", now });
const unsigned = { deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0 };

describe("wire: STIX objects in batches (version 3)", function () {
  it("keeps a batch without objects exactly version 2: what a node not upgraded reads and verifies", function () {
    const { batch } = signBatch({ ...unsigned, indicators: [indicator] }, secretKey);
    expect(batch.version).to.equal(WIRE_VERSION);
    expect(decodeBatchHeader(encodeBatch(batch))).to.include({ version: 2, objectCount: 0, objectEntries: 0 });
    // The version 2 payload: the tag names v2, and no object count is written.
    expect(Buffer.from(encodeBatchSigningPayload({ ...batch, sealedDigest: new Uint8Array(32) })).toString("latin1")).to.include("cti-exchange/batch/v2");
  });

  it("signs a batch with objects as version 3, the count in the signed payload, each object a leaf after indicators and sightings", function () {
    const objects = [object("Emotet"), object("Qakbot")];
    const { batch, content } = signBatch({ ...unsigned, indicators: [indicator], objects }, secretKey);
    expect(batch).to.include({ version: 3, indicatorCount: 1, objectCount: 2 });
    const bytes = encodeBatch(batch);
    const decoded = decodeBatch(bytes);
    expect(decoded.objects).to.deep.equal(objects);
    expect(isCanonicalEncoding(bytes, decoded)).to.equal(true);
    expect(signatureValid(decoded)).to.equal(true);
    expect(rootMatches(decoded, content)).to.equal(true);
    // The count is signed: a relay cannot drop an object and restate the count.
    expect(signatureValid({ ...decoded, objectCount: 1 })).to.equal(false);
    expect(rootMatches(decoded, { ...content, objects: [objects[0]!] })).to.equal(false);
    // The leaf is the object's canonical text under its own domain tag.
    expect(Buffer.from(encodeObjectCanonical(objects[0]!)).toString("utf8")).to.include("cti-exchange/stix-object/v1").and.include(objects[0]!);
  });

  it("proves one object on its own, in an open batch and in a sealed one", function () {
    const objects = [object("Emotet"), object("Qakbot"), object("IcedID")];
    const open = signBatch({ ...unsigned, indicators: [indicator], objects }, secretKey);
    const proof = objectInclusionProof(open.batch, open.content, 1);
    expect(proof.object).to.equal(objects[1]);
    expect(verifyObjectInclusionProof(proof)).to.equal(true);
    expect(verifyObjectInclusionProof({ ...proof, object: objects[2]! })).to.equal(false);
    expect(() => objectInclusionProof(open.batch, open.content, 3)).to.throw(RangeError);

    const readerSecret = x25519.utils.randomSecretKey();
    const sealed = signBatch({ ...unsigned, group: 7, indicators: [], objects }, secretKey, [{ org: "north-cert", encryptionKey: x25519.getPublicKey(readerSecret) }]);
    expect(sealed.batch.objects).to.deep.equal([]);
    const opened = openBatch(decodeBatch(encodeBatch(sealed.batch)), { org: "north-cert", encryptionSecretKey: readerSecret });
    expect(opened.objects).to.deep.equal(objects);
    expect(rootMatches(sealed.batch, opened)).to.equal(true);
    const sealedProof = objectInclusionProof(sealed.batch, opened, 2);
    expect(sealedProof.salt?.length).to.equal(16);
    expect(verifyObjectInclusionProof(sealedProof)).to.equal(true);
    expect(verifyObjectInclusionProof({ ...sealedProof, salt: new Uint8Array(16) })).to.equal(false);
  });
});
