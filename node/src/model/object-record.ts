import type { Tlp } from "./indicator.js";
import { versionKey, type ObjectEdge } from "./stix-object.js";

/**
 * What the node holds of one STIX object (one id): every version every producer stated, who may
 * version it, and which version it shows. Pure rules over those statements, so that every node
 * holding the same statements shows the same version, whatever order they arrived in.
 *
 * Authority. An object whose `created_by_ref` is a member's own identity (model/stix-object.ts
 * orgIdentityId) belongs to that member: the validation pipeline refuses such an object from
 * anyone else. Any other object (third-party intelligence: ATT&CK's, a vendor's) belongs to the
 * org that first published it on the exchange, by the time its producer signed the batch (ties
 * by org id). Only the owner's versions become the object; a statement of the same id by another
 * org is kept with its provenance and shown as such, as indicators from several producers are.
 */

/** One version of one object as one producer stated it. */
export interface ObjectStatement {
  producer: string;
  /** The object's version (model/stix-object.ts versionOf); "" for an unversioned object. */
  version: string;
  /** SHA-256 (hex) of the object's canonical JSON: two statements of one version with other content differ here. */
  hash: string;
  tlp: Tlp;
  /** Sharing group of the batch it travelled in; 0 for an open batch or a local (RED) object. */
  group: number;
  /** Whether its `created_by_ref` is the producer's own identity. */
  authored: boolean;
  revoked: boolean;
  /** Its short name (model/stix-object.ts displayName), to list and search by. */
  name: string;
  /** Its tags (labels, PAP), to search by; absent in statements stored before they were kept. */
  tags?: string[];
  /** When the producer signed the batch (Unix ms); when stored, for a local object. */
  signedAt: number;
  /** Where it can be proven: the producer's batch and the object's leaf; 0 and 0 for a local object. */
  sequence: number;
  leaf: number;
  /** When this node stored it (Unix ms) and the store's write revision (µs). */
  receivedAt: number;
  revision: number;
}

export interface ObjectRecord {
  id: string;
  type: string;
  /** Every statement, sorted by producer then version. */
  statements: ObjectStatement[];
  /** The org whose versions are the object's. */
  owner: string;
  /** The last write that changed anything of the record (µs): its place in the by-time index. */
  revision: number;
  /** The graph edges of the current version (currentStatement), as the graph index holds them. */
  edges: ObjectEdge[];
  /** Ids of the exchange's indicator records its patterns name (an indicator object's atoms), any version. */
  links: string[];
}

/** Two statements are the same one when producer, version and content agree. */
function sameStatement(a: ObjectStatement, b: ObjectStatement): boolean {
  return a.producer === b.producer && a.version === b.version && a.hash === b.hash;
}

function compareStatements(a: ObjectStatement, b: ObjectStatement): number {
  if (a.producer !== b.producer) return a.producer < b.producer ? -1 : 1;
  const va = versionKey(a.version);
  const vb = versionKey(b.version);
  if (va !== vb) return va < vb ? -1 : 1;
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0;
}

/**
 * The owner of an object with these statements: the producer of an authored statement if there
 * is one, else the producer of the earliest signed statement (ties by org id).
 */
export function ownerOf(statements: readonly ObjectStatement[]): string {
  const authored = statements.find((s) => s.authored);
  if (authored) return authored.producer;
  let first = statements[0]!;
  for (const s of statements) if (s.signedAt < first.signedAt || (s.signedAt === first.signedAt && s.producer < first.producer)) first = s;
  return first.producer;
}

/**
 * Adds a statement to what is held of its object (or starts the record). A statement already
 * held is a no-op (returns `changed: false`). Two statements of one version by one producer with
 * other content keep the one with the smaller hash, on every node alike; `conflict` says so.
 */
export function addStatement(
  record: ObjectRecord | undefined,
  id: string,
  type: string,
  statement: ObjectStatement,
): { record: ObjectRecord; changed: boolean; conflict: boolean } {
  const statements = record ? [...record.statements] : [];
  if (statements.some((s) => sameStatement(s, statement))) return { record: record!, changed: false, conflict: false };
  let conflict = false;
  const rival = statements.findIndex((s) => s.producer === statement.producer && s.version === statement.version);
  if (rival >= 0) {
    conflict = true;
    if (statements[rival]!.hash < statement.hash) return { record: record!, changed: false, conflict };
    statements.splice(rival, 1);
  }
  statements.push(statement);
  statements.sort(compareStatements);
  return {
    record: {
      id,
      type: record?.type ?? type,
      statements,
      owner: ownerOf(statements),
      revision: Math.max(record?.revision ?? 0, statement.revision),
      edges: record?.edges ?? [],
      links: record?.links ?? [],
    },
    changed: true,
    conflict,
  };
}

/**
 * The statement an object shows, among those `visible` lets through: the owner's latest version.
 * Undefined when no statement of the owner is visible (a later, more restricted version hides
 * nothing of an earlier one an audience had: it sees that earlier one).
 */
export function currentStatement(record: ObjectRecord, visible: (s: ObjectStatement) => boolean = () => true): ObjectStatement | undefined {
  let current: ObjectStatement | undefined;
  for (const s of record.statements) {
    if (s.producer !== record.owner || !visible(s)) continue;
    if (!current || versionKey(s.version) > versionKey(current.version) || (s.version === current.version && s.hash < current.hash)) current = s;
  }
  return current;
}

/** The owner's versions visible through `visible`, oldest first. */
export function ownerVersions(record: ObjectRecord, visible: (s: ObjectStatement) => boolean = () => true): ObjectStatement[] {
  return record.statements.filter((s) => s.producer === record.owner && visible(s));
}

/** Statements of other orgs than the owner (kept with their provenance), visible through `visible`. */
export function otherStatements(record: ObjectRecord, visible: (s: ObjectStatement) => boolean = () => true): ObjectStatement[] {
  return record.statements.filter((s) => s.producer !== record.owner && visible(s));
}
