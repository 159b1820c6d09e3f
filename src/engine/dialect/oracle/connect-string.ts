// What the thin driver is given as its connectString. A URL (oracle://user@host:1521/service) gives host,
// port and service, written as Easy Connect; the original form "oracle;<database>;<user>;<password>"
// gives only <database>, which is passed on unchanged, whatever it is: a TNS alias (which node-oracledb's
// thin mode looks up in tnsnames.ora in the directory TNS_ADMIN names, or the configDir option), an Easy
// Connect string (host:port/service) or a full descriptor ((DESCRIPTION=...)).
import { describeTarget, type ConnectionTarget } from '../connection-string.ts';
import { InputError } from '../../errors.ts';

export function connectString(target: ConnectionTarget): string {
  if (!target.database) throw new InputError(`${describeTarget(target)} names no Oracle database (a service, TNS alias or descriptor)`);
  return target.host ? `${target.host}${target.port ? `:${target.port}` : ''}/${target.database}` : target.database;
}
