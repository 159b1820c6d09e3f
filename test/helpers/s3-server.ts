// A real S3-compatible server for the tests: s3rver, started in a process of its own (the test process
// waits on the `wfm` processes it starts) on 127.0.0.1 with a port of its own and a directory of its own,
// with one bucket; the `wfm` processes reach it through the environment, as a user's reach theirs. Shared
// by the tests and the bench.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { S3Client } from '@aws-sdk/client-s3';

export interface TestS3Server {
  bucket: string;
  endpoint: string;
  /** The environment a client of this server needs: endpoint, region and the server's own credentials. */
  env: Record<string, string>;
  /** A client of this server, for what the caller does to the bucket itself; stop() destroys it. */
  client: S3Client;
  /** The multipart uploads started and neither completed nor aborted, whose parts the server keeps. */
  incompleteUploads(): string[];
  stop(): Promise<void>;
}

/** s3rver's fixed credentials. */
const ACCESS_KEY = 'S3RVER';

const SERVER_SCRIPT = `
const S3rver = require('@20minutes/s3rver');
const [directory, bucket] = process.argv.slice(1);
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] })
  .run()
  .then((address) => console.log(address.port));
`;

export async function startS3Server(bucket = 'wfm-backups'): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'wfm-s3rver-'));
  const server = spawn(process.execPath, ['-e', SERVER_SCRIPT, directory, bucket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
  const endpoint = `http://127.0.0.1:${Number(line)}`;
  const env = { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: ACCESS_KEY };
  const client = new S3Client({ endpoint, region: env.AWS_REGION, forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY } });
  return {
    bucket,
    endpoint,
    env,
    client,
    incompleteUploads: () => {
      const uploads = join(directory, bucket, '._S3rver_uploads');
      return existsSync(uploads) ? readdirSync(uploads, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
    },
    stop: async () => {
      client.destroy();
      server.kill('SIGTERM');
      if (server.exitCode === null) await once(server, 'exit');
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
