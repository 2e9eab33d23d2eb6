import { createHash } from "node:crypto";

/** A deterministic byte stream for ring signature test vectors only (never for real signatures). */
export function seededBytes(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 64) {
      const block = createHash("sha512").update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(64, n - at)), at);
    }
    return out;
  };
}

export const seed32 = (text: string) => new Uint8Array(createHash("sha256").update(text).digest());
