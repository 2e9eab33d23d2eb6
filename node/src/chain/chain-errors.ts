import { Interface } from "ethers";
import { SHARING_GROUPS_ABI } from "./groups-abi.js";
import { CONSORTIUM_REGISTRY_ABI } from "./registry-abi.js";

const interfaces = [new Interface(CONSORTIUM_REGISTRY_ABI), new Interface(SHARING_GROUPS_ABI)];

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
 * before sending, so the revert data is decoded here against both contracts' errors.
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
