import { hash } from "node:crypto";
import { CanonicalWriter } from "./canonical.js";

/**
 * The deployment a batch belongs to: a hash of the ledger's chain id and the address of its
 * ConsortiumRegistry, which every member knows from its deployment file. Producers sign it with
 * every batch, so that a batch signed for one consortium (a test network, a sister consortium
 * where the same org shares a key) cannot be replayed into another.
 */
export const DEPLOYMENT_ID_LENGTH = 32;
const DEPLOYMENT_TAG = "cti-exchange/deployment/v1";

export function deploymentId(chainId: number | bigint, registryAddress: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(registryAddress)) throw new RangeError(`"${registryAddress}" is not a registry address`);
  const writer = new CanonicalWriter().tag(DEPLOYMENT_TAG).u64(Number(chainId)).bytes(Buffer.from(registryAddress.slice(2).toLowerCase(), "hex"));
  return hash("sha256", writer.finish(), "buffer");
}
