import type { ObjectEdge } from "../model/stix-object.js";
import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The intelligence graph's edges, both ways: `o <from> <to> <via>` and `i <to> <from> <via>`,
 * each holding the edge's label, so that an object's neighbours on either side are one key range.
 * Ids hold no spaces (STIX ids are type--uuid), so a space ends each part.
 */
export class ObjectEdgeIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "object-edges");
  }

  putOps(edge: ObjectEdge): WriteOp[] {
    const value = encoder.encode(edge.label);
    return [
      { type: "put", sublevel: this.sublevel, key: `o ${edge.from} ${edge.to} ${edge.via}`, value },
      { type: "put", sublevel: this.sublevel, key: `i ${edge.to} ${edge.from} ${edge.via}`, value },
    ];
  }

  delOps(edge: ObjectEdge): WriteOp[] {
    return [
      { type: "del", sublevel: this.sublevel, key: `o ${edge.from} ${edge.to} ${edge.via}` },
      { type: "del", sublevel: this.sublevel, key: `i ${edge.to} ${edge.from} ${edge.via}` },
    ];
  }

  /** Edges touching `id` (out of it and into it), at most `limit` each way. */
  async around(id: string, limit: number): Promise<ObjectEdge[]> {
    const edges: ObjectEdge[] = [];
    for (const side of ["o", "i"] as const) {
      const prefix = `${side} ${id} `;
      for await (const [key, value] of this.sublevel.iterator({ gte: prefix, lt: `${prefix}\xff`, limit })) {
        const [, , other, via] = key.split(" ");
        const label = decoder.decode(value);
        edges.push(side === "o" ? { from: id, to: other!, via: via!, label } : { from: other!, to: id, via: via!, label });
      }
    }
    return edges;
  }
}
