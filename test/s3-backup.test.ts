// Backups in S3-compatible object storage, against a real server (s3rver) on 127.0.0.1: backup, verify and
// restore round trips into SQLite and PostgreSQL, a backup split over many segments read back a segment at
// a time, damage found in any segment, and interruptions: a killed upload leaves no object under its key,
// a killed restore leaves the target as it was found.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readSegmentIndex } from '../src/engine/archive/index.ts';
import { indexBytes } from '../src/engine/archive/segments.ts';
import { openObject, parseS3Url } from '../src/engine/object-storage/s3.ts';
import { backupDatabase, restoreDatabase, verifyBackup } from '../src/wfm/backup.ts';
import { backupSealKey } from '../src/wfm/backup-seal.ts';
import { wfm } from './helpers/cli.ts';
import { databaseContentAt } from './helpers/content.ts';
import { testEngines, trackedDatabases, type TestDatabase, type TestEngine } from './helpers/databases.ts';
import { generatedDatabase } from './helpers/generated.ts';
import { startS3Server, type TestS3Server } from './helpers/s3-server.ts';

const all = await testEngines();
const engines = new Map(all.filter((e) => !e.skip).map((e) => [e.engine, e]));
const sqlite = engines.get('sqlite') as TestEngine;
const postgres = engines.get('postgres');
const fresh = trackedDatabases();
const WFM = fileURLToPath(new URL('../bin/wfm.js', import.meta.url));

/** Files of the tests and temporary directories of the `wfm` processes they kill, removed at the end. */
const scratch = mkdtempSync(join(tmpdir(), 'wfm-s3-test-'));
let server: TestS3Server;
let client: S3Client;
let keys = 0;

before(async () => {
  server = await startS3Server();
  // The code under test reads the same variables as the `wfm` processes are given.
  Object.assign(process.env, server.env);
  client = server.client;
});
after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function newUrl(label: string): string {
  return `s3://${server.bucket}/backups/${label}-${process.pid}-${++keys}.db`;
}

function keyOf(url: string): string {
  return url.slice(`s3://${server.bucket}/`.length);
}

async function objectExists(url: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: keyOf(url) }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

async function generated(engine: TestEngine, options: { agents: number; days: number } = { agents: 25, days: 3 }): Promise<TestDatabase> {
  return generatedDatabase(fresh, engine, 'original', '8.5.2', { ...options, seed: 7 });
}

/** One MiB: the smallest segment the command takes; each holds about 0.4 MiB of rows beside its archive's own tables. */
const SEGMENT_BYTES = 1024 * 1024;

describe('backups in S3-compatible object storage', () => {
  let medium: TestDatabase;

  before(async () => {
    // Enough rows for several segments of SEGMENT_BYTES.
    medium = await generated(sqlite, { agents: 100, days: 14 });
  });

  it('backs up to s3:// through the command, verifies it and restores it into SQLite, row for row', async () => {
    const original = await generated(sqlite);
    const url = newUrl('cli');
    const backup = wfm(['bru', '-BACKUP', '-DB', original.url, '-FILE', url], server.env);
    assert.equal(backup.status, 0, backup.stderr);
    assert.match(backup.stdout, new RegExp(`backed up to ${url}`));
    assert.ok(await objectExists(url));
    const verify = wfm(['bru', '-VERIFY', '-FILE', url], server.env);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /intact: \d+ tables/);
    const restored = await fresh(sqlite, 'restored');
    const restore = wfm(['bru', 'restore', '--db', restored.url, '--file', url], server.env);
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(await databaseContentAt(restored.url), await databaseContentAt(original.url));
    // No notice of the SDK's own reaches the user.
    assert.doesNotMatch(backup.stderr + verify.stderr + restore.stderr, /Warning/);
  });

  it('a backup in many segments restores into PostgreSQL row for row, each table read a segment at a time', { skip: postgres ? undefined : 'PostgreSQL unavailable' }, async () => {
    const original = medium;
    const url = newUrl('segments');
    // Three quarters of a MiB: each segment holds little more than its archive's own tables and a few chunks.
    const backup = await backupDatabase(original.target, url, { chunkRows: 2000, objectStorage: { segmentBytes: 768 * 1024 } });
    const report = await verifyBackup(url);
    assert.ok(report.ok, report.problems.join('\n'));
    assert.equal(report.tables.reduce((sum, t) => sum + t.rows, 0), backup.tables.reduce((sum, t) => sum + t.rows, 0));
    const index = await readSegmentIndex(await openObject(parseS3Url(url)));
    assert.ok(index.segments.length > 2, `${index.segments.length} segments`);
    assert.ok(
      index.totals.some((total) => index.segments.filter((segment) => segment.items.some((i) => i.name === total.name)).length > 1),
      'some table spans several segments',
    );
    const restored = await fresh(postgres as TestEngine, 'restored');
    const result = await restoreDatabase(url, restored.target);
    assert.ok(result.tables.every((t) => t.verified));
    assert.deepEqual(await databaseContentAt(restored.url), await databaseContentAt(original.url));
  });

  it('a backup of PostgreSQL, two tables read at once into small segments, holds every chunk once', { skip: postgres ? undefined : 'PostgreSQL unavailable' }, async () => {
    // Chunks of two tables are prepared at the same moment: a segment must not be finished while one bound
    // for it is still being prepared, nor two new segments be opened at once.
    const original = await generatedDatabase(fresh, postgres as TestEngine, 'original', '8.5.2', { agents: 100, days: 14, seed: 7 });
    const url = newUrl('two-tables');
    const backup = wfm(['bru', '-BACKUP', '-DB', original.url, '-FILE', url, '--segment-size', '1'], server.env);
    assert.equal(backup.status, 0, backup.stderr);
    const verify = wfm(['bru', '-VERIFY', '-FILE', url], server.env);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const restored = await fresh(sqlite, 'two-tables-restored');
    const restore = wfm(['bru', 'restore', '--db', restored.url, '--file', url], server.env);
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(await databaseContentAt(restored.url), await databaseContentAt(original.url));
  });

  it('a byte changed in any segment is found by verify and refused by restore before the target is touched', async () => {
    const url = newUrl('damaged');
    await backupDatabase(medium.target, url, { objectStorage: { segmentBytes: SEGMENT_BYTES } });
    const answer = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: keyOf(url) }));
    const bytes = Buffer.from(await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    // A byte in the middle of the object: inside some segment's chunks, past the first segment.
    const at = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    const damaged = newUrl('damaged-copy');
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: keyOf(damaged), Body: bytes }));
    const report = await verifyBackup(damaged);
    assert.equal(report.ok, false);
    assert.match(report.problems.join('\n'), /segment \d+ of \d+: its bytes were changed or damaged/);
    const target = await fresh(sqlite, 'target');
    const restore = wfm(['bru', 'restore', '--db', target.url, '--file', damaged], server.env);
    assert.equal(restore.status, 1, restore.stderr);
    assert.match(restore.stderr, /cannot be restored/);
    assert.equal((await databaseContentAt(target.url)).size, 0);
  });

  it('a sealed backup in object storage is sealed over its index: another key is named, an index altered and made to agree is refused', async () => {
    const key = backupSealKey(randomBytes(32));
    const other = backupSealKey(randomBytes(32));
    const url = newUrl('sealed');
    const backup = await backupDatabase(medium.target, url, { objectStorage: { segmentBytes: SEGMENT_BYTES }, sealing: { key } });
    assert.deepEqual(backup.seal, { state: 'sealed-by-this-key', keyId: key.id });
    const own = await verifyBackup(url, { key });
    assert.ok(own.ok, own.problems.join('\n'));
    assert.deepEqual(own.seal, { state: 'sealed-by-this-key', keyId: key.id });
    assert.deepEqual((await verifyBackup(url, { key: other })).seal, { state: 'sealed-by-another-key', keyId: key.id, ownKeyId: other.id });
    // The index rewritten with a field changed and its footer's SHA-256 computed again, as anyone can without the key.
    const index = await readSegmentIndex(await openObject(parseS3Url(url)));
    const last = index.segments.at(-1) as { offset: number; bytes: number };
    const answer = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: keyOf(url) }));
    const bytes = Buffer.from(await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    const altered = indexBytes({ ...index, header: { ...index.header, createdAt: '2001-01-01T00:00:00.000Z' } });
    const forged = newUrl('sealed-forged');
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: keyOf(forged), Body: Buffer.concat([bytes.subarray(0, last.offset + last.bytes), altered]) }));
    const unkeyed = await verifyBackup(forged);
    assert.ok(unkeyed.ok, `without the key the digests agree: ${unkeyed.problems.join('; ')}`);
    const keyed = await verifyBackup(forged, { key });
    assert.equal(keyed.ok, false);
    assert.equal(keyed.seal?.state, 'seal-does-not-match');
    const target = await fresh(sqlite, 'sealed-target');
    await assert.rejects(restoreDatabase(forged, target.target, { sealing: { key } }), /cannot be restored[\s\S]*seal does not match/);
    assert.equal((await databaseContentAt(target.url)).size, 0);
  });

  it("takes the endpoint and region from wfm.yaml's Database Utility ObjectStorage section where the environment gives none", async () => {
    const url = newUrl('configured');
    assert.equal(wfm(['bru', 'backup', '--db', medium.url, '--file', url], server.env).status, 0);
    const config = join(mkdtempSync(join(scratch, 'config-')), 'wfm.yaml');
    writeFileSync(
      config,
      ['applications:', '  WFM Database Utility:', '    type: database-utility', '    release: 8.5.2', '    options:', '      ObjectStorage:', `        Endpoint: ${server.endpoint}`, '        Region: us-east-1', ''].join('\n'),
    );
    // An empty variable counts as unset, as the AWS command line takes it.
    const verify = wfm(['bru', 'verify', '--config', config, '--file', url], { ...server.env, AWS_ENDPOINT_URL: '', AWS_REGION: '' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  });

  it('refuses a malformed s3:// address, a missing object and an existing key with exit 2, and names a backup file copied in by hand', async () => {
    assert.equal(wfm(['bru', 'verify', '--file', 's3://No_Such/x.db'], server.env).status, 2);
    const withSecret = wfm(['bru', 'verify', '--file', 's3://AKIAEXAMPLE:s3cr3t-Value@wfm-backups/x.db'], server.env);
    assert.equal(withSecret.status, 2);
    assert.match(withSecret.stderr, /holds no credentials/);
    assert.doesNotMatch(withSecret.stdout + withSecret.stderr, /s3cr3t-Value/);
    const missing = wfm(['bru', 'verify', '--file', newUrl('missing')], server.env);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /the backup s3:\/\/.* does not exist/);
    const local = join(mkdtempSync(join(scratch, 'local-')), 'local.db');
    await backupDatabase(medium.target, local);
    const copied = newUrl('copied');
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: keyOf(copied), Body: readFileSync(local) }));
    const copiedVerify = wfm(['bru', 'verify', '--file', copied], server.env);
    assert.equal(copiedVerify.status, 1);
    assert.match(copiedVerify.stdout, /a backup file copied into object storage, not one written there by wfm bru backup: download it/);
    const url = newUrl('twice');
    assert.equal(wfm(['bru', 'backup', '--db', medium.url, '--file', url], server.env).status, 0);
    const again = wfm(['bru', 'backup', '--db', medium.url, '--file', url], server.env);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /exists; choose another key/);
  });
});

/** Starts `wfm` with the server's environment and a temporary directory of its own, to watch its scratch files. */
function startWfm(args: string[], tmp: string): ChildProcess {
  return spawn(process.execPath, [WFM, ...args], { env: { ...process.env, ...server.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (piece: Buffer) => (stderr += piece.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stderr };
}

/** Waits until `ready` holds, checking every 20 ms, or fails once the child has exited. */
async function waitFor(ready: () => boolean, child: ChildProcess, what: string): Promise<void> {
  while (!ready()) {
    if (child.exitCode !== null) assert.fail(`the command ended (${child.exitCode}) before ${what}`);
    await delay(20);
  }
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true }) as string[];
}

describe('interrupted transfers to and from object storage', () => {
  let large: TestDatabase;
  let segmented: string;

  before(async () => {
    // Large enough for several parts of the smallest size S3 takes (5 MiB).
    large = await generated(sqlite, { agents: 300, days: 45 });
    segmented = newUrl('large');
    const backup = wfm(['bru', 'backup', '--db', large.url, '--file', segmented, '--segment-size', '1', '--part-size', '5'], server.env);
    assert.equal(backup.status, 0, backup.stderr);
  });

  /** A backup of the large database started, once its multipart upload is under way: its key, process and upload. */
  async function uploading(label: string): Promise<{ url: string; child: ChildProcess; ended: ReturnType<typeof exited>; uploads: string[] }> {
    const url = newUrl(label);
    const earlier = new Set(server.incompleteUploads());
    const child = startWfm(['bru', 'backup', '--db', large.url, '--file', url, '--segment-size', '1', '--part-size', '5'], mkdtempSync(join(scratch, `${label}-`)));
    const ended = exited(child);
    const started = (): string[] => server.incompleteUploads().filter((id) => !earlier.has(id));
    await waitFor(() => started().length > 0, child, 'its multipart upload started');
    return { url, child, ended, uploads: started() };
  }

  it('a backup killed while its parts upload leaves no object under its key', async () => {
    const { url, child, ended } = await uploading('killed');
    child.kill('SIGKILL');
    assert.equal((await ended).signal, 'SIGKILL');
    assert.equal(await objectExists(url), false);
    assert.match(wfm(['bru', 'verify', '--file', url], server.env).stderr, /does not exist/);
  });

  it('a backup stopped by SIGTERM during the upload ends the upload, says what is left and exits 143', async () => {
    const { url, child, ended, uploads } = await uploading('stopped');
    child.kill('SIGTERM');
    const { code, stderr } = await ended;
    assert.equal(code, 143, stderr);
    assert.equal(await objectExists(url), false);
    // s3rver does not implement AbortMultipartUpload: the parts it keeps are named, with how to remove them.
    assert.deepEqual(server.incompleteUploads().filter((id) => uploads.includes(id)), uploads);
    assert.match(stderr, new RegExp(`multipart upload ${uploads[0]} of ${url} could not be removed.*abort-multipart-upload`));
  });

  it('a restore killed while it downloads a segment leaves the target as it found it', async () => {
    const target = await fresh(sqlite, 'target');
    const found = await databaseContentAt(target.url);
    const tmp = mkdtempSync(join(scratch, 'restore-'));
    const child = startWfm(['bru', 'restore', '--db', target.url, '--file', segmented], tmp);
    const ended = exited(child);
    // A segment fetched for the load, once verification has read them all: the rows are on their way in.
    await waitFor(() => filesUnder(tmp).some((f) => /source-\d+-\d+-segment-\d+\.db$/.test(f)), child, 'the load fetched a segment');
    child.kill('SIGKILL');
    assert.equal((await ended).signal, 'SIGKILL');
    assert.deepEqual(await databaseContentAt(target.url), found);
  });
});
