import { recordUuid } from "../model/indicator-id.js";
import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

/**
 * record UUID -> record id. Formats that name objects by UUID (TAXII's objects/<id>/) give back
 * the UUID a record was shown under, which is a one-way function of its id: without this index a
 * lookup, even of a UUID that is not there, walked every record. Written with the record when
 * it is first stored and deleted when it is pruned, in the same atomic writes.
 */
export class RecordUuidIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "by-uuid");
  }

  async idOf(uuid: string): Promise<string | undefined> {
    const bytes = await this.sublevel.get(uuid.toLowerCase());
    return bytes ? Buffer.from(bytes).toString("utf8") : undefined;
  }

  putOp(id: string): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: recordUuid(id), value: Buffer.from(id, "utf8") };
  }

  delOp(id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: recordUuid(id) };
  }

  async *entries(): AsyncGenerator<{ uuid: string; id: string }> {
    for await (const [uuid, bytes] of this.sublevel.iterator()) yield { uuid, id: Buffer.from(bytes).toString("utf8") };
  }
}
