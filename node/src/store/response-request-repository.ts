import type { ResponseRequest } from "../model/response.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel } from "./db.js";

/** Coordinated response requests (response/), received and made, with every acknowledgement, by id, in `response-requests`. */
export class ResponseRequestRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "response-requests");
  }

  async get(id: string): Promise<ResponseRequest | undefined> {
    const bytes = await this.sublevel.get(id);
    return bytes ? decodeJson<ResponseRequest>(bytes) : undefined;
  }

  async put(request: ResponseRequest): Promise<void> {
    await this.sublevel.put(request.id, encodeJson(request));
  }

  async all(): Promise<ResponseRequest[]> {
    const out: ResponseRequest[] = [];
    for await (const value of this.sublevel.values()) out.push(decodeJson<ResponseRequest>(value));
    return out.sort((a, b) => b.receivedAt - a.receivedAt);
  }
}
