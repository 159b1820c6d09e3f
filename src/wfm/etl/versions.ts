// The releases of the ETL database schema, oldest first. 8.1 is the first with an ETL database (schedule
// facts); 8.5 adds the adherence and performance facts. Each is the previous one plus one update step.
export const ETL_RELEASES = ['8.1', '8.5'] as const;

export type EtlRelease = (typeof ETL_RELEASES)[number];

export const LATEST_ETL_RELEASE: EtlRelease = '8.5';

export function isEtlRelease(version: string): version is EtlRelease {
  return (ETL_RELEASES as readonly string[]).includes(version);
}

export function compareEtlReleases(a: EtlRelease, b: EtlRelease): number {
  return ETL_RELEASES.indexOf(a) - ETL_RELEASES.indexOf(b);
}
