// How a model name becomes an Oracle identifier, declared once for the compiler, the introspector and the
// driver. Oracle folds an unquoted name to upper case, so every identifier is written quoted and in upper
// case: a reserved word (LEVEL, SIZE, USER, DATE, ...) is then never taken for the keyword, and the
// unquoted names a DBA's own SQL (or a portable query) writes find the same objects. Oracle 11g and 12.1
// allow at most 30 bytes in a name; a longer model name keeps its start and gets a hash of the whole, so the
// same model name always gives the same Oracle name and two model names never share one.
import { createHash } from 'node:crypto';
import { InputError } from '../../errors.ts';

/** The longest identifier Oracle 11g and 12.1 accept, in bytes (12.2 allows 128; sites on 12.1 remain). */
export const MAX_IDENTIFIER_BYTES = 30;
const HASH_LENGTH = 8;

/** Characters a quoted Oracle identifier cannot hold (SQL Language Reference, Database Object Naming Rules). */
const FORBIDDEN = /["\0]/;

/** The Oracle name of a model name: upper case, at most 30 bytes. */
export function oracleName(name: string): string {
  if (name === '' || FORBIDDEN.test(name)) throw new InputError(`"${name.replaceAll('\0', '\\0')}" cannot be an Oracle identifier (empty, or with a double quote or NUL)`);
  const upper = name.toUpperCase();
  if (Buffer.byteLength(upper, 'utf8') <= MAX_IDENTIFIER_BYTES) return upper;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_LENGTH).toUpperCase();
  return `${prefixWithin(upper, MAX_IDENTIFIER_BYTES - HASH_LENGTH - 1)}_${hash}`;
}

/** The longest start of the name that fits the bytes without cutting a character. */
function prefixWithin(name: string, bytes: number): string {
  let prefix = '';
  for (const character of name) {
    if (Buffer.byteLength(prefix + character, 'utf8') > bytes) break;
    prefix += character;
  }
  return prefix;
}

/** The name as the tool's model spells it, from the name Oracle reports (upper case): lower case. */
export function modelName(oracle: string): string {
  return oracle.toLowerCase();
}

export function quoteIdentifier(name: string): string {
  return `"${oracleName(name)}"`;
}
