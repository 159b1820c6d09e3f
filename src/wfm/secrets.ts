// Passwords the database keeps for other systems (the Data Aggregator's, per business unit and site) are
// stored protected: AES-256-GCM under a key that stays outside the database, in a key file readable by its
// owner only. A stored value says how it was protected, so that text stored in clear can be told apart.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../engine/errors.ts';

const PREFIX = 'aes-256-gcm:';

export function isProtected(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** Told once, when the key file is created: the passwords it protects live only as long as it does. */
export function keyFileNotice(path: string): string {
  return `created the key file ${resolve(path)} (readable by its owner only): it opens the passwords stored protected and seals backups; keep it, and back it up apart from the database, since without it those passwords are lost and must be stored again`;
}

/**
 * The key of the key file. With `tell`, the file is created (owner-only) when it does not exist yet, and
 * `tell` is given the notice that names it: losing that file loses every password stored with it.
 */
export function loadKey(path: string, create: false): Buffer;
export function loadKey(path: string, create: true, tell: (notice: string) => void): Buffer;
export function loadKey(path: string, create: boolean, tell?: (notice: string) => void): Buffer {
  if (!existsSync(path)) {
    if (!create) throw new InputError(`the key file ${path} does not exist; the protected passwords cannot be read without it`);
    writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    tell?.(keyFileNotice(path));
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
