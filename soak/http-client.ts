import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  auth?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export const basicAuth = (name: string, password: string) =>
  `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;

/** HTTPS to one daemon over keep-alive connections, trusting the CA it generated. */
export class DaemonClient {
  private readonly agent: https.Agent;
  private readonly ca: Buffer;

  constructor(
    readonly port: number,
    caPath: string,
    maxSockets = 16,
  ) {
    this.ca = fs.readFileSync(caPath);
    this.agent = new https.Agent({ keepAlive: true, maxSockets, ca: this.ca });
  }

  /**
   * One request. A kept-alive connection the server closed just as it was reused fails with
   * ECONNRESET before anything was sent: that request is sent again, once, on a new connection.
   */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
    try {
      return await this.send(method, path, opts);
    } catch (err) {
      if ((err as { reusedSocket?: boolean }).reusedSocket && (err as { code?: string }).code === 'ECONNRESET') {
        return this.send(method, path, opts);
      }
      throw err;
    }
  }

  private send(method: string, path: string, opts: RequestOptions): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          // The certificate is checked against this name, whatever Host header a request carries.
          servername: 'localhost',
          headers: {
            ...(opts.auth ? { Authorization: opts.auth } : {}),
            // Node frames no body of a GET or DELETE by itself: the server would read it as the next request.
            ...(opts.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}),
            ...(opts.headers ?? {}),
          },
          timeout: opts.timeoutMs ?? 30_000,
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(parts);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out: ${method} ${path}`)));
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(opts.body);
    });
  }

  /**
   * Writes `raw` bytes as the whole request on a fresh TLS connection and returns the status of the
   * answer (0 when the server closed the connection without one): for requests no HTTP client sends.
   */
  raw(raw: Buffer | string, timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: this.port,
        ca: this.ca,
        servername: 'localhost',
        checkServerIdentity: () => undefined,
      });
      let answer = '';
      const timer = setTimeout(() => socket.destroy(new Error('raw request timed out')), timeoutMs);
      socket.on('secureConnect', () => socket.end(raw));
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      socket.on('error', (err: Error) => {
        clearTimeout(timer);
        if (answer) resolve(statusOf(answer));
        else reject(err);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(statusOf(answer));
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
