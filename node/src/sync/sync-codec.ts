/**
 * sync/ owns catch-up: the request/response protocol with which a node that was offline, or is
 * new, fetches the signed batches it missed from any member that holds them, verifies each with
 * the gossip pipeline, and converges with the others. This file is its wire format.
 */
import { ctiType } from "../wire/proto.js";
import type protobuf from "protobufjs";
import { WireDecodeError } from "../wire/codec.js";

const RequestType = ctiType("SyncRequest");
const StatusType = ctiType("SyncStatus");
const ItemType = ctiType("SyncItem");

export const SYNC_PROTOCOL = "/cti-exchange/sync/1";

export type SyncRequest = { kind: "status" } | { kind: "range"; producer: string; fromSequence: number; limit: number };
export type SyncItem = { kind: "batch"; bytes: Uint8Array } | { kind: "withheld"; sequence: number } | { kind: "end"; nextSequence: number; more: boolean };

const TO_OBJECT = { longs: Number, defaults: false, oneofs: true } as const;

function decode<T>(type: protobuf.Type, bytes: Uint8Array, what: string): T {
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT) as T;
  } catch (err) {
    throw new WireDecodeError(`not a ${what}: ${(err as Error).message}`);
  }
}

export function encodeSyncRequest(request: SyncRequest): Uint8Array {
  const message =
    request.kind === "status"
      ? { status: {} }
      : { range: { producer: request.producer, fromSequence: request.fromSequence, limit: request.limit } };
  return RequestType.encode(RequestType.fromObject(message)).finish();
}

export function decodeSyncRequest(bytes: Uint8Array): SyncRequest {
  const raw = decode<{ request?: string; range?: { producer?: string; fromSequence?: number; limit?: number } }>(RequestType, bytes, "SyncRequest");
  if (raw.request === "status") return { kind: "status" };
  if (raw.request === "range" && raw.range) {
    return { kind: "range", producer: raw.range.producer ?? "", fromSequence: raw.range.fromSequence ?? 0, limit: raw.range.limit ?? 0 };
  }
  throw new WireDecodeError("a SyncRequest asks for a status or a range");
}

export function encodeSyncStatus(producers: Array<{ producer: string; lastSequence: number }>): Uint8Array {
  return StatusType.encode(StatusType.fromObject({ producers })).finish();
}

export function decodeSyncStatus(bytes: Uint8Array): Array<{ producer: string; lastSequence: number }> {
  const raw = decode<{ producers?: Array<{ producer?: string; lastSequence?: number }> }>(StatusType, bytes, "SyncStatus");
  return (raw.producers ?? []).map((p) => ({ producer: p.producer ?? "", lastSequence: p.lastSequence ?? 0 }));
}

export function encodeSyncItem(item: SyncItem): Uint8Array {
  const message =
    item.kind === "batch" ? { batch: item.bytes } : item.kind === "withheld" ? { withheld: item.sequence } : { end: { nextSequence: item.nextSequence, more: item.more } };
  return ItemType.encode(ItemType.fromObject(message)).finish();
}

export function decodeSyncItem(bytes: Uint8Array): SyncItem {
  const raw = decode<{ item?: string; batch?: Uint8Array; withheld?: number; end?: { nextSequence?: number; more?: boolean } }>(ItemType, bytes, "SyncItem");
  if (raw.item === "batch" && raw.batch) return { kind: "batch", bytes: new Uint8Array(raw.batch) };
  if (raw.item === "withheld" && raw.withheld !== undefined) return { kind: "withheld", sequence: raw.withheld };
  if (raw.item === "end") return { kind: "end", nextSequence: raw.end?.nextSequence ?? 0, more: raw.end?.more ?? false };
  throw new WireDecodeError("a SyncItem is a batch, a withheld sequence or an end");
}
