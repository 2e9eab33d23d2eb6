import { Interface } from "ethers";
import { SHARING_GROUPS_ABI } from "./groups-abi.js";
import { CONSORTIUM_REGISTRY_ABI } from "./registry-abi.js";
import { AUDIT_TRAIL_ABI, REPUTATION_ABI } from "./trust-abi.js";

const interfaces = [CONSORTIUM_REGISTRY_ABI, SHARING_GROUPS_ABI, REPUTATION_ABI, AUDIT_TRAIL_ABI].map((abi) => new Interface(abi));

/** A contract refused a transaction of this node; `reason` is the contract's custom error. */
export class ChainRefusedError extends Error {
  override readonly name = "ChainRefusedError";
  constructor(
    readonly reason: string,
    readonly args: unknown[],
  ) {
    super(`the chain refused: ${reason}(${args.map(String).join(", ")})`);
  }
}

/**
 * The contract error behind an ethers failure, if it is one of ours. ethers decodes custom
 * errors of calls it makes through a Contract, but not of the gas estimation a signer runs
 * before sending, so the revert data is decoded here against every contract's errors.
 */
export function chainRefusal(err: unknown): ChainRefusedError | undefined {
  const data = (err as { data?: unknown }).data;
  if (typeof data !== "string" || data.length < 10) return undefined;
  for (const iface of interfaces) {
    const parsed = iface.parseError(data);
    if (parsed) return new ChainRefusedError(parsed.name, [...parsed.args]);
  }
  return undefined;
}
