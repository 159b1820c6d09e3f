// Reports: adherence and conformance by site, team or agent, and service level, handle time and volume by
// activity, read from an ETL database over a range of days, as a page or as a CSV download. The ETL
// database is one the console was started with (`wfm web --etl`) or an access point of the configuration,
// chosen from a list: nothing a request names reaches a connection unless it is on that list.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeTarget, type ConnectionTarget } from '../../engine/dialect/index.ts';
import { errorMessage, InputError } from '../../engine/errors.ts';
import { parseReportRequest, readEtlReport, REPORT_KINDS, type EtlReport } from '../../wfm/etl/index.ts';
import { render, type ConsoleContext } from '../context.ts';
import { noEtlDatabase, reportCsv, reportFileName, reportsPage, type EtlChoice, type ReportForm } from '../views/reports.ts';

/** The value that chooses the ETL database `wfm web --etl` named, which no access point can take. */
const STARTED_WITH = '--etl';

interface ReportQuery {
  etl?: string;
  report?: string;
  from?: string;
  to?: string;
  site?: string;
  format?: string;
}

function etlChoices(context: ConsoleContext): EtlChoice[] {
  const { etl, config } = context.options;
  const started = etl ? [{ value: STARTED_WITH, label: `${describeTarget(etl)} (wfm web --etl)` }] : [];
  return [...started, ...(config?.databases ?? []).map((point) => ({ value: point.name, label: `${point.name} (access point)` }))];
}

/** The chosen ETL database's connection: the `--etl` one, or an access point, and nothing else. */
async function chosenEtl(context: ConsoleContext, value: string): Promise<ConnectionTarget> {
  const { etl, resolve } = context.options;
  if (value === STARTED_WITH && etl) return etl;
  if (!etlChoices(context).some((choice) => choice.value === value)) throw new InputError(`etl names no ETL database the console offers: choose one from the list, not "${value}"`);
  return resolve(value);
}

function formOf(query: ReportQuery, choices: EtlChoice[]): ReportForm {
  return {
    choices,
    etl: query.etl ?? choices[0]?.value ?? '',
    report: query.report ?? REPORT_KINDS[0],
    from: query.from ?? '',
    to: query.to ?? '',
    site: query.site ?? '',
  };
}

/** The report the query asks for, or the message that says what is wrong with it. */
async function requestedReport(context: ConsoleContext, form: ReportForm): Promise<{ report?: EtlReport; problem?: string }> {
  try {
    const request = parseReportRequest(form);
    return { report: await readEtlReport(await chosenEtl(context, form.etl), request) };
  } catch (error) {
    if (error instanceof InputError) return { problem: errorMessage(error) };
    throw error;
  }
}

async function sendCsv(context: ConsoleContext, form: ReportForm, reply: FastifyReply): Promise<FastifyReply> {
  const { report, problem } = await requestedReport(context, form);
  if (!report) return reply.code(400).type('text/plain; charset=utf-8').send(`${problem ?? 'no report'}\n`);
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${reportFileName(report)}"`).send(reportCsv(report));
}

export function reportRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app.get('/reports', async (request: FastifyRequest<{ Querystring: ReportQuery }>, reply) => {
    const choices = etlChoices(context);
    if (choices.length === 0) return render(context, request, reply, { title: 'Reports', active: '/reports', body: noEtlDatabase() });
    const form = formOf(request.query, choices);
    if (request.query.format === 'csv') return sendCsv(context, form, reply);
    if (request.query.format !== undefined) throw new InputError(`format takes csv, not "${request.query.format}"`);
    const asked = request.query.from !== undefined || request.query.to !== undefined;
    const outcome = asked ? await requestedReport(context, form) : {};
    return render(context, request, reply, { title: 'Reports', active: '/reports', body: reportsPage(form, outcome), status: outcome.problem ? 400 : 200 });
  });
}
