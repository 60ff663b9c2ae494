import fs from 'node:fs';
import https from 'node:https';
import type { z } from 'zod';
import * as types from './bosh-cli-types';

/**
 * A client that behaves on the wire as the BOSH CLI v7.1.0 does (bosh-wire.md §7): a new TLS
 * connection per request verified against the daemon's CA; Basic auth; a redirect followed by Go's
 * net/http (the method becomes GET, the body and every header but Authorization dropped); only 200,
 * 201, 204, 206 and 302 accepted; tasks polled with the event log tailed by `Range: bytes=N-` (416 is
 * "nothing new"); every event line decoded strictly, as the CLI would panic on a type mismatch.
 */
export class BoshCliLike {
  readonly requests: string[] = [];

  constructor(
    private readonly port: number,
    private readonly caPath: string,
    private readonly auth: { user: string; password: string } | null,
  ) {}

  private once(
    method: string,
    path: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    this.requests.push(`${method} ${path}`);
    const auth = this.auth
      ? { Authorization: `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}` }
      : {};
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          ca: fs.readFileSync(this.caPath),
          agent: false,
          headers: {
            ...auth,
            ...headers,
            ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers as Record<string, string>,
              body: Buffer.concat(parts),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** One CLI request: redirects followed as Go follows them, then the CLI's status check. */
  async request(
    method: string,
    path: string,
    opts: { body?: Buffer | string; contentType?: string; range?: string } = {},
  ) {
    const headers: Record<string, string> = {};
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    if (opts.range) headers.Range = opts.range;
    let res = await this.once(method, path, opts.body, headers);
    for (let hops = 0; [301, 302, 303].includes(res.status) && res.headers.location; hops++) {
      if (hops > 10) throw new Error('Too many redirects');
      const location = new URL(res.headers.location, `https://127.0.0.1:${this.port}`);
      if (location.protocol !== 'https:') throw new Error(`redirected off HTTPS: ${res.headers.location}`);
      res = await this.once('GET', location.pathname + location.search);
    }
    if (![200, 201, 204, 206, 302, 416].includes(res.status) || (res.status === 416 && !opts.range)) {
      throw new Error(
        `Director responded with non-successful status code '${res.status}' response '${res.body.toString()}'`,
      );
    }
    return res;
  }

  async get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return decode(schema, (await this.request('GET', path)).body.toString(), `GET ${path}`);
  }

  /** A task-backed call (PostResult/PutResult/DeleteResult/GetResult): follow, tail events, then the whole result. */
  async taskResult(
    method: string,
    path: string,
    opts: { body?: Buffer | string; contentType?: string } = {},
  ): Promise<{
    task: z.infer<typeof types.taskShort>;
    events: Array<z.infer<typeof types.taskEvent>>;
    result: string;
  }> {
    const res = await this.request(method, path, opts);
    const task = decode(types.taskShort, res.body.toString(), `${method} ${path} (after redirect)`);
    return this.follow(task.id);
  }

  /** `bosh task N`: polls the state, tails the event log, then reads the result log. */
  async follow(id: number) {
    let offset = 0;
    let text = '';
    let task: z.infer<typeof types.taskShort>;
    for (;;) {
      task = await this.get(`/tasks/${id}`, types.taskShort);
      const out = await this.request('GET', `/tasks/${id}/output?type=event`, { range: `bytes=${offset}-` });
      if (out.status !== 416) {
        offset += out.body.length;
        text += out.body.toString();
      }
      if (!['queued', 'processing', 'cancelling'].includes(task.state)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const events = text
      .split('\n')
      .filter(Boolean)
      .map((line) => decode(types.taskEvent, line, `event line of task ${id}`));
    if (task.state !== 'done') {
      const error = events.find((e) => e.error)?.error?.message ?? '';
      throw new TaskFailed(`Expected task '${id}' to succeed but state is '${task.state}'`, error);
    }
    const result = (await this.request('GET', `/tasks/${id}/output?type=result`)).body.toString();
    return { task, events, result };
  }
}

export class TaskFailed extends Error {
  constructor(
    message: string,
    readonly eventError: string,
  ) {
    super(`${message}: ${eventError}`);
  }
}

function decode<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON: ${text.slice(0, 200)}`);
  }
  const r = schema.safeParse(value);
  if (!r.success)
    throw new Error(
      `${what}: the CLI could not decode it: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

export const ndjsonOf = <T>(schema: z.ZodType<T>, text: string): T[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => decode(schema, l, 'result line'));
