import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { ArtifactStore } from './stage-driver';

/** The bucket name a local run passes as `${ArtifactsBucket}` when none is given. */
export const LOCAL_ARTIFACTS_BUCKET = 'deploy-pipeline-artifacts';

/**
 * S3 object keys the local stores accept: what the pipeline writes (`runs/<execution>/...`,
 * `baselines/<service>/<environment>/...`). A key that would leave the directory (`..`, a leading
 * `/`) or is empty is refused, so a directory store never writes outside its root.
 */
function checkKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '')) {
    throw new Error(`artifact key ${JSON.stringify(key)} is not a relative S3 key without empty or ".." parts`);
  }
}

/** Run artifacts as files under one directory: `<root>/<key>`. */
export class DirectoryArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(
    root: string,
    readonly bucket: string = LOCAL_ARTIFACTS_BUCKET,
  ) {
    this.root = resolve(root);
  }

  /** The file that holds `key`. @throws Error for a key {@link checkKey} refuses. */
  pathOf(key: string): string {
    checkKey(key);
    const path = resolve(this.root, ...key.split('/'));
    if (!path.startsWith(this.root + sep)) throw new Error(`artifact key ${key} leaves ${this.root}`);
    return path;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') {
        return undefined;
      }
      throw err;
    }
  }
}

/** Client settings for an S3-compatible endpoint such as moto_server (path-style, dummy credentials unless set). */
export function s3ClientConfigFor(endpoint: string): S3ClientConfig {
  const hasCredentials = process.env.AWS_ACCESS_KEY_ID !== undefined && process.env.AWS_SECRET_ACCESS_KEY !== undefined;
  return {
    endpoint,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: true,
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
  };
}

/** Run artifacts in an S3 bucket through the AWS SDK (e.g. moto_server with `--aws-endpoint`). */
export class S3ArtifactStore implements ArtifactStore {
  constructor(
    readonly client: S3Client,
    readonly bucket: string = LOCAL_ARTIFACTS_BUCKET,
    /** Where the bucket lives, for messages (e.g. `http://127.0.0.1:5000`). */
    readonly where: string = 'the default S3 endpoint',
  ) {}

  /** A store on `endpoint` whose bucket exists (created when missing). */
  static async atEndpoint(endpoint: string, bucket: string = LOCAL_ARTIFACTS_BUCKET): Promise<S3ArtifactStore> {
    const store = new S3ArtifactStore(new S3Client(s3ClientConfigFor(endpoint)), bucket, endpoint);
    await store.ensureBucket();
    return store;
  }

  /** Creates the bucket unless it exists. @throws the SDK's error when the endpoint cannot be reached. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    checkKey(key);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array(0);
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw err;
    }
  }
}
