// The layering rules npm run lint keeps: each one fails on an import that breaks it and passes the same
// file without it, and the cycle check fails on modules that import each other.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint();

/** The messages of the layering rules for `code` as if it were the file at `path`. */
async function layeringProblems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(path) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('layering rules', () => {
  const cases: { rule: string; path: string; breaking: string; keeping: string }[] = [
    {
      rule: 'the neutral dialect contract imports no dialect folder',
      path: 'src/engine/dialect/layering-example.ts',
      breaking: "import { postgresDialect } from './postgres/index.ts';\nexport const dialect = postgresDialect;\n",
      keeping: "import { RowsDigest } from './rows-digest.ts';\nexport const digest = new RowsDigest();\n",
    },
    {
      rule: 'the neutral dialect contract loads no dialect folder',
      path: 'src/engine/dialect/layering-example.ts',
      breaking: "export const load = () => import('./mysql/index.ts');\n",
      keeping: "export const load = () => import('../dialects.ts');\n",
    },
    {
      rule: 'engine/ imports nothing of wfm/',
      path: 'src/engine/copy/layering-example.ts',
      breaking: "import { backupDatabase } from '../../wfm/backup.ts';\nexport const run = backupDatabase;\n",
      keeping: "import { ContentHash } from './content-hash.ts';\nexport const hash = new ContentHash();\n",
    },
    {
      rule: 'engine/ imports nothing of cli/ or web/',
      path: 'src/engine/layering-example.ts',
      breaking: "import { buildConsole } from '../web/server.ts';\nexport const build = buildConsole;\n",
      keeping: "import { InputError } from './errors.ts';\nexport const error = InputError;\n",
    },
    {
      rule: "cli/ uses wfm/'s public modules only",
      path: 'src/cli/layering-example.ts',
      breaking: "import { ConfigFile } from '../wfm/config/config-file.ts';\nexport const file = ConfigFile;\n",
      keeping: "import { ConfigFile } from '../wfm/config/index.ts';\nexport const file = ConfigFile;\n",
    },
    {
      rule: "web/ uses wfm/'s public modules only",
      path: 'src/web/layering-example.ts',
      breaking: "import { maintenanceMode } from '../wfm/aggregator/store.ts';\nexport const mode = maintenanceMode;\n",
      keeping: "import { backupDatabase } from '../wfm/backup.ts';\nexport const run = backupDatabase;\n",
    },
  ];
  for (const { rule, path, breaking, keeping } of cases) {
    it(rule, async () => {
      assert.equal((await layeringProblems(path, breaking)).length, 1, 'the breaking import is reported');
      assert.deepEqual(await layeringProblems(path, keeping), [], 'the same file without it passes');
    });
  }
});

describe('cycle check', () => {
  const root = mkdtempSync(join(tmpdir(), 'layering-test-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const script = resolve('scripts/check-cycles.mjs');
  const check = (project: string) => spawnSync(process.execPath, [script], { cwd: project, encoding: 'utf8' });
  const project = (name: string, files: Record<string, string>): string => {
    const dir = join(root, name);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, 'src', path, '..'), { recursive: true });
      writeFileSync(join(dir, 'src', path), text);
    }
    return dir;
  };

  it('fails on modules that import each other, type-only imports included, naming the cycle', () => {
    const run = check(
      project('cycle', {
        'a/types.ts': "import type { Hash } from '../b/hash.ts';\nexport type Row = { hash: Hash };\n",
        'b/hash.ts': "import type { Row } from '../a/types.ts';\nexport type Hash = string;\nexport type Rows = Row[];\n",
      }),
    );
    assert.equal(run.status, 1);
    assert.match(run.stderr, /import cycle: a\/types\.ts -> b\/hash\.ts -> a\/types\.ts/);
  });

  it('passes modules that import in one direction only', () => {
    const run = check(
      project('layers', {
        'a/types.ts': 'export type Row = { hash: string };\n',
        'b/hash.ts': "import type { Row } from '../a/types.ts';\nexport type Rows = Row[];\n",
      }),
    );
    assert.equal(run.status, 0, run.stderr);
  });
});
