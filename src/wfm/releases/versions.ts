// The releases this tool knows, oldest first. 6.5.x are legacy layouts (migrated into a new database);
// 7.6 and later are updated in place, each by one step from the previous.
export const LEGACY_RELEASES = ['6.5.104', '6.5.201'] as const;
export const CURRENT_RELEASES = ['7.6', '8.0', '8.1', '8.5.0', '8.5.1', '8.5.2'] as const;
export const ALL_RELEASES = [...LEGACY_RELEASES, ...CURRENT_RELEASES] as const;

export type LegacyRelease = (typeof LEGACY_RELEASES)[number];
export type CurrentRelease = (typeof CURRENT_RELEASES)[number];
export type Release = (typeof ALL_RELEASES)[number];

export const LATEST_RELEASE: CurrentRelease = '8.5.2';

export function isRelease(version: string): version is Release {
  return (ALL_RELEASES as readonly string[]).includes(version);
}

export function isLegacyRelease(version: string): version is LegacyRelease {
  return (LEGACY_RELEASES as readonly string[]).includes(version);
}

export function isCurrentRelease(version: string): version is CurrentRelease {
  return (CURRENT_RELEASES as readonly string[]).includes(version);
}

export function compareReleases(a: Release, b: Release): number {
  return ALL_RELEASES.indexOf(a) - ALL_RELEASES.indexOf(b);
}

/** Numeric comparison of dotted versions, for releases this tool does not know (a newer database). */
export function compareDotted(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
