import type { Draft } from "../model/draft.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel } from "./db.js";

/** Drafts of reports (model/draft.ts), by id, in the `drafts` bucket: kept until discarded. */
export class DraftRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "drafts");
  }

  async get(id: string): Promise<Draft | undefined> {
    const bytes = await this.sublevel.get(id);
    return bytes ? decodeJson<Draft>(bytes) : undefined;
  }

  async put(draft: Draft): Promise<void> {
    await this.sublevel.put(draft.id, encodeJson(draft));
  }

  async delete(id: string): Promise<void> {
    await this.sublevel.del(id);
  }

  /** Every draft, newest first. */
  async list(): Promise<Draft[]> {
    const out: Draft[] = [];
    for await (const value of this.sublevel.values()) out.push(decodeJson<Draft>(value));
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }
}
