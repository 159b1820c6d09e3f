// Passwords the database keeps for other systems (the Data Aggregator's, per business unit and site) are
// stored protected: AES-256-GCM under a key that stays outside the database, in a key file readable by its
// owner only. A stored value says how it was protected, so that text stored in clear can be told apart.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../engine/errors.ts';

const PREFIX = 'aes-256-gcm:';

export function isProtected(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The key of the key file, created (owner-only) the first time a secret is stored. */
export function loadKey(path: string, create: boolean): Buffer {
  if (!existsSync(path)) {
    if (!create) throw new InputError(`the key file ${path} does not exist; the protected passwords cannot be read without it`);
    writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new InputError(`${path} does not hold a key (32 bytes in base64)`);
  return key;
}

export function protect(secret: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
}

export function reveal(stored: string, key: Buffer): string {
  const [iv, tag, data] = stored.slice(PREFIX.length).split(':').map((part) => Buffer.from(part, 'base64'));
  if (!iv || !tag || !data) throw new InputError('a protected password is damaged');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    throw new InputError('a protected password does not open with this key file');
  }
}
