import { peerIdFromMultihash, peerIdFromString } from "@libp2p/peer-id";
import type { PeerId } from "@libp2p/interface";
import { decodeBytes32String, encodeBytes32String, getBytes, hexlify } from "ethers";
import * as Digest from "multiformats/hashes/digest";
import { MEMBER_STATUSES, type MemberStatus, type RawMember } from "./registry-abi.js";

/** A member record as the node uses it, decoded from the registry's tuple. */
export interface Member {
  orgId: string;
  displayName: string;
  country: string;
  sector: string;
  status: MemberStatus;
  wallet: string;
  signingKey: Uint8Array;
  encryptionKey: Uint8Array;
  /** libp2p peer id string, or undefined when the bytes on chain are not a peer id. */
  peerId: string | undefined;
  multiaddrs: string[];
  joinedAt: number;
  updatedAt: number;
}

export function orgIdToBytes32(orgId: string): string {
  return encodeBytes32String(orgId);
}

export function bytes32ToOrgId(value: string): string {
  return decodeBytes32String(value);
}

export function peerIdToBytes(peerId: PeerId | string): string {
  const id = typeof peerId === "string" ? peerIdFromString(peerId) : peerId;
  return hexlify(id.toMultihash().bytes);
}

export function peerIdFromBytes(bytes: string): string | undefined {
  try {
    return peerIdFromMultihash(Digest.decode(getBytes(bytes))).toString();
  } catch {
    return undefined;
  }
}

/** Decodes the registry's Member tuple (an ethers Result). */
export function decodeMember(raw: RawMember): Member {
  return {
    orgId: bytes32ToOrgId(raw.orgId),
    displayName: raw.displayName,
    country: raw.country,
    sector: raw.sector,
    status: MEMBER_STATUSES[Number(raw.status)] ?? "none",
    wallet: raw.wallet,
    signingKey: getBytes(raw.signingKey),
    encryptionKey: getBytes(raw.encryptionKey),
    peerId: peerIdFromBytes(raw.peerId),
    multiaddrs: [...raw.multiaddrs],
    joinedAt: Number(raw.joinedAt) * 1000,
    updatedAt: Number(raw.updatedAt) * 1000,
  };
}
