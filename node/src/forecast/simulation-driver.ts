import { createHash } from "node:crypto";
import type { ForecastSubject } from "../model/forecast.js";
import type { SimulatedHistory } from "./consortium-simulator.js";

/**
 * Drives a running consortium with a simulated history, through each node's public HTTP API
 * only: each simulated partner is a real node; the partner that sights a subject first publishes
 * it as an indicator (with its family and techniques as labels), and then every partner reports
 * its sightings with the time they were seen, shifted so that the history ends now. What the
 * nodes then hold is what they would after living through it (minus the order batches arrived in).
 */

export interface DrivenNode {
  url: string;
  org: string;
  /** Sent as a bearer token when the node requires one. */
  token?: string;
}

export class SimulationDriveError extends Error {
  override readonly name = "SimulationDriveError";
}

/** A simulated subject as a value a node accepts: a domain under sim.example, or a SHA-256. */
export function simulatedValue(subject: ForecastSubject): { type: "domain" | "sha256"; value: string } {
  if (subject.type === "sha256") return { type: "sha256", value: createHash("sha256").update(subject.id).digest("hex") };
  return { type: "domain", value: `${subject.id.toLowerCase().replace(/[^a-z0-9-]/g, "-")}.sim.example` };
}

async function call(node: DrivenNode, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${node.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(node.token ? { authorization: `Bearer ${node.token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status >= 300 && response.status !== 207) throw new SimulationDriveError(`${node.org}: ${path} answered ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`);
  return answer;
}

export async function driveConsortium(
  history: SimulatedHistory,
  nodes: readonly DrivenNode[],
  options: { now: number; waitForIndicators: () => Promise<void>; onProgress?: (done: number, total: number) => void },
): Promise<{ indicators: number; sightings: number; problems: string[] }> {
  const nodeOf = new Map(nodes.map((n) => [n.org, n]));
  for (const p of history.partners) if (!nodeOf.has(p.org)) throw new SimulationDriveError(`the simulation has partner ${p.org}, which no node given is`);
  const shift = options.now - history.end;
  const subjects = new Map(history.subjects.map((s) => [s.id, s]));
  const firstBy = new Map<string, string>();
  const firstAt = new Map<string, number>();
  for (const s of [...history.sightings].sort((a, b) => a.at - b.at)) {
    if (firstBy.has(s.subject)) continue;
    firstBy.set(s.subject, s.org);
    firstAt.set(s.subject, s.at + shift);
  }
  const byPublisher = new Map<string, ForecastSubject[]>();
  for (const [id, org] of firstBy) byPublisher.set(org, [...(byPublisher.get(org) ?? []), subjects.get(id)!]);
  const problems: string[] = [];
  let indicators = 0;
  for (const [org, list] of byPublisher) {
    for (let i = 0; i < list.length; i += 1000) {
      const chunk = list.slice(i, i + 1000).map((subject) => ({
        ...simulatedValue(subject),
        confidence: 70,
        tlp: "GREEN",
        validFrom: firstAt.get(subject.id)! - 3_600_000,
        labels: { malwareFamilies: subject.family ? [subject.family] : [], attackTechniques: subject.techniques, tags: (subject.actors ?? []).map((a) => `misp-galaxy:threat-actor="${a}"`) },
      }));
      const answer = (await call(nodeOf.get(org)!, "/indicators", { indicators: chunk })) as { published?: number; results?: Array<{ ok: boolean; message?: string }> };
      indicators += answer.published ?? 0;
      for (const r of answer.results ?? []) if (!r.ok) problems.push(`${org}: ${r.message ?? "refused"}`);
    }
  }
  await options.waitForIndicators();
  const byOrg = new Map<string, Array<{ value: string; type: string; kind: string; observedAt: number }>>();
  for (const s of history.sightings) {
    const { type, value } = simulatedValue(subjects.get(s.subject)!);
    byOrg.set(s.org, [...(byOrg.get(s.org) ?? []), { value, type, kind: s.falsePositive ? "false-positive" : "sighting", observedAt: s.at + shift }]);
  }
  let sightings = 0;
  for (const [org, list] of byOrg) {
    for (let i = 0; i < list.length; i += 2000) {
      const answer = (await call(nodeOf.get(org)!, "/sightings", { sightings: list.slice(i, i + 2000) })) as { recorded?: number; problems?: Array<{ message: string }> };
      sightings += answer.recorded ?? 0;
      for (const p of answer.problems ?? []) problems.push(`${org}: ${p.message}`);
      options.onProgress?.(sightings, history.sightings.length);
    }
  }
  return { indicators, sightings, problems };
}
