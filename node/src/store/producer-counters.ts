import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

export interface ProducerCounters {
  producer: string;
  batches: number;
  indicators: number;
  lastSequence: number;
  lastBatchAt: number;
}

/** Per-producer counters: how much each partner has shared with this node. */
export class ProducerCounterRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "producers");
  }

  async get(producer: string): Promise<ProducerCounters | undefined> {
    const bytes = await this.sublevel.get(producer);
    return bytes ? decodeJson<ProducerCounters>(bytes) : undefined;
  }

  putOp(counters: ProducerCounters): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: counters.producer, value: encodeJson(counters) };
  }

  async all(): Promise<ProducerCounters[]> {
    const out: ProducerCounters[] = [];
    for await (const value of this.sublevel.values()) out.push(decodeJson<ProducerCounters>(value));
    return out;
  }
}
