import { EventEmitter } from "node:events";
import { Interface, type JsonRpcProvider, type Log } from "ethers";
import type { ChainView } from "./chain-follower.js";
import { registryContract, type RegistryContract } from "./governance.js";
import type { ProducerView } from "../gossip/validation.js";
import { bytes32ToOrgId, decodeMember, orgIdToBytes32, type Member } from "./member.js";
import { CONSORTIUM_REGISTRY_ABI, MEMBER_EVENTS } from "./registry-abi.js";
import { isUsableSigningKey } from "../wire/key-checks.js";
import { bytesEqual } from "../wire/bytes.js";
import { orgIdentityId } from "../model/stix-object.js";

/** Signing keys kept per member after it rotated them: enough to tell a lagging relay from a forger. */
const PREVIOUS_KEYS_KEPT = 8;

export interface MembershipInit {
  registryAddress: string;
  /** Members per listMembers call when loading everything. */
  pageSize?: number;
}

export interface MembershipComponents {
  provider: JsonRpcProvider;
}

export interface MembershipEvents {
  /** A member's record changed on chain (admitted, status, keys or node addresses). */
  "member-changed": [current: Member, previous: Member | undefined];
}

/**
 * The node's view of the consortium: every member record, loaded once and then kept current from
 * the registry's events by the ChainFollower. Lookups are synchronous and in memory, so the
 * gossip validation and the connection gater never wait on the chain.
 */
export class Membership extends EventEmitter<MembershipEvents> implements ChainView {
  private readonly registry: RegistryContract;
  private readonly iface = new Interface(CONSORTIUM_REGISTRY_ABI);
  private readonly byOrg = new Map<string, Member>();
  private readonly orgByPeer = new Map<string, string>();
  private readonly previousKeys = new Map<string, Uint8Array[]>();
  private readonly pageSize: number;
  readonly address: string;

  constructor(
    init: MembershipInit,
    components: MembershipComponents,
  ) {
    super();
    this.address = init.registryAddress;
    this.registry = registryContract(init.registryAddress, components.provider);
    this.pageSize = init.pageSize ?? 100;
  }

  get(orgId: string): Member | undefined {
    return this.byOrg.get(orgId);
  }

  /** Members' STIX identities (model/stix-object.ts orgIdentityId), built again when a member joins. */
  private identities = new Map<string, string>();

  /** The member org whose STIX identity `id` is, if any (authorship of STIX objects). */
  orgOfIdentity(id: string): string | undefined {
    // Members are never forgotten (removal is a status): a new size means a new member.
    if (this.identities.size !== this.byOrg.size) this.identities = new Map([...this.byOrg.keys()].map((org) => [orgIdentityId(org), org]));
    return this.identities.get(id);
  }

  byPeerId(peerId: string): Member | undefined {
    const orgId = this.orgByPeer.get(peerId);
    return orgId ? this.byOrg.get(orgId) : undefined;
  }

  isActive(orgId: string): boolean {
    return this.byOrg.get(orgId)?.status === "active";
  }

  isActivePeer(peerId: string): boolean {
    return this.byPeerId(peerId)?.status === "active";
  }

  all(): Member[] {
    return [...this.byOrg.values()];
  }

  active(): Member[] {
    return this.all().filter((m) => m.status === "active");
  }

  producerView(orgId: string): ProducerView | undefined {
    const member = this.byOrg.get(orgId);
    if (!member) return undefined;
    return {
      orgId,
      active: member.status === "active",
      signingKey: member.signingKey,
      previousSigningKeys: this.previousKeys.get(orgId) ?? [],
      usableKey: isUsableSigningKey(member.signingKey),
    };
  }

  async load(blockTag: number): Promise<void> {
    const total = Number(await this.registry.memberCount({ blockTag }));
    for (let offset = 0; offset < total; offset += this.pageSize) {
      const page = await this.registry.listMembers(offset, this.pageSize, { blockTag });
      for (const raw of page) this.put(decodeMember(raw));
    }
  }

  async apply(logs: Log[], head: number): Promise<void> {
    const changed = new Set<string>();
    for (const log of logs) {
      const parsed = this.iface.parseLog(log);
      if (parsed && (MEMBER_EVENTS as readonly string[]).includes(parsed.name)) changed.add(bytes32ToOrgId(parsed.args.orgId));
    }
    for (const orgId of changed) {
      const raw = await this.registry.getMember(orgIdToBytes32(orgId), { blockTag: head });
      this.put(decodeMember(raw));
    }
  }

  private put(member: Member): void {
    const previous = this.byOrg.get(member.orgId);
    // Only this member's own mapping goes: another member may have taken that peer id meanwhile
    // (both changes in one poll, the taker's applied first).
    if (previous?.peerId && this.orgByPeer.get(previous.peerId) === member.orgId) this.orgByPeer.delete(previous.peerId);
    if (previous && !bytesEqual(previous.signingKey, member.signingKey)) {
      this.previousKeys.set(member.orgId, [previous.signingKey, ...(this.previousKeys.get(member.orgId) ?? [])].slice(0, PREVIOUS_KEYS_KEPT));
    }
    this.byOrg.set(member.orgId, member);
    if (member.peerId) this.orgByPeer.set(member.peerId, member.orgId);
    this.emit("member-changed", member, previous);
  }
}
