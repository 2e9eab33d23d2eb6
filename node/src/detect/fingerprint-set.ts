import { randomBytes } from "node:crypto";

/**
 * A set of strings held as 64-bit fingerprints in an open-addressing table: 8 bytes a slot, at
 * most half the slots used, so about 16-32 bytes an entry, against about 150 for a JavaScript
 * string in a Set (measured in node/bench/match.bench.ts). The price: `has` may answer true for a
 * string that was never added, with a probability of about n / 2^64 per lookup (1 in 10^13 with
 * a million entries). Every caller confirms a hit against the store (a record is read by the id
 * the value derives), so a false hit costs one read and is never reported; the hash is seeded at
 * random per process, so nobody can aim at one.
 */
export class FingerprintSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  /** Slots holding a fingerprint. */
  private live = 0;
  /** Slots holding a fingerprint or a tombstone (a deleted entry that probes must step over). */
  private occupied = 0;
  private readonly seedA: number;
  private readonly seedB: number;
  // The fingerprint of the last string hashed (two 32-bit halves; avoids allocating a pair).
  private fa = 0;
  private fb = 0;

  constructor(initialCapacity = 1024, state?: FingerprintSetState) {
    if (state) {
      this.hi = state.hi;
      this.lo = state.lo;
      this.live = state.live;
      this.occupied = state.occupied;
      this.seedA = state.seedA;
      this.seedB = state.seedB;
      return;
    }
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity * 2)));
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    const seed = randomBytes(8);
    this.seedA = seed.readUInt32LE(0);
    this.seedB = seed.readUInt32LE(4);
  }

  /**
   * The table as it is, seeds included, to be saved and given back to the constructor: a node
   * restarting on a million indicators loads 16 MB instead of reading every record. The seeds
   * stay on the node's own disk, next to the data they index.
   */
  state(): FingerprintSetState {
    return { hi: this.hi, lo: this.lo, live: this.live, occupied: this.occupied, seedA: this.seedA, seedB: this.seedB };
  }

  /** Throws unless `state` is a table this class could have made (a file may be damaged). */
  static checkState(state: FingerprintSetState): void {
    const size = state.hi.length;
    const ok =
      size >= 16 &&
      (size & (size - 1)) === 0 &&
      state.lo.length === size &&
      Number.isInteger(state.live) &&
      Number.isInteger(state.occupied) &&
      state.live >= 0 &&
      state.live <= state.occupied &&
      state.occupied * 2 <= size &&
      Number.isInteger(state.seedA) &&
      Number.isInteger(state.seedB);
    if (!ok) throw new RangeError("not a fingerprint table: sizes or counts are inconsistent");
  }

  get size(): number {
    return this.live;
  }

  /** Adds `prefix` + `text` (a small number, such as a type code, and a string); true if it was new. */
  add(prefix: number, text: string): boolean {
    // Past half full (tombstones count: they lengthen probes), grow, or just sweep tombstones.
    if ((this.occupied + 1) * 2 > this.hi.length) this.resize((this.live + 1) * 4 > this.hi.length ? this.hi.length * 2 : this.hi.length);
    this.fingerprint(prefix, text);
    const mask = this.hi.length - 1;
    let tombstone = -1;
    for (let slot = this.fa & mask; ; slot = (slot + 1) & mask) {
      const h = this.hi[slot]!;
      const l = this.lo[slot]!;
      if (h === 0 && l === 0) {
        const target = tombstone >= 0 ? tombstone : slot;
        if (tombstone < 0) this.occupied++;
        this.hi[target] = this.fa;
        this.lo[target] = this.fb;
        this.live++;
        return true;
      }
      if (h === 0 && l === TOMBSTONE) {
        if (tombstone < 0) tombstone = slot;
      } else if (h === this.fa && l === this.fb) return false;
    }
  }

  has(prefix: number, text: string): boolean {
    this.fingerprint(prefix, text);
    return this.find() >= 0;
  }

  /** Removes `prefix` + `text`; true if it was there. */
  delete(prefix: number, text: string): boolean {
    this.fingerprint(prefix, text);
    const slot = this.find();
    if (slot < 0) return false;
    this.hi[slot] = 0;
    this.lo[slot] = TOMBSTONE;
    this.live--;
    return true;
  }

  private find(): number {
    const mask = this.hi.length - 1;
    for (let slot = this.fa & mask; ; slot = (slot + 1) & mask) {
      const h = this.hi[slot]!;
      const l = this.lo[slot]!;
      if (h === 0 && l === 0) return -1;
      if (h === this.fa && l === this.fb) return slot;
    }
  }

  /**
   * Two independent 32-bit hashes of the UTF-16 code units, each with its own random seed and
   * multiplier, finished with murmur3's avalanche. The high half is never 0, which marks empty
   * slots (lo 0) and tombstones (lo 1).
   */
  private fingerprint(prefix: number, text: string): void {
    let a = this.seedA ^ Math.imul(prefix + 1, 0x9e3779b1);
    let b = this.seedB ^ Math.imul(prefix + 1, 0x85ebca77);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul((b ^ c) + ((b << 5) | (b >>> 27)), 0x5bd1e995);
    }
    a = avalanche(a ^ text.length);
    b = avalanche(b ^ Math.imul(text.length, 0xc2b2ae35));
    this.fa = a === 0 ? 1 : a >>> 0;
    this.fb = b >>> 0;
  }

  private resize(size: number): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.occupied = this.live;
    const mask = size - 1;
    for (let i = 0; i < oldHi.length; i++) {
      const h = oldHi[i]!;
      if (h === 0) continue;
      let slot = h & mask;
      while (this.hi[slot] !== 0) slot = (slot + 1) & mask;
      this.hi[slot] = h;
      this.lo[slot] = oldLo[i]!;
    }
  }
}

export interface FingerprintSetState {
  hi: Uint32Array;
  lo: Uint32Array;
  live: number;
  occupied: number;
  seedA: number;
  seedB: number;
}

const TOMBSTONE = 1;

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
