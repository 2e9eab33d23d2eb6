/**
 * store/ owns the node's LevelDB: one repository per bucket (sublevel), each owning its key
 * layout and encoding, and a facade (IndicatorStore) that writes what belongs together in one
 * atomic batch. Nothing else touches LevelDB.
 */
import { Level } from "level";

export type Database = Level<string, Uint8Array>;

/** A put or delete aimed at one bucket, collected by repositories and written in one batch. */
export type WriteOp =
  | { type: "put"; sublevel: Sublevel; key: string; value: Uint8Array }
  | { type: "del"; sublevel: Sublevel; key: string };

/**
 * LevelDB's write buffer (its in-memory table before it becomes a table file). At LevelDB's
 * default of 4 MiB a node receiving at full speed flushed and compacted so often that LevelDB's
 * background thread took a fifth of all CPU; 32 MiB took ingest of 300,000 indicators from
 * about 71,000 to 77,000 ind/s (node/bench/ingest.bench.ts). It costs up to twice that in memory
 * while writing (the table being filled and the one being flushed), none when idle after a restart.
 */
const WRITE_BUFFER_BYTES = 32 * 1024 * 1024;

export async function openDatabase(path: string): Promise<Database> {
  const db = new Level<string, Uint8Array>(path, { keyEncoding: "utf8", valueEncoding: "view", writeBufferSize: WRITE_BUFFER_BYTES });
  await db.open();
  return db;
}

/** The buckets of each database, to reopen with it (a sublevel stays closed when its database reopens). */
const bucketsOf = new WeakMap<Database, Sublevel[]>();

const sublevelOf = (db: Database, name: string) => db.sublevel<string, Uint8Array>(name, { keyEncoding: "utf8", valueEncoding: "view" });

export type Sublevel = ReturnType<typeof sublevelOf>;

export function bucket(db: Database, name: string): Sublevel {
  const sublevel = sublevelOf(db, name);
  bucketsOf.set(db, [...(bucketsOf.get(db) ?? []), sublevel]);
  return sublevel;
}

/** Closes and opens `db` and every bucket of it: LevelDB then lets go of the table files it had mapped. */
export async function reopenDatabase(db: Database): Promise<void> {
  await db.close();
  await db.open();
  await Promise.all((bucketsOf.get(db) ?? []).map((sublevel) => sublevel.open()));
}

const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  // Buffer.from is about 20% faster than TextEncoder here, and every stored record goes through it.
  return Buffer.from(JSON.stringify(value), "utf8");
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

/** Fixed-width, lexicographically sortable decimal: keys sort in numeric order. */
export function sortableNumber(n: number, width = 16): string {
  return n.toString().padStart(width, "0");
}

/** Key of a producer's batch in every bucket keyed by batch: sorts by producer, then sequence. */
export function batchKey(producer: string, sequence: number): string {
  return `${producer}:${sortableNumber(sequence, 20)}`;
}
