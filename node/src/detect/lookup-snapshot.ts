import { endianness } from "node:os";
import { FingerprintSet, type FingerprintSetState } from "./fingerprint-set.js";

/**
 * The lookup index as a file: saved at a clean stop, loaded at the next start, so that a restart
 * does not read every record. Reading them all also maps every LevelDB table file into the
 * process (310 MB of RSS at a million indicators, measured in node/bench/catchup.bench.ts).
 *
 * A snapshot is only valid for the store exactly as it was when saved: the store keeps the
 * snapshot's token and forgets it at start, before anything is written (IndicatorStore.
 * takeLookupSnapshotToken), so after a crash there is no token and the index is rebuilt from
 * the records.
 *
 * Layout: MAGIC, a 32-bit little-endian header length, the header (JSON), then the exact and
 * blinded tables' `hi` and `lo` arrays as raw 32-bit words in the machine's byte order (the file
 * never leaves the machine; the header names the order and a different one is refused).
 */
const MAGIC = Buffer.from("CTI-LOOKUP-INDEX 1\n", "latin1");

export interface LookupSnapshot {
  token: string;
  exact: FingerprintSetState;
  blinded: FingerprintSetState;
  /** CIDR indicators as written; their networks are recomputed on load. */
  cidrs: string[];
}

interface TableHeader {
  slots: number;
  live: number;
  occupied: number;
  seedA: number;
  seedB: number;
}

export class LookupSnapshotError extends Error {
  override readonly name = "LookupSnapshotError";
}

export function encodeLookupSnapshot(snapshot: LookupSnapshot): Buffer {
  const table = (s: FingerprintSetState): TableHeader => ({ slots: s.hi.length, live: s.live, occupied: s.occupied, seedA: s.seedA, seedB: s.seedB });
  const header = Buffer.from(JSON.stringify({ token: snapshot.token, endianness: endianness(), exact: table(snapshot.exact), blinded: table(snapshot.blinded), cidrs: snapshot.cidrs }), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const words = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([MAGIC, length, header, words(snapshot.exact.hi), words(snapshot.exact.lo), words(snapshot.blinded.hi), words(snapshot.blinded.lo)]);
}

/** Parses a snapshot file; throws LookupSnapshotError for anything but a whole, consistent one. */
export function decodeLookupSnapshot(bytes: Uint8Array): LookupSnapshot {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < MAGIC.length + 4 || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw new LookupSnapshotError("not a lookup index snapshot (bad magic)");
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  let offset = MAGIC.length + 4;
  if (offset + headerLength > buffer.length) throw new LookupSnapshotError("truncated snapshot header");
  let header: { token?: unknown; endianness?: unknown; exact?: TableHeader; blinded?: TableHeader; cidrs?: unknown };
  try {
    header = JSON.parse(buffer.subarray(offset, offset + headerLength).toString("utf8")) as typeof header;
  } catch {
    throw new LookupSnapshotError("unreadable snapshot header");
  }
  offset += headerLength;
  if (typeof header.token !== "string" || header.token.length === 0) throw new LookupSnapshotError("snapshot without a token");
  if (header.endianness !== endianness()) throw new LookupSnapshotError(`snapshot written on a ${String(header.endianness)} machine`);
  if (!Array.isArray(header.cidrs) || !header.cidrs.every((c) => typeof c === "string")) throw new LookupSnapshotError("snapshot CIDR list is malformed");
  const words = (count: number): Uint32Array => {
    if (!Number.isSafeInteger(count) || count < 0 || offset + count * 4 > buffer.length) throw new LookupSnapshotError("truncated snapshot table");
    // Copied into a fresh, aligned array: the file's bytes sit at any offset.
    const out = new Uint32Array(count);
    Buffer.from(out.buffer).set(buffer.subarray(offset, offset + count * 4));
    offset += count * 4;
    return out;
  };
  const table = (h: TableHeader | undefined): FingerprintSetState => {
    if (!h || typeof h !== "object") throw new LookupSnapshotError("snapshot table header missing");
    const hi = words(h.slots);
    const lo = words(h.slots);
    const state = { hi, lo, live: h.live, occupied: h.occupied, seedA: h.seedA, seedB: h.seedB };
    try {
      FingerprintSet.checkState(state);
    } catch (err) {
      throw new LookupSnapshotError((err as Error).message);
    }
    return state;
  };
  const exact = table(header.exact);
  const blinded = table(header.blinded);
  if (offset !== buffer.length) throw new LookupSnapshotError("trailing bytes after the snapshot tables");
  return { token: header.token, exact, blinded, cidrs: header.cidrs as string[] };
}
