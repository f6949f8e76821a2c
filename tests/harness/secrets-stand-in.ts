// TEST STAND-IN for Electron's safeStorage (never in the app: main passes the real safeStorage, which
// seals with the system's keychain, DPAPI or secret store). The test harness and the tests of the layer
// above safeStorage (electron/provider-settings.ts) have no Electron, so this gives them the same shape
// — isEncryptionAvailable / encryptString / decryptString — with AES-256-GCM from node:crypto under a
// fixed key written here. That key is not a secret and protects nothing: it only makes the sealed key in
// provider.json unreadable as text (the tests check that the file does not contain the key) and still
// readable by the next harness process (a restart keeps the saved key, as the app does).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Secrets } from '../../electron/provider-settings';

/** The stand-in's fixed AES key: the SHA-256 of a label (test data, not a secret). */
const KEY = createHash('sha256').update('samsara TEST STAND-IN for safeStorage').digest();
const MAGIC = Buffer.from('TSI1');

export interface StandInOptions {
  /** false: like a Linux session without a secret store (encryptString throws, as Electron's does). */
  available?: boolean;
}

export function standInSecrets(o: StandInOptions = {}): Secrets & { sealed: number } {
  const available = o.available ?? true;
  const secrets = {
    /** How many strings were sealed (tests check that a key went through here). */
    sealed: 0,
    isEncryptionAvailable: () => available,
    encryptString(plainText: string): Buffer {
      if (!available) throw new Error('Encryption is not available.');
      secrets.sealed++;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', KEY, iv);
      const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
      return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted: Buffer): string {
      if (!available) throw new Error('Decryption is not available.');
      if (encrypted.length < 32 || !encrypted.subarray(0, 4).equals(MAGIC)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      const decipher = createDecipheriv('aes-256-gcm', KEY, encrypted.subarray(4, 16));
      decipher.setAuthTag(encrypted.subarray(16, 32));
      return Buffer.concat([decipher.update(encrypted.subarray(32)), decipher.final()]).toString('utf8');
    },
  };
  return secrets;
}
