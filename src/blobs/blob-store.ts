import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { Row } from '../db/row-values';

/** Bytes per stored part: big enough for few rows, small enough to keep memory flat while streaming. */
const PART_SIZE = 1024 * 1024;

/**
 * Uploaded archives and compiled packages, kept in the database in parts so that every bosun node
 * sharing it can read them. All SQL on the `blobs` table.
 */
export class BlobStore {
  constructor(private readonly knex: Knex) {}

  /**
   * Stores a stream (an upload, an archive out of a container) part by part, reading the next chunk
   * only once the part before is stored; `observe` sees every chunk (to hash it on the way). Returns
   * the blob id and its size. Throws past maxBytes, leaving nothing stored.
   */
  async putStream(
    source: AsyncIterable<Buffer | string>,
    maxBytes = Number.POSITIVE_INFINITY,
    observe?: (chunk: Buffer) => void,
  ): Promise<{ id: string; size: number }> {
    const id = crypto.randomUUID();
    let part = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (!pendingBytes) return;
      await this.knex<Row>('blobs').insert({ id, part: part++, data: Buffer.concat(pending) });
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const chunk of source) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += buf.length;
        if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
        observe?.(buf);
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= PART_SIZE) await flush();
      }
      await flush();
    } catch (err) {
      await this.delete(id);
      throw err;
    }
    return { id, size };
  }

  async put(data: Buffer): Promise<string> {
    const id = crypto.randomUUID();
    const rows = [];
    for (let off = 0, part = 0; off < data.length || part === 0; off += PART_SIZE, part++) {
      rows.push({ id, part, data: data.subarray(off, off + PART_SIZE) });
    }
    for (const row of rows) await this.knex<Row>('blobs').insert(row);
    return id;
  }

  /** The blob's parts in order, one query each, so a large blob never sits in memory whole. */
  async *read(id: string): AsyncGenerator<Buffer> {
    for (let part = 0; ; part++) {
      const row = await this.knex<Row>('blobs').where({ id, part }).first('data');
      if (!row) return;
      yield row.data as Buffer;
    }
  }

  /** The blob as a byte stream that reads a part from the database only when the consumer wants more. */
  stream(id: string): Readable {
    return Readable.from(this.read(id), { objectMode: false, highWaterMark: PART_SIZE });
  }

  /** The whole blob in memory: only for small ones (manifests, job templates), never packages or images. */
  async get(id: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const p of this.read(id)) parts.push(p);
    if (!parts.length) throw new Error(`blob ${id} not found`);
    return Buffer.concat(parts);
  }

  async delete(id: string, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    await db<Row>('blobs').where({ id }).delete();
  }
}

export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload is larger than ${limit} bytes`);
  }
}
