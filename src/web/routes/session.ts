// Signing in and out. A token signs in as an administrator or a viewer; a WFM user may be named with it,
// whose privileges decide what Backup & restore offers. Signing out destroys the session.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isWfmUser } from '../../wfm/console-access.ts';
import type { ConsoleContext } from '../context.ts';
import { page } from '../views/layout.ts';
import { signInForm } from '../views/sign-in.ts';

/** A login is a short name; anything longer is refused before the database is asked. */
export const MAX_LOGIN_LENGTH = 128;

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function refused(reply: FastifyReply, problem: string): FastifyReply {
  return reply.code(401).type('text/html').send(page({ title: 'Sign in' }, signInForm(problem)));
}

/** Why the named login cannot be the signed-in WFM user, or undefined when it can. */
export async function loginProblem(context: ConsoleContext, login: string): Promise<string | undefined> {
  if (login.length > MAX_LOGIN_LENGTH || !(await isWfmUser(context.options.database, login))) return `The database has no WFM user "${login.slice(0, MAX_LOGIN_LENGTH)}".`;
  return undefined;
}

async function signIn(context: ConsoleContext, request: FastifyRequest, reply: FastifyReply, token: string, loginText: string): Promise<FastifyReply> {
  const match = context.tokens.find((t) => sameToken(t.token, token));
  if (!match) return refused(reply, 'That token does not sign anyone in.');
  const login = loginText.trim();
  // Checked before a one-time token is used up, so that a mistyped login does not cost it.
  const problem = login === '' ? undefined : await loginProblem(context, login);
  if (problem) return refused(reply, problem);
  if (match.oneTime) context.tokens.splice(context.tokens.indexOf(match), 1);
  // A new session id on sign-in: one planted before it never becomes a signed-in session.
  await request.session.regenerate();
  request.session.role = match.role;
  if (login !== '') request.session.login = login;
  return reply.redirect('/');
}

export function sessionRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app.get('/sign-in', async (request, reply) => {
    const query = request.query as { token?: string; login?: string };
    if (query.token) return signIn(context, request, reply, query.token, String(query.login ?? ''));
    return reply.type('text/html').send(page({ title: 'Sign in' }, signInForm()));
  });
  app.post('/sign-in', async (request, reply) => {
    const form = request.body as { token?: string; login?: string };
    return signIn(context, request, reply, String(form.token ?? ''), String(form.login ?? ''));
  });
  app.post('/sign-out', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/sign-in');
  });
}
