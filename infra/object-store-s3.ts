// MinIO or any S3 service through the minio client. The bucket stays private: browsers get
// evidence through the API (signed, short-lived URLs), which also checks each object's hash.
import { Client } from 'minio';
import { assertKey, sha256Hex, type ObjectStore, type S3Settings, type StoredObject } from './object-store.ts';

export class S3ObjectStore implements ObjectStore {
  private readonly client: Client;
  private readonly bucket: string;
  private readonly endpoint: string;
  private bucketChecked: Promise<void> | undefined;

  constructor(settings: S3Settings) {
    const url = new URL(settings.endpoint);
    const useSSL = url.protocol === 'https:';
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: settings.accessKey,
      secretKey: settings.secretKey,
      // A fixed region spares a bucket-location round trip per request.
      region: settings.region ?? 'us-east-1',
      pathStyle: true,
    });
    this.bucket = settings.bucket;
    this.endpoint = `${url.protocol}//${url.host}`;
  }

  private ensureBucket(): Promise<void> {
    this.bucketChecked ??= (async () => {
      if (!(await this.client.bucketExists(this.bucket))) await this.client.makeBucket(this.bucket);
    })().catch((err) => {
      this.bucketChecked = undefined;
      throw err;
    });
    return this.bucketChecked;
  }

  async put(bytes: Buffer, contentType: string): Promise<StoredObject> {
    const sha256 = sha256Hex(bytes);
    await this.ensureBucket();
    if (!(await this.has(sha256))) {
      await this.client.putObject(this.bucket, sha256, bytes, bytes.length, { 'Content-Type': contentType });
    }
    return { key: sha256, sha256, bytes: bytes.length };
  }

  async get(key: string): Promise<Buffer | null> {
    assertKey(key);
    try {
      const stream = await this.client.getObject(this.bucket, key);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    assertKey(key);
    try {
      await this.client.statObject(this.bucket, key);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async ready(): Promise<void> {
    await this.ensureBucket();
  }

  describe(): string {
    return `s3 ${this.endpoint}/${this.bucket}`;
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchObject';
}
