// The settings a SQL Server URL may carry in its query (mssql://user@host/db?encrypt=false): each read
// once here and anything else refused, so that a misspelt setting is not silently ignored. A named
// instance (?instance=NAME) is part of the target itself.
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError } from '../../errors.ts';

export interface MssqlSettings {
  /** TLS for the whole session; tedious's default, and Azure SQL's requirement. */
  encrypt: boolean;
  /** Accept a certificate no trusted authority signed (a server's self-signed one). */
  trustServerCertificate: boolean;
}

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, yes: true, '1': true, false: false, no: false, '0': false };
const DEFAULTS = { encrypt: true, trustServerCertificate: false } as const;

function flag(target: ConnectionTarget, name: keyof typeof DEFAULTS, text: string | undefined): boolean {
  if (text === undefined) return DEFAULTS[name];
  const value = BOOLEANS[text.toLowerCase()];
  if (value === undefined) throw new InputError(`${name}=${text} in the connection string of ${describeTarget(target)} is not true or false`);
  return value;
}

export function connectionSettings(target: ConnectionTarget): MssqlSettings {
  const given = target.settings ?? {};
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(DEFAULTS, name));
  if (unknown.length > 0) {
    throw new InputError(`${describeTarget(target)}: unknown setting ${unknown.join(', ')}; a SQL Server URL takes encrypt, trustServerCertificate and instance`);
  }
  return { encrypt: flag(target, 'encrypt', given.encrypt), trustServerCertificate: flag(target, 'trustServerCertificate', given.trustServerCertificate) };
}
