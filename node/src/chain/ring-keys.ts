/**
 * chain/ring-keys.ts: the RingKeys contract from the node's side (contracts/IRingKeys.sol): the
 * ring of a block (active members with a usable ring key, in the contract's order) read once per
 * block and cached, and this org's own key registered when the chain holds another.
 */
import { Contract, getBytes, hexlify, type ContractRunner } from "ethers";
import { isRingKey } from "../wire/ring-signature.js";
import { bytes32ToOrgId, orgIdToBytes32 } from "./member.js";

export const RING_KEYS_ABI = [
  "function setRingKey(bytes32 key)",
  "function ringKeyOf(bytes32 orgId) view returns (bytes32)",
  "function ringKeyHolders() view returns (uint256)",
  "function ring(uint256 offset, uint256 limit) view returns (bytes32[] orgIds, bytes32[] keys)",
  "error RingKeysNotMember(address account)",
  "error RingKeysZeroKey()",
  "error RingKeysKeyTaken(bytes32 key, bytes32 holder)",
  "error RingKeysUnchanged(bytes32 orgId)",
  "event RingKeySet(bytes32 indexed orgId, bytes32 key, bytes32 previous)",
] as const;

export interface Ring {
  block: number;
  orgs: string[];
  keys: Uint8Array[];
}

const PAGE = 200;
const CACHED_RINGS = 16;

export class RingKeysView {
  private readonly contract: Contract;
  private readonly rings = new Map<number, Promise<Ring>>();

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new Contract(address, RING_KEYS_ABI, runner);
  }

  /** The ring at `block`: every verifier of a signature naming that block reads the same. */
  ringAt(block: number): Promise<Ring> {
    let ring = this.rings.get(block);
    if (!ring) {
      ring = this.read(block);
      ring.catch(() => this.rings.delete(block));
      if (this.rings.size >= CACHED_RINGS) this.rings.delete(this.rings.keys().next().value!);
      this.rings.set(block, ring);
    }
    return ring;
  }

  private async read(block: number): Promise<Ring> {
    const holders = Number(await this.contract.getFunction("ringKeyHolders").staticCall({ blockTag: block }));
    const orgs: string[] = [];
    const keys: Uint8Array[] = [];
    for (let offset = 0; offset < holders; offset += PAGE) {
      const [ids, pageKeys] = (await this.contract.getFunction("ring").staticCall(offset, PAGE, { blockTag: block })) as [string[], string[]];
      ids.forEach((id, i) => {
        const key = getBytes(pageKeys[i]!);
        // A key that is no ristretto255 point cannot sign; every node leaves it out alike.
        if (isRingKey(key)) {
          orgs.push(bytes32ToOrgId(id));
          keys.push(key);
        }
      });
    }
    return { block, orgs, keys };
  }

  async keyOf(org: string): Promise<Uint8Array | undefined> {
    const key = getBytes((await this.contract.getFunction("ringKeyOf").staticCall(orgIdToBytes32(org))) as string);
    return key.every((b) => b === 0) ? undefined : key;
  }

  /** Registers this org's ring key (a transaction of the org's wallet) unless the chain holds it already; true if sent. */
  async register(org: string, publicKey: Uint8Array, signer: ContractRunner): Promise<boolean> {
    const current = await this.keyOf(org);
    if (current && Buffer.from(current).equals(Buffer.from(publicKey))) return false;
    const contract = new Contract(this.address, RING_KEYS_ABI, signer);
    await (await contract.getFunction("setRingKey")(hexlify(publicKey))).wait();
    return true;
  }
}
