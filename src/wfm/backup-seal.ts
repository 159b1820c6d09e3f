// Sealed backups: with the installation's key file (the one that protects stored passwords), a backup
// also carries an HMAC-SHA-256 of its manifest digest, so that verify and restore can tell a file this
// installation wrote from one altered and given matching digests again. The seal's key is derived from the
// key file with HKDF under its own label, so the key file's key is never used raw for two purposes, and the
// key id written in the file is a hash of another derived value, never the key.
import { createHash, hkdfSync } from 'node:crypto';
import { claimedSealOfFile, type SealKey, type SealVerdict } from '../engine/archive/index.ts';
import { InputError } from '../engine/errors.ts';

export type { SealKey, SealVerdict };

/** The HKDF labels: one derivation per use of the key file's key. */
const SEAL_PURPOSE = 'wfm-migrate backup seal: HMAC-SHA-256 key';
const KEY_ID_PURPOSE = 'wfm-migrate backup seal: key id';
/** Bytes of the key id shown: enough to tell keys apart, too few to matter to anyone guessing the key. */
const KEY_ID_BYTES = 8;

/** How backups are sealed and which seals a restore takes. */
export interface BackupSealing {
  /** The key derived from the key file; without one, a backup is not sealed and a seal cannot be checked. */
  key?: SealKey;
  /** Where RequireSealedBackups = 1 comes from, when it is in force: only a file sealed by `key` is restored. */
  requiredBy?: string;
}

/** The seal key of a key file's key, with its id. */
export function backupSealKey(keyFileKey: Buffer): SealKey {
  const derive = (purpose: string): Buffer => Buffer.from(hkdfSync('sha256', keyFileKey, Buffer.alloc(0), purpose, 32));
  const id = createHash('sha256').update(derive(KEY_ID_PURPOSE)).digest().subarray(0, KEY_ID_BYTES).toString('hex');
  return { id, key: derive(SEAL_PURPOSE) };
}

/** The verdict in a sentence, for verify's and restore's output. */
export function describeSeal(verdict: SealVerdict): string {
  switch (verdict.state) {
    case 'sealed-by-this-key':
      return `sealed by this key (key id ${verdict.keyId}): written by a holder of the key file, and not altered since`;
    case 'sealed-by-another-key':
      return `sealed by another key (key id ${verdict.keyId}; this key file's is ${verdict.ownKeyId}): whether it was altered cannot be told without that key`;
    case 'sealed-key-not-given':
      return `sealed (key id ${verdict.keyId}), but no key file was given to check the seal; give the one it was sealed with (--key-file)`;
    case 'seal-does-not-match':
      return `sealed, but the seal does not match: the file was altered after it was sealed and its digests computed again`;
    case 'not-sealed':
      return 'not sealed: it was backed up without a key file';
  }
}

/** What a verified file's digests show, and what its seal adds to them. */
export function whatDigestsShow(verdict: SealVerdict | undefined): string {
  const digests = 'its digests are not keyed: they show damage, not who wrote the file';
  if (verdict?.state === 'sealed-by-this-key') return `${digests}; its seal is keyed: nobody without the key file can alter the file and seal it again`;
  return `${digests}; restore only a backup from a source you trust. A backup taken with a key file (--key-file) is also sealed, so that verify and restore show whether a holder of that key wrote it`;
}

/**
 * Why RequireSealedBackups does not accept the file, or undefined when it does or is not in force. A seal
 * that does not match is not a matter of the option: that file is damaged, and reported so.
 */
export function sealRefusal(file: string, verdict: SealVerdict, sealing: BackupSealing): string | undefined {
  if (sealing.requiredBy === undefined || verdict.state === 'sealed-by-this-key' || verdict.state === 'seal-does-not-match') return undefined;
  const remedy = verdict.state === 'not-sealed' ? 'take a new backup with this key file' : 'give the key file it was sealed with (--key-file), or take a new backup with this key file';
  return `${sealing.requiredBy}: only a backup sealed by this key file is restored, and ${file} is ${describeSeal(verdict)}; ${remedy}; a file you trust as it is restores with --require-sealed-backups 0`;
}

/**
 * Refuses, from the file's header alone and before anything else is read or asked, a file that
 * RequireSealedBackups does not accept whatever its rows hold: one not sealed, or sealed by another key.
 * Whether a seal of this key matches is left to the check of the whole file.
 */
export function requireAcceptableSeal(file: string, sealing: BackupSealing): void {
  if (sealing.requiredBy === undefined) return;
  const claimed = claimedSealOfFile(file, sealing.key);
  const refusal = claimed && sealRefusal(file, claimed, sealing);
  if (refusal) throw new InputError(refusal);
}

/** A backup taken under RequireSealedBackups = 1 must be sealed, or no restore under it could take it. */
export function requireSealKeyForBackup(sealing: BackupSealing): void {
  if (sealing.requiredBy !== undefined && !sealing.key) {
    throw new InputError(`${sealing.requiredBy}: a backup must be sealed for a restore to take it; give the key file to seal it with (--key-file)`);
  }
}
