/**
 * model/anonymous-sighting.ts: what an anonymous sighting is (issue 20, node/src/anon/). A member
 * of the consortium says it saw an indicator without saying which member: the statement carries a
 * ring signature of the members of a stated block, whose key image is bound to the scope
 * (deployment, indicator, epoch), so one member counts once per indicator and epoch. It is
 * recorded among the indicator's sightings under a reporter name made of the key image's first
 * bytes: distinct per member within the scope, unlinkable to the member and across epochs.
 */
import { isSightingKind, MAX_SIGHTING_COUNT, type SightingKind } from "./sighting.js";

export const ANONYMOUS_SIGHTING_VERSION = 1;
/** Reporter names of anonymous sightings start so; no org id can (org ids have no colon). */
export const ANONYMOUS_REPORTER_PREFIX = "anonymous:";
const DAY_MS = 86_400_000;

export interface AnonymousSighting {
  version: number;
  deployment: Uint8Array;
  /** 64 hex. */
  indicatorId: string;
  kind: SightingKind;
  epoch: number;
  ringBlock: number;
  observedDay: number;
  count: number;
  signature: Uint8Array;
}

export function isAnonymousReporter(reporter: string): boolean {
  return reporter.startsWith(ANONYMOUS_REPORTER_PREFIX);
}

/** The reporter name an anonymous sighting is recorded under: 8 bytes of its key image. */
export function anonymousReporter(keyImage: Uint8Array): string {
  return `${ANONYMOUS_REPORTER_PREFIX}${Buffer.from(keyImage.subarray(0, 8)).toString("hex")}`;
}

export const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

/** Fixed-width big-endian integers of the signed bytes and scopes. */
export const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** The scope of the key image: a member signs once per (deployment, indicator, epoch), whatever the kind. */
export function anonymousSightingScope(s: Pick<AnonymousSighting, "deployment" | "indicatorId" | "epoch">): Uint8Array {
  return Buffer.concat([Buffer.from("cti-exchange/anonymous-sighting/scope/v1"), u32(s.deployment.length), s.deployment, Buffer.from(s.indicatorId, "hex"), u64(s.epoch)]);
}

/** The bytes the ring signs: every field but the signature, fixed-width. */
export function anonymousSightingMessage(s: Omit<AnonymousSighting, "signature">): Uint8Array {
  return Buffer.concat([
    Buffer.from("cti-exchange/anonymous-sighting/v1"),
    u32(s.version),
    u32(s.deployment.length),
    s.deployment,
    Buffer.from(s.indicatorId, "hex"),
    Buffer.from(s.kind),
    u64(s.epoch),
    u64(s.ringBlock),
    u32(s.observedDay),
    u32(s.count),
  ]);
}

/** The checks that need nothing but the message; undefined when they pass, else why not. */
export function anonymousSightingProblem(s: AnonymousSighting): string | undefined {
  if (s.version !== ANONYMOUS_SIGHTING_VERSION) return `version ${s.version} is not read here`;
  if (!/^[0-9a-f]{64}$/.test(s.indicatorId)) return "indicatorId is not 32 bytes";
  if (!isSightingKind(s.kind)) return "unknown kind";
  if (!Number.isSafeInteger(s.epoch) || s.epoch < 0) return "bad epoch";
  if (!Number.isSafeInteger(s.ringBlock) || s.ringBlock < 0) return "bad ring block";
  if (!Number.isInteger(s.count) || s.count < 1 || s.count > MAX_SIGHTING_COUNT) return `count must be 1 to ${MAX_SIGHTING_COUNT}`;
  if (s.kind !== "sighting" && s.count !== 1) return "a false-positive or expired report counts 1";
  return undefined;
}
