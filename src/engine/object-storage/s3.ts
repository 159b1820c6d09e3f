// Objects in S3 and S3-compatible stores (MinIO, Ceph, ...): `s3://bucket/key` addresses, a client set up
// as the AWS SDK sets one up (environment, shared config and credentials files, instance roles), objects
// read by byte ranges pinned to the version first seen, and objects written by one multipart upload that
// becomes an object only when it is completed, and is aborted otherwise.
// The SDK is imported where an object is first reached, not with this module: the many commands that can
// name a backup but are given a local file, and every --help, start without it.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { isIP } from 'node:net';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RangedObject } from '../archive/segmented-source.ts';
import { ConnectionError, errorMessage, InputError, OperationError } from '../errors.ts';

const URL_PREFIX = 's3://';
/** S3's rules for a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3's limit on a key, in bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;
const MIB = 1024 * 1024;
/** Two parts on their way at once: the upload holds twice the part size in memory. */
const UPLOAD_PARTS_AT_ONCE = 2;
/** S3's bounds on a part (but the last), and on the parts of one upload, which bound the object's size. */
export const MIN_PART_BYTES = 5 * MIB;
export const MAX_PART_BYTES = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;
/** Parts of 32 MiB: objects up to 312.5 GiB; a larger backup needs larger parts. */
export const DEFAULT_PART_BYTES = 32 * MIB;

export interface S3Location {
  bucket: string;
  key: string;
  /** The address as the user wrote it, for messages. */
  url: string;
}

export function isS3Url(text: string): boolean {
  return text.toLowerCase().startsWith(URL_PREFIX);
}

/** `s3://bucket/key` as a bucket and a key; InputError naming what is wrong with a malformed one. */
export function parseS3Url(text: string): S3Location {
  const rest = text.slice(URL_PREFIX.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  // Whatever stands before an @ may be a secret: it is not repeated.
  if (bucket.includes('@')) throw new InputError('an s3:// address holds no credentials: give them as the AWS SDK takes them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, a role)');
  if (!BUCKET.test(bucket)) throw new InputError(`${text}: "${bucket}" is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`);
  if (key.length === 0 || key.endsWith('/')) throw new InputError(`${text} names no object: write s3://${bucket}/path/to/backup.db`);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new InputError(`${text}: the key is longer than S3's ${MAX_KEY_BYTES} bytes`);
  if ([...key].some((c) => c < ' ' || c === '\u007f')) throw new InputError(`${text}: the key holds a control character`);
  return { bucket, key, url: `${URL_PREFIX}${bucket}/${key}` };
}

/** Where the store is and who the client is, for what the environment does not say. */
export interface ObjectStorageSettings {
  endpoint?: string;
  region?: string;
  profile?: string;
}

let settings: ObjectStorageSettings = {};
let client: S3Client | undefined;

/** Settings from the tool's configuration; the SDK's own variables win over them. */
export function configureObjectStorage(given: ObjectStorageSettings): void {
  settings = given;
  client = undefined;
}

/** The endpoint of an S3-compatible store: the SDK's variables, or the configuration's. */
function configuredEndpoint(): string | undefined {
  return process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || settings.endpoint;
}

/** Region and profile from the configuration, only where the SDK's variables give none (an empty one gives none). */
function configuredClient(): { region?: string; profile?: string } {
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION ? undefined : settings.region;
  const profile = process.env.AWS_PROFILE ? undefined : settings.profile;
  return { ...(region ? { region } : {}), ...(profile ? { profile } : {}) };
}

/**
 * Whether the store is addressed by path (`http://host/bucket/key`) rather than by a bucket's own host
 * name: an IP address or localhost has no per-bucket names.
 */
export function usesPathStyle(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost');
  } catch {
    throw new InputError(`the S3 endpoint ${endpoint} is not a URL`);
  }
}

/** The client every object of this process goes through: region, credentials and endpoint as the SDK finds them. */
async function s3Client(): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const endpoint = configuredEndpoint();
  // The SDK warns at its first client that its releases after January 2027 will need Node 22. This suite pins
  // a release that supports Node 20, so the notice is about a version it does not run, and is kept from users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  client ??= new S3Client({ forcePathStyle: usesPathStyle(endpoint), ...(endpoint ? { endpoint } : {}), ...configuredClient() });
  return client;
}

/** What went wrong, said of the object: a store that cannot be reached is told from one that refuses. */
function s3Failure(error: unknown, location: S3Location, action: string): Error {
  const { name, code, $metadata } = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const message = `cannot ${action} ${location.url}: ${name && name !== 'Error' ? `${name}: ` : ''}${errorMessage(error)}`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || name === 'CredentialsProviderError' || /region/i.test(errorMessage(error))) return new ConnectionError(message);
  if ($metadata?.httpStatusCode === 403) return new ConnectionError(message);
  if (name === 'NoSuchBucket') return new InputError(message);
  return new OperationError(message);
}

function isNotFound(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
}

async function headObject(location: S3Location): Promise<{ size: number; etag: string } | undefined> {
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
  const client = await s3Client();
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return { size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw s3Failure(error, location, 'look up');
  }
}

/** A backup never replaces an object: whatever is there was put there by someone. */
export async function requireNoObject(location: S3Location): Promise<void> {
  if (await headObject(location)) throw new InputError(`${location.url} exists; choose another key to write a new backup`);
}

/** The object read by byte ranges, every range of the version first seen (a replaced object fails the read). */
export async function openObject(location: S3Location): Promise<RangedObject> {
  const head = await headObject(location);
  if (!head) throw new InputError(`the backup ${location.url} does not exist`);
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const client = await s3Client();
  const range = async (offset: number, bytes: number): Promise<Readable> => {
    try {
      const answer = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key, Range: `bytes=${offset}-${offset + bytes - 1}`, IfMatch: head.etag || undefined }));
      return answer.Body as Readable;
    } catch (error) {
      throw s3Failure(error, location, 'read');
    }
  };
  return {
    name: location.url,
    size: head.size,
    read: async (offset, bytes) => {
      const body = await range(offset, bytes);
      const pieces: Buffer[] = [];
      for await (const piece of body) pieces.push(piece as Buffer);
      return exactly(Buffer.concat(pieces), bytes, location);
    },
    download: async (offset, bytes, path) => {
      const hash = createHash('sha256');
      let received = 0;
      const counted = new Transform({
        transform(piece: Buffer, _encoding, done) {
          hash.update(piece);
          received += piece.length;
          done(null, piece);
        },
      });
      await pipeline(await range(offset, bytes), counted, createWriteStream(path));
      if (received !== bytes) throw new OperationError(`${location.url} gave ${received} bytes of a range of ${bytes}: it is shorter than its index says`);
      return hash.digest('hex');
    },
  };
}

function exactly(bytes: Buffer, expected: number, location: S3Location): Buffer {
  if (bytes.length !== expected) throw new OperationError(`${location.url} gave ${bytes.length} bytes of a range of ${expected}`);
  return bytes;
}

/**
 * One object written as a stream: parts of `partBytes` go up as the bytes come (at most MAX_PARTS of
 * them, which bounds the object's size), and the object
 * appears under its key only on complete(). abort() ends the upload and removes its parts; it returns
 * what it could not remove, said for the user.
 */
export class ObjectUpload {
  private readonly done: Promise<unknown>;

  /** Starts the upload of `location`, in parts of `partBytes`. */
  static async start(location: S3Location, partBytes = DEFAULT_PART_BYTES): Promise<ObjectUpload> {
    if (!Number.isSafeInteger(partBytes) || partBytes < MIN_PART_BYTES || partBytes > MAX_PART_BYTES) {
      throw new InputError(`a part of a multipart upload takes ${MIN_PART_BYTES / MIB} to ${MAX_PART_BYTES / MIB} MiB, not ${partBytes / MIB}`);
    }
    const { Upload } = await import('@aws-sdk/lib-storage');
    const body = new PassThrough({ highWaterMark: MIB });
    const client = await s3Client();
    const upload = new Upload({
      client,
      params: { Bucket: location.bucket, Key: location.key, Body: body },
      partSize: partBytes,
      queueSize: UPLOAD_PARTS_AT_ONCE,
      leavePartsOnError: false,
    });
    return new ObjectUpload(location, body, upload, client);
  }

  private constructor(
    readonly location: S3Location,
    private readonly body: PassThrough,
    private readonly upload: Upload,
    private readonly client: S3Client,
  ) {
    this.done = this.upload.done();
    // Its failure is met where the next bytes wait for room, or where the upload is completed.
    this.done.catch(() => undefined);
  }

  async appendFile(path: string): Promise<void> {
    for await (const piece of createReadStream(path, { highWaterMark: 1024 * 1024 })) await this.append(piece as Buffer);
  }

  async appendBytes(bytes: Buffer): Promise<void> {
    await this.append(bytes);
  }

  private async append(bytes: Buffer): Promise<void> {
    if (this.body.write(bytes)) return;
    const ended = this.done.then(
      () => Promise.reject(new Error('the upload ended before every byte was sent')),
      (error: unknown) => Promise.reject(s3Failure(error, this.location, 'upload')),
    );
    await Promise.race([once(this.body, 'drain'), ended]);
  }

  /** Sends the last part and makes the object. */
  async complete(): Promise<void> {
    this.body.end();
    try {
      await this.done;
    } catch (error) {
      throw s3Failure(error, this.location, 'upload');
    }
  }

  /** Ends the upload and removes its parts; undefined once nothing is left, else what is left and how to remove it. */
  async abort(): Promise<string | undefined> {
    await this.upload.abort();
    this.body.destroy();
    await this.done.catch(() => undefined);
    const uploadId = this.upload.uploadId;
    if (!uploadId) return undefined;
    const { AbortMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: this.location.key, UploadId: uploadId }));
      return undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchUpload') return undefined;
      return `the parts of multipart upload ${uploadId} of ${this.location.url} could not be removed (${errorMessage(error)}); they are not an object and nothing reads them, but they take space until a lifecycle rule or "aws s3api abort-multipart-upload --bucket ${this.location.bucket} --key ${this.location.key} --upload-id ${uploadId}" removes them`;
    }
  }
}
