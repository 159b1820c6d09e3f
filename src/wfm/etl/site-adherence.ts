// Adherence by site over a range of days, read from the ETL database as a report tool reads it: the
// site-day facts added up, so that the range's adherence weighs each day by its scheduled time.
import type { Connection } from '../../engine/dialect/types.ts';

export interface SiteAdherence {
  site: string;
  /** Days of the range the site has facts for. */
  days: number;
  scheduleSeconds: number;
  nonAdherenceSeconds: number;
  actualWorkSeconds: number;
  /** Scheduled time in adherence, against scheduled time; null when nothing was scheduled. */
  adherencePercent: number | null;
}

/** Each site's adherence from WFM_ADH_SITE_DAY over `first`..`last` (local days, inclusive), in order of name. */
export async function siteAdherence(etl: Connection, first: string, last: string): Promise<SiteAdherence[]> {
  const q = etl.compiler;
  const fact = (column: string): string => `f.${q.quoteIdentifier(column)}`;
  const rows = await etl.query(
    `SELECT s.${q.quoteIdentifier('WFM_SITE_NAME')} AS site, COUNT(*) AS days, SUM(${fact('WFM_SCHEDULE_DURATION')}) AS scheduled, ` +
      `SUM(${fact('WFM_NON_ADHERENCE_DURATION')}) AS non_adherence, SUM(${fact('WFM_ACTUAL_WORK_DURATION')}) AS worked ` +
      `FROM ${q.quoteIdentifier('WFM_ADH_SITE_DAY')} f JOIN ${q.quoteIdentifier('WFM_SITE')} s ON s.${q.quoteIdentifier('WFM_SITE_KEY')} = ${fact('WFM_SITE_KEY')} ` +
      `WHERE ${fact('WFM_DATE')} >= ${q.parameter(1)} AND ${fact('WFM_DATE')} <= ${q.parameter(2)} ` +
      `GROUP BY s.${q.quoteIdentifier('WFM_SITE_KEY')}, s.${q.quoteIdentifier('WFM_SITE_NAME')} ORDER BY s.${q.quoteIdentifier('WFM_SITE_NAME')}, s.${q.quoteIdentifier('WFM_SITE_KEY')}`,
    [first, last],
  );
  return rows.map((row) => {
    const scheduleSeconds = Number(row.scheduled ?? 0);
    const nonAdherenceSeconds = Number(row.non_adherence ?? 0);
    return {
      site: String(row.site),
      days: Number(row.days),
      scheduleSeconds,
      nonAdherenceSeconds,
      actualWorkSeconds: Number(row.worked ?? 0),
      adherencePercent: scheduleSeconds > 0 ? (100 * (scheduleSeconds - nonAdherenceSeconds)) / scheduleSeconds : null,
    };
  });
}
