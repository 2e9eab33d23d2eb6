import { InvalidIndicatorError } from "../model/errors.js";
import type { Indicator, Tlp } from "../model/indicator.js";
import { tlpOfTag } from "../model/tags.js";
import type { TagRefusal, Taxonomies } from "../intel/taxonomies.js";
import { buildIndicator, type IndicatorInput } from "../model/validate.js";
import { blindIndicator } from "./blinding.js";
import type { ScrubChange, ScrubDropReason, Scrubber } from "./scrubber.js";
import type { WarningHit } from "./warning-lists.js";

/**
 * What happens to an indicator before it may leave the node, in order: build and normalize it,
 * give it the default group, check the group, scrub it, blind it. The rules are here; what they
 * need of the chain (groups) and of the node's keys comes in as functions.
 */

/** What a client asks to publish: an indicator, optionally to be blinded for its group. */
export interface PublishInput extends IndicatorInput {
  /** Share a keyed hash of the value instead of the value (needs a group); see docs/privacy.md. */
  blind?: unknown;
}

/** Why a group cannot be published to. */
export type GroupRefusal = "UNKNOWN_GROUP" | "NOT_IN_GROUP" | "NO_GROUPS_CONTRACT";

/** Why a publish was refused before it reached the network. */
export type PublishRefusal = InvalidIndicatorError["reason"] | ScrubDropReason | GroupRefusal | TagRefusal | "TLP_CONFLICT";

export interface PreparationContext {
  orgId: string;
  /** The sharing group of AMBER statements that name none (privacy.defaultGroup). */
  defaultGroup: number | undefined;
  scrubber: Scrubber;
  /** The sharing groups on chain, or undefined without a SharingGroups contract. */
  groups: { get(id: number): unknown; isListed(group: number, org: string): boolean } | undefined;
  /** The key to blind an indicator with (its group's members as of now: privacy/blinding.ts). */
  blindingKeyFor(indicator: Indicator): Uint8Array;
  /** The shared vocabulary tags are checked against (intel/taxonomies.ts). */
  taxonomies: Taxonomies;
  now: number;
}

/** `warnings`: warning lists the value is on that do not refuse it (privacy/warning-lists.ts). */
export type PreparedIndicator = { indicator: Indicator; changes: ScrubChange[]; warnings: WarningHit[]; blindingKey?: Uint8Array };
export type Refusal<R> = { reason: R; field?: string; message: string };

/**
 * Whether this org may publish a statement of `tlp` to `group` (0: the whole consortium): the
 * group exists on chain and lists this org (receivers drop a group batch whose producer is not
 * in the group). TLP:RED stays on the node, so its group is never checked.
 */
export function groupRefusal(group: number, tlp: Tlp, context: Pick<PreparationContext, "orgId" | "groups">): Refusal<GroupRefusal> | undefined {
  if (group === 0 || tlp === "RED") return undefined;
  const groups = context.groups;
  if (!groups) return { reason: "NO_GROUPS_CONTRACT", field: "group", message: "this node has no SharingGroups contract configured (chain.groupsAddress)" };
  if (!groups.get(group)) return { reason: "UNKNOWN_GROUP", field: "group", message: `sharing group ${group} does not exist on chain` };
  if (!groups.isListed(group, context.orgId)) {
    return { reason: "NOT_IN_GROUP", field: "group", message: `this org is not a member of sharing group ${group}: it can share only with groups it belongs to` };
  }
  return undefined;
}

/** One indicator input through the rules, in order: build, default group, group check, scrub, blind. */
export function prepareIndicator(input: PublishInput, context: PreparationContext): PreparedIndicator | Refusal<PublishRefusal> {
  const { defaultGroup } = context;
  // A TLP tag (`tlp:amber`, as MISP writes TLP) is the indicator's TLP, never one of its tags.
  const fromTags = tlpFromTags(input);
  if ("reason" in fromTags) return fromTags;
  let indicator: Indicator;
  try {
    // A blinded input is keyed for a group: without one, it takes the default group too.
    const group = input.group ?? (input.blind === true ? defaultGroup : undefined);
    indicator = buildIndicator({ ...fromTags.input, group }, { producer: context.orgId, now: context.now, defaultGroup });
  } catch (err) {
    if (!(err instanceof InvalidIndicatorError)) throw err;
    return { reason: err.reason, field: err.field, message: err.message };
  }
  const checked = context.taxonomies.check(indicator.labels.tags);
  if (!checked.ok) return { reason: checked.reason, field: "labels.tags", message: checked.message };
  indicator = { ...indicator, labels: { ...indicator.labels, tags: [...new Set(checked.tags)].sort() } };
  if (input.blind !== undefined && typeof input.blind !== "boolean") return { reason: "BAD_VALUE", field: "blind", message: "blind must be true or false" };
  if (input.blind === true && indicator.group === 0) {
    return { reason: "GROUP_REQUIRED", field: "group", message: "a blinded indicator is keyed for a sharing group: give a group" };
  }
  const refused = groupRefusal(indicator.group, indicator.tlp, context);
  if (refused) return refused;
  // RED never leaves the node, so there is nothing to scrub it for.
  let changes: ScrubChange[] = [];
  let warnings: WarningHit[] = [];
  if (indicator.tlp !== "RED") {
    const scrubbed = context.scrubber.scrub(indicator);
    if (!scrubbed.kept) return { reason: scrubbed.reason, field: "value", message: scrubbed.message };
    indicator = scrubbed.indicator;
    changes = scrubbed.changes;
    warnings = scrubbed.warnings;
  }
  if (input.blind !== true) return { indicator, changes, warnings };
  const blindingKey = context.blindingKeyFor(indicator);
  return { indicator: blindIndicator(indicator, blindingKey), changes, warnings, blindingKey };
}

/**
 * The input with its TLP tags taken out of its tags and made its TLP: the TLP field and the tags
 * must agree when both are given, and so must the tags among themselves.
 */
export function tlpFromTags(input: PublishInput): { input: PublishInput } | Refusal<"TLP_CONFLICT"> {
  const tags = input.labels?.tags;
  if (!Array.isArray(tags)) return { input };
  const levels = new Set<Tlp>();
  const rest: unknown[] = [];
  for (const tag of tags) {
    const tlp = typeof tag === "string" ? tlpOfTag(tag.trim()) : undefined;
    if (tlp) levels.add(tlp);
    else rest.push(tag);
  }
  if (levels.size === 0) return { input };
  const [fromTag] = levels;
  const given = typeof input.tlp === "string" ? input.tlp.toUpperCase().replace(/^TLP:/, "") : input.tlp;
  if (levels.size > 1 || (given !== undefined && given !== fromTag)) {
    return { reason: "TLP_CONFLICT", field: "tlp", message: `the TLP tags (${[...levels].join(", ")}) and the TLP (${String(given ?? "none")}) disagree` };
  }
  return { input: { ...input, tlp: fromTag, labels: { ...input.labels, tags: rest } } };
}
