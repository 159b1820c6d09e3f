// Time zones, as the IANA time zone database names them: one check for every place a user gives one (the
// command line, the console's forms), so that a misspelt zone is refused where it is typed, not found
// wrong later by whatever reads it.
import { InputError } from '../engine/errors.ts';

/** The zones offered to choose from: Intl's canonical names, and UTC, which it accepts but does not list. */
export const TIME_ZONES: readonly string[] = [...Intl.supportedValuesOf('timeZone'), 'UTC'].sort();

/** Intl knows the zone: a canonical name, or one of the database's other names (America/Argentina/Buenos_Aires, Etc/GMT+5). */
export function isTimeZone(name: string): boolean {
  // An offset such as +01:00 names no zone: its daylight saving time is unknown.
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The zone, or a refusal naming what it is the time zone of. */
export function requireTimeZone(name: string, of: string): string {
  if (isTimeZone(name)) return name;
  throw new InputError(`"${name}" is not a time zone (for ${of}); use an IANA time zone name such as Europe/Paris, America/New_York or UTC`);
}
