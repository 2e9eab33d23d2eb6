import { Interface, formatUnits, type Result } from "ethers";
import { SHARING_GROUPS_ABI } from "./groups-abi.js";
import { bytes32ToOrgId } from "./member.js";
import { REPUTATION_ABI } from "./trust-abi.js";

/**
 * What a governed Call proposal will do, in words an admin can check before approving: the
 * contract, the function and each argument, decoded with the ABIs of the consortium's own
 * contracts. A call this version cannot decode is shown as such (never approved blind: the CLI
 * and dashboard say "not decoded").
 */
export interface DecodedCall {
  target: string;
  /** The consortium contract at `target`, when the deployment names it. */
  contract: "SharingGroups" | "Reputation" | undefined;
  /** Function name, or undefined when no known ABI has its selector. */
  function: string | undefined;
  /** Arguments by name, as text. */
  args: Record<string, string>;
  /** One line: `Reputation.setCredibility(orgId=acme, credibility=0.25)`. */
  summary: string;
}

export interface KnownContracts {
  groupsAddress?: string | undefined;
  reputationAddress?: string | undefined;
}

const INTERFACES = [
  ["SharingGroups", new Interface(SHARING_GROUPS_ABI)],
  ["Reputation", new Interface(REPUTATION_ABI)],
] as const;

/** Fixed-point arguments (1e18 = 1) shown as decimals; org ids (bytes32) as their text. */
const FIXED_POINT = new Set(["priorPositive", "priorNegative", "forgetting", "maxReportEvidence", "credibility"]);

function text(name: string, value: unknown): string {
  if (typeof value === "bigint") return FIXED_POINT.has(name) ? formatUnits(value, 18) : value.toString();
  if (typeof value === "string" && /^0x[0-9a-f]{64}$/i.test(value)) {
    try {
      return bytes32ToOrgId(value);
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return `[${value.map((v) => text(name, v)).join(", ")}]`;
  return String(value);
}

function argsOf(fragment: { inputs: ReadonlyArray<{ name: string; components?: ReadonlyArray<{ name: string }> | null }> }, values: Result): Record<string, string> {
  const out: Record<string, string> = {};
  fragment.inputs.forEach((input, i) => {
    const value = values[i];
    if (input.components && value && typeof value === "object") {
      input.components.forEach((component, j) => (out[component.name] = text(component.name, (value as Result)[j])));
    } else out[input.name] = text(input.name, value);
  });
  return out;
}

export function decodeCall(target: string, callData: string, known: KnownContracts = {}): DecodedCall {
  const contract =
    known.groupsAddress?.toLowerCase() === target.toLowerCase() ? "SharingGroups" : known.reputationAddress?.toLowerCase() === target.toLowerCase() ? "Reputation" : undefined;
  // The contract at the target first; the other known ABIs after (a deployment file may be missing).
  const candidates = [...INTERFACES].sort(([a]) => (a === contract ? -1 : 1));
  for (const [name, iface] of candidates) {
    let parsed;
    try {
      parsed = iface.parseTransaction({ data: callData });
    } catch {
      continue;
    }
    if (!parsed) continue;
    const args = argsOf(parsed.fragment, parsed.args);
    const label = contract ?? `${name}?`;
    return {
      target,
      contract,
      function: parsed.name,
      args,
      summary: `${label}.${parsed.name}(${Object.entries(args).map(([k, v]) => `${k}=${v}`).join(", ")})`,
    };
  }
  return { target, contract, function: undefined, args: {}, summary: `${target}: call not decoded (selector ${callData.slice(0, 10)})` };
}
