import type { SealRecipient } from "../wire/sealed.js";
import { isUsableEncryptionKey } from "../wire/key-checks.js";

/** What sealing needs to know of the chain: who is active, and their X25519 keys. */
export interface RecipientDirectory {
  isActive(org: string): boolean;
  encryptionKey(org: string): Uint8Array | undefined;
}

/**
 * Who a batch for a group is sealed for, decided at signing time: the group's members that are
 * active members of the consortium now, plus the producer itself (so that its own node can read
 * its batches again). An org removed from the group, or suspended, is not among them, so it
 * cannot read anything sealed afterwards. Orgs without a usable key are left out. Pure.
 */
export function sealRecipients(groupMembers: readonly string[], producer: string, directory: RecipientDirectory): SealRecipient[] {
  const orgs = new Set(groupMembers.filter((org) => directory.isActive(org)));
  orgs.add(producer);
  return [...orgs].sort().flatMap((org) => {
    const encryptionKey = directory.encryptionKey(org);
    // A key of small order (which the registry now refuses, but an older chain may hold) would
    // make the key agreement fail and with it the whole group's batch: that org is left out.
    if (!encryptionKey || !isUsableEncryptionKey(encryptionKey)) return [];
    return [{ org, encryptionKey }];
  });
}
