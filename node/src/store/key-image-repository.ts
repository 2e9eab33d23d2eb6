import { bucket, decodeJson, encodeJson, type Sublevel, type Database, type WriteOp } from "./db.js";

/**
 * Key images of the anonymous sightings accepted (`anonymous-key-images`), so that a member's
 * second anonymous sighting in one scope (indicator, epoch) is refused: the key image is the same.
 * Keyed by the key image; the value says the scope, to prune by epoch.
 */
export interface KeyImageEntry {
  indicatorId: string;
  epoch: number;
  acceptedAt: number;
}

export class KeyImageRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "anonymous-key-images");
  }

  async has(keyImage: string): Promise<boolean> {
    return (await this.sublevel.get(keyImage)) !== undefined;
  }

  async get(keyImage: string): Promise<KeyImageEntry | undefined> {
    const bytes = await this.sublevel.get(keyImage);
    return bytes ? decodeJson<KeyImageEntry>(bytes) : undefined;
  }

  putOp(keyImage: string, entry: KeyImageEntry): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: keyImage, value: encodeJson(entry) };
  }
}
