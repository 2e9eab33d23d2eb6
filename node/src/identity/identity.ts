/**
 * identity/ owns a partner node's secrets: the ed25519 key that signs its batches, the X25519
 * key partners encrypt to, the libp2p key behind its peer id, and the EVM wallet of its org.
 * They live in one file of mode 0600 in the data dir and are never logged or serialised.
 */
import { ringKeyPair } from "../wire/ring-signature.js";
import { randomBytes } from "node:crypto";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { x25519 } from "@noble/curves/ed25519.js";
import { Wallet } from "ethers";
import { isOrgId } from "../model/indicator.js";
import { fromHex, toHex } from "../wire/bytes.js";
import { ed25519PublicKey } from "../wire/signature.js";

export const IDENTITY_FILE = "identity.json";
export const PUBLIC_IDENTITY_FILE = "identity.pub.json";

/** What governance needs to admit the org, and what partners learn from the chain. */
export interface PublicIdentity {
  orgId: string;
  signingKey: string;
  encryptionKey: string;
  peerId: string;
  wallet: string;
}

interface IdentityFileV1 {
  version: 1;
  orgId: string;
  signingSecretKey: string;
  encryptionSecretKey: string;
  libp2pPrivateKey: string;
  walletPrivateKey: string;
}

export class IdentityError extends Error {
  override readonly name = "IdentityError";
}

export class NodeIdentity {
  readonly orgId: string;
  readonly signingKey: Uint8Array;
  readonly encryptionKey: Uint8Array;
  readonly libp2pKey: PrivateKey;
  readonly #signingSecretKey: Uint8Array;
  readonly #encryptionSecretKey: Uint8Array;
  readonly #walletPrivateKey: string;

  private constructor(file: IdentityFileV1) {
    this.orgId = file.orgId;
    this.#signingSecretKey = fromHex(file.signingSecretKey);
    this.#encryptionSecretKey = fromHex(file.encryptionSecretKey);
    this.#walletPrivateKey = file.walletPrivateKey;
    this.signingKey = ed25519PublicKey(this.#signingSecretKey);
    this.encryptionKey = x25519.getPublicKey(this.#encryptionSecretKey);
    this.libp2pKey = privateKeyFromProtobuf(Buffer.from(file.libp2pPrivateKey, "base64"));
  }

  static async generate(orgId: string): Promise<NodeIdentity> {
    if (!isOrgId(orgId)) throw new IdentityError(`"${orgId}" is not a valid org id (2-31 of a-z 0-9 . _ -, starting with a letter or digit)`);
    const libp2pKey = await generateKeyPair("Ed25519");
    return new NodeIdentity({
      version: 1,
      orgId,
      signingSecretKey: toHex(randomBytes(32)),
      encryptionSecretKey: toHex(x25519.utils.randomSecretKey()),
      libp2pPrivateKey: Buffer.from(privateKeyToProtobuf(libp2pKey)).toString("base64"),
      walletPrivateKey: Wallet.createRandom().privateKey,
    });
  }

  static async load(dataDir: string): Promise<NodeIdentity> {
    const path = join(dataDir, IDENTITY_FILE);
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new IdentityError(`no identity at ${path}: run "cti init" first`);
    }
    if ((info.mode & 0o077) !== 0) {
      throw new IdentityError(`${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 on it`);
    }
    let file: IdentityFileV1;
    try {
      file = JSON.parse(await readFile(path, "utf8")) as IdentityFileV1;
    } catch (err) {
      throw new IdentityError(`${path} is not valid JSON: ${(err as Error).message}`);
    }
    if (file.version !== 1 || !isOrgId(file.orgId)) throw new IdentityError(`${path} is not a version 1 identity file`);
    return new NodeIdentity(file);
  }

  /** Writes the identity (0600) and its public part; refuses to overwrite an existing identity. */
  async save(dataDir: string): Promise<void> {
    const path = join(dataDir, IDENTITY_FILE);
    const file: IdentityFileV1 = {
      version: 1,
      orgId: this.orgId,
      signingSecretKey: toHex(this.#signingSecretKey),
      encryptionSecretKey: toHex(this.#encryptionSecretKey),
      libp2pPrivateKey: Buffer.from(privateKeyToProtobuf(this.libp2pKey)).toString("base64"),
      walletPrivateKey: this.#walletPrivateKey,
    };
    try {
      await writeFile(path, JSON.stringify(file, null, 2), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new IdentityError(`${path} exists already; refusing to overwrite an identity`);
      throw err;
    }
    await chmod(path, 0o600);
    await writeFile(join(dataDir, PUBLIC_IDENTITY_FILE), JSON.stringify(this.public(), null, 2) + "\n");
  }

  get peerId() {
    return peerIdFromPrivateKey(this.libp2pKey as Parameters<typeof peerIdFromPrivateKey>[0]);
  }

  /**
   * The ring key pair of anonymous statements (wire/ring-signature.ts), derived from the signing
   * key (hashed with a domain of its own): no new secret to store, and it rotates with the signing key.
   */
  ringKeyPair(): { secretKey: Uint8Array; publicKey: Uint8Array } {
    return ringKeyPair(this.#signingSecretKey);
  }

  get signingSecretKey(): Uint8Array {
    return this.#signingSecretKey;
  }

  get encryptionSecretKey(): Uint8Array {
    return this.#encryptionSecretKey;
  }

  wallet(): Wallet {
    return new Wallet(this.#walletPrivateKey);
  }

  public(): PublicIdentity {
    return {
      orgId: this.orgId,
      signingKey: `0x${toHex(this.signingKey)}`,
      encryptionKey: `0x${toHex(this.encryptionKey)}`,
      peerId: this.peerId.toString(),
      wallet: this.wallet().address,
    };
  }

  // Secrets must not reach logs through console.log, util.inspect or JSON.stringify.
  toJSON(): PublicIdentity {
    return this.public();
  }

  [inspect.custom](): string {
    return `NodeIdentity(${this.orgId}, peer ${this.peerId.toString()}, secrets redacted)`;
  }
}
