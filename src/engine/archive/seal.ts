// An archive's seal: an HMAC-SHA-256 of its manifest digest under a key its writer holds, stored with an id
// of that key. The digests alone show damage, not authorship: whoever changes the file can compute them
// again. Only a holder of the key can make a seal that matches, and the id tells a file sealed by another
// key from one altered after it was sealed. The key itself is never stored.
import { createHmac, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import { formatProblem, isFinished, readHeaderRow, type SealRow } from './format.ts';

/** The seal as a file stores it: absent in files written before seals existed. */
export type StoredSeal = Pick<SealRow, 'seal_key_id' | 'seal_hmac'>;

/** A key archives are sealed with, and the id that names it in a file without revealing it. */
export interface SealKey {
  id: string;
  key: Buffer;
}

/** What an archive's seal says, judged with the key the reader holds, if any. */
export type SealVerdict =
  | { state: 'not-sealed' }
  | { state: 'sealed-by-this-key'; keyId: string }
  | { state: 'sealed-by-another-key'; keyId: string; ownKeyId: string }
  | { state: 'sealed-key-not-given'; keyId: string }
  /** The seal names this key but does not match the file; keyId is absent when the stored seal is malformed. */
  | { state: 'seal-does-not-match'; keyId?: string };

/** A key id: the first 8 bytes of a hash, in hex, so that a message can show what the file holds. */
const KEY_ID = /^[0-9a-f]{16}$/;
const HMAC_SHA256 = /^[0-9a-f]{64}$/;

/** Whether `text` is a key id as seals store it. */
export function isSealKeyId(text: unknown): text is string {
  return typeof text === 'string' && KEY_ID.test(text);
}

function requireKeyId(key: SealKey): void {
  if (!KEY_ID.test(key.id)) throw new Error(`a seal key id is 16 hexadecimal digits, not ${JSON.stringify(key.id)}`);
}

/** The seal columns of a finished archive whose manifest digest is `digest`. */
export function sealColumns(key: SealKey, digest: string): { seal_key_id: string; seal_hmac: string } {
  requireKeyId(key);
  return { seal_key_id: key.id, seal_hmac: hmacOf(key, digest) };
}

function hmacOf(key: SealKey, digest: string): string {
  return createHmac('sha256', key.key).update(digest).digest('hex');
}

/** A seal to judge: its verdict already, or the key and stored HMAC still to check against the digest. */
type SealClaim = { verdict: SealVerdict } | { key: SealKey; hmac: string };

/** What the stored seal says before its HMAC is checked. Files written before seals existed have no seal columns. */
function claimOf(row: StoredSeal, key: SealKey | undefined): SealClaim {
  const { seal_key_id: keyId, seal_hmac: hmac } = row;
  if ((keyId === null || keyId === undefined) && (hmac === null || hmac === undefined)) return { verdict: { state: 'not-sealed' } };
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId) || typeof hmac !== 'string' || !HMAC_SHA256.test(hmac)) return { verdict: { state: 'seal-does-not-match' } };
  if (!key) return { verdict: { state: 'sealed-key-not-given', keyId } };
  requireKeyId(key);
  if (keyId !== key.id) return { verdict: { state: 'sealed-by-another-key', keyId, ownKeyId: key.id } };
  return { key, hmac };
}

/**
 * Everything the stored seal says without the digest; undefined when it names this key, since only the
 * digest of the file as it is now can tell whether it matches.
 */
export function claimedSeal(row: StoredSeal, key: SealKey | undefined): SealVerdict | undefined {
  const claim = claimOf(row, key);
  return 'verdict' in claim ? claim.verdict : undefined;
}

/**
 * The seal as it claims to be, nothing hashed: a seal naming this key is taken at its word, which only
 * `sealVerdict` with the file's digest confirms.
 */
export function sealClaim(row: SealRow, key: SealKey | undefined): SealVerdict {
  const claim = claimOf(row, key);
  return 'verdict' in claim ? claim.verdict : { state: 'sealed-by-this-key', keyId: claim.key.id };
}

/** The seal judged against `digest`, the manifest digest computed from the file as it is now. */
export function sealVerdict(row: StoredSeal, digest: string, key: SealKey | undefined): SealVerdict {
  const claim = claimOf(row, key);
  if ('verdict' in claim) return claim.verdict;
  const matches = timingSafeEqual(Buffer.from(hmacOf(claim.key, digest), 'hex'), Buffer.from(claim.hmac, 'hex'));
  return matches ? { state: 'sealed-by-this-key', keyId: claim.key.id } : { state: 'seal-does-not-match', keyId: claim.key.id };
}

/**
 * The seal a finished archive at `path` claims, read from its header alone (nothing is hashed); undefined
 * when the file is not a finished archive that SQLite reads, or when the seal names this key, since only
 * the whole check can tell whether it matches.
 */
export function claimedSealOfFile(path: string, key: SealKey | undefined): SealVerdict | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    if (formatProblem(db)) return undefined;
    const row = readHeaderRow(db);
    return row && isFinished(row) ? claimedSeal(row, key) : undefined;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}
