import { versionKey } from "../model/stix-object.js";
import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

const decoder = new TextDecoder();

/**
 * The canonical JSON of every object version each producer stated, keyed `<id> <producer>
 * <version>` (the version normalized to sort in time order): what TAXII serves and exports
 * write, byte for byte what the producer signed.
 */
export class ObjectVersionRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "object-versions");
  }

  private static key(id: string, producer: string, version: string): string {
    return `${id} ${producer} ${versionKey(version)}`;
  }

  putOp(id: string, producer: string, version: string, json: string): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: ObjectVersionRepository.key(id, producer, version), value: Buffer.from(json, "utf8") };
  }

  async get(id: string, producer: string, version: string): Promise<string | undefined> {
    return (await this.getMany([{ id, producer, version }]))[0];
  }

  async getMany(keys: Array<{ id: string; producer: string; version: string }>): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    const values = await this.sublevel.getMany(keys.map((k) => ObjectVersionRepository.key(k.id, k.producer, k.version)));
    return values.map((bytes) => (bytes ? decoder.decode(bytes) : undefined));
  }
}
