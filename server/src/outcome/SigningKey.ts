import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The well-known path where anyone can fetch the key that signs this server's exports. */
export const SIGNING_KEY_PATH = '/.well-known/townhall-signing-key';

export interface PublicKeyInfo {
  algorithm: 'Ed25519';
  keyId: string;
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  /** The same key as SPKI PEM, for tools like openssl. */
  pem: string;
}

/** Ed25519 public keys in SPKI DER are a fixed 12-byte prefix followed by the 32 raw bytes. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

export function publicKeyFromRaw(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function keyIdOf(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/**
 * The server's signing key. Generated on first run and kept beside the data, readable
 * only by the server's user. Losing it does not invalidate old exports (their public
 * key is published with them), but new exports will carry a new key id.
 */
export class SigningKey {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly info: PublicKeyInfo,
  ) {}

  static loadOrCreate(file: string): SigningKey {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(file), { recursive: true });
      pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      try {
        // 'wx': if two processes start at once, the second keeps the first one's key.
        writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        pem = readFileSync(file, 'utf8');
      }
    }
    return SigningKey.fromPem(pem);
  }

  static fromPem(pem: string): SigningKey {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the signing key must be an Ed25519 key');
    const publicKey = createPublicKey(privateKey);
    const raw = rawPublicKey(publicKey);
    return new SigningKey(privateKey, {
      algorithm: 'Ed25519',
      keyId: keyIdOf(raw),
      publicKey: raw.toString('base64'),
      pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    });
  }

  /**
   * A secret for another purpose, derived from this key (HKDF-SHA256, the label as
   * `info`): nothing more to generate, back up or share between cluster nodes, and it
   * changes with the key. Distinct labels give independent secrets, and none of them
   * reveals the key.
   */
  deriveSecret(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.privateKey.export({ format: 'der', type: 'pkcs8' }), Buffer.alloc(0), label, 32));
  }

  /** Ed25519 is deterministic: the same document always gets the same signature. */
  sign(data: string): string {
    return sign(null, Buffer.from(data, 'utf8'), this.privateKey).toString('base64');
  }
}
