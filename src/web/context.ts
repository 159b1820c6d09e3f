// What every route of the console shares: its options, the jobs it started, who is signed in, whether
// maintenance mode is on, and how a page is sent.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConnectionTarget } from '../engine/dialect/index.ts';
import type { ConfigFile } from '../wfm/config/index.ts';
import { consoleInMaintenance } from '../wfm/overview.ts';
import type { Html } from './views/html.ts';
import { page, type SignedInUser } from './views/layout.ts';
import type { LiveJobs } from './live-runs.ts';

export type Role = 'administrator' | 'viewer';

export interface ConsoleOptions {
  /** The database the console works on. */
  database: ConnectionTarget;
  config?: ConfigFile;
  /** The access point of `config` the database was named by, which the commands the console shows name too. */
  accessPoint?: string;
  /** The ETL database the Reports page reads (`wfm web --etl`), besides the configuration's access points. */
  etl?: ConnectionTarget;
  /** Tokens that sign in; a one-time token is forgotten once used. */
  tokens: { token: string; role: Role; oneTime?: boolean }[];
  runsDirectory: string;
  /** The folder the Backup & restore page lists and writes new backups into. */
  backupDirectory: string;
  keyFile: string;
  /** Resolves a connection text typed in a form (a URL, or an access point's name). */
  resolve: (text: string) => Promise<ConnectionTarget>;
}

declare module 'fastify' {
  interface Session {
    /** Who signed in: set once a token signs in, absent before. */
    role?: Role;
    /** The WFM user the administrator named, whose privileges decide what Backup & restore offers. */
    login?: string;
    /** What the last save changed, shown once on the next page. */
    notice?: string;
  }
}

export interface ConsoleContext {
  options: ConsoleOptions;
  jobs: LiveJobs;
  /** The tokens still valid: a one-time token leaves this list once used. */
  tokens: ConsoleOptions['tokens'];
}

export function signedInUser(request: FastifyRequest): SignedInUser | undefined {
  const role = request.session.role;
  return role === undefined ? undefined : { role, login: request.session.login };
}

// Read once per request: the gate, the banner and the overview all ask.
const maintenanceOfRequest = new WeakMap<FastifyRequest, Promise<boolean>>();

export function inMaintenance(context: ConsoleContext, request: FastifyRequest): Promise<boolean> {
  let known = maintenanceOfRequest.get(request);
  if (!known) maintenanceOfRequest.set(request, (known = consoleInMaintenance(context.options.database, context.options.config)));
  return known;
}

export interface Rendering {
  title: string;
  active: string;
  body: Html;
  script?: string;
  status?: number;
}

/** Sends a page of the console in its layout, with who is signed in and the maintenance banner. */
export async function render(context: ConsoleContext, request: FastifyRequest, reply: FastifyReply, rendering: Rendering): Promise<FastifyReply> {
  const maintenance = await inMaintenance(context, request);
  const notice = request.session.notice;
  if (notice !== undefined) request.session.notice = undefined;
  const text = page({ title: rendering.title, active: rendering.active, user: signedInUser(request), maintenance, notice, script: rendering.script }, rendering.body);
  return reply.code(rendering.status ?? 200).type('text/html').send(text);
}
