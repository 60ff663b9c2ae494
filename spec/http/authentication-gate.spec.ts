import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import type { AppState } from '../../src/http/context';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load-config';
import { connectDockerEngine } from '../../src/docker/docker-engine';
import { BOSUN_FAMILIES } from '../../src/families';
import { tokenRoutes } from '../../src/http/auth/token-routes';
import { directorTasksFamily } from '../../src/families/director-tasks/family';
import { SecretStore } from '../../src/secrets/secret-store';
import { asAdmin, asReader } from '../support/auth';
import { silentLog } from '../support/databases';
import { describeOnBothBackends, Harness, users } from '../support/harness';

/** Every route the daemon serves, as [METHOD, path with its parameters filled in]. */
function everyRoute(h: Harness): Array<[string, string]> {
  const routers: Router<AppState>[] = [tokenRoutes(h.auth, h.tokens), ...h.families.flatMap((f) => f.routers)];
  const routes = new Map<string, [string, string]>();
  for (const router of routers) {
    for (const layer of router.stack) {
      if (!layer.methods.length || typeof layer.path !== 'string') continue;
      const path =
        layer.path
          .replace(/\(.*?\)/g, '')
          .replace(/:[A-Za-z_]+\??/g, '1')
          .replace(/\/$/, '') || '/';
      for (const method of layer.methods) if (method !== 'HEAD') routes.set(`${method} ${path}`, [method, path]);
    }
  }
  return [...routes.values()];
}

/** The same path spelled as a router might still match it, or a decoder might turn it back into it. */
function spellings(path: string): string[] {
  const firstLetter = Math.max(1, path.search(/[a-z]/));
  const encoded = `${path.slice(0, firstLetter)}%${path.charCodeAt(firstLetter).toString(16)}${path.slice(firstLetter + 1)}`;
  return [
    path,
    path.toUpperCase(),
    path.replace(/(^|\/)([a-z])/g, (_m, s: string, c: string) => s + c.toUpperCase()),
    `${path}/`,
    path.replace(/\//g, '//'),
    `/.${path}`,
    encoded,
    encoded.toUpperCase(),
    path.replace(/\/(?=[^/]*$)/, '%2F'),
  ];
}

// The Drydock health check is public as Drydock's is; its node routes (boot data, boot-action reports)
// pass the gate but answer 401 without the node's key, so they stay in the walk.
const PUBLIC = new Set(['GET /info', 'POST /api/v1/auth/tokens', 'POST /v3/auth/tokens', 'GET /api/v1.0/health']);
const needsAdmin = (method: string, path: string) => method !== 'GET' || path.startsWith('/api/v1/data');

describeOnBothBackends(
  'the authentication gate',
  (h) => {
    let server: http.Server;
    before((done) => {
      const handle = h.app.callback();
      server = http.createServer((req, res) => void handle(req, res)).listen(0, '127.0.0.1', done);
    });
    after((done) => {
      server.close(done);
    });
    /** A request with the path exactly as written (client libraries normalise `/./` and the like). */
    const send = (method: string, path: string, authorization?: string) =>
      new Promise<number>((resolve, reject) => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': '2' };
        if (authorization) headers.Authorization = authorization;
        const req = http.request(
          { host: '127.0.0.1', port: (server.address() as AddressInfo).port, method, path, headers },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end('{}');
      });

    it('answers no route of any family, in any spelling, without credentials', async function () {
      this.timeout(120_000);
      const routes = everyRoute(h);
      expect(routes.length).to.be.greaterThan(30);
      const answered: string[] = [];
      for (const [method, path] of routes) {
        for (const spelled of spellings(path)) {
          if (PUBLIC.has(`${method} ${spelled}`)) continue;
          const status = await send(method, spelled);
          if (status < 400) answered.push(`${method} ${spelled} → ${status}`);
        }
      }
      expect(answered).to.deep.equal([]);
      expect(await h.tasks.list({})).to.have.length(0);
    });

    it('lets a read-only user change nothing and read no secret, in any spelling', async function () {
      this.timeout(120_000);
      const answered: string[] = [];
      for (const [method, path] of everyRoute(h).filter(([m, p]) => needsAdmin(m, p) && !PUBLIC.has(`${m} ${p}`))) {
        for (const spelled of spellings(path)) {
          const status = await send(method, spelled, asReader);
          if (status < 400) answered.push(`${method} ${spelled} → ${status}`);
        }
      }
      expect(answered).to.deep.equal([]);
      expect(await h.tasks.list({})).to.have.length(0);
    });

    it('answers the secret store only to an admin, whatever the spelling (it answered without credentials)', async () => {
      await h.api
        .put('/api/v1/data')
        .set('Authorization', asAdmin)
        .send({ name: '/a', type: 'value', value: 'v' })
        .expect(200);
      for (const path of ['/API/V1/DATA', '/Api/V1/Data', '//api/v1/data', '/api/v1/data/', '/api/v1/%64ata']) {
        const anonymous = await h.api.get(`${path}?name=/a`);
        expect(anonymous.status, path).to.equal(401);
        expect(anonymous.body).to.deep.equal({ error: 'Full authentication is required to access this resource' });
        expect((await h.api.get(`${path}?name=/a`).set('Authorization', asReader)).status, path).to.equal(403);
        expect((await h.api.delete(`${path}?name=/a`)).status, path).to.equal(401);
      }
      await h.api.get('/api/v1/data?name=/a').set('Authorization', asAdmin).expect(200);
    });

    it('answers the sync task API (CTS) in its own error shape, with the exact Content-Type, whatever the spelling', async () => {
      for (const path of [
        '/v1/tasks',
        '/V1/Tasks',
        '//v1/tasks',
        '/v1/tasks/',
        '/v1/%74asks',
        '/v1/status/tasks',
        '/v1/health',
        '/v1/modules',
      ]) {
        const anonymous = await h.api.get(path).expect(401);
        expect(anonymous.headers['content-type'], path).to.equal('application/json');
        expect(anonymous.body.error.message, path).to.be.a('string');
        expect(anonymous.body.request_id, path).to.be.a('string');
        const reader = await h.api.delete(`${path}/x`).set('Authorization', asReader).expect(403);
        expect(reader.body.error.message, path).to.include('bosh.admin');
      }
    });

    it("answers a bad path's 401 with the path escaped, not as markup", async () => {
      const res = await h.api.get('/tasks/<script>alert(1)</script>').expect(401);
      expect(res.text).to.equal("Not authorized: '/tasks/%3Cscript%3Ealert(1)%3C/script%3E'\n");
      const raw = await h.api.get("/x'<b>").expect(401);
      expect(raw.text).not.to.match(/<b>/);
    });
  },
  {
    withFamilies: (h) =>
      // The harness adds the Director's task routes itself.
      BOSUN_FAMILIES.filter((make) => make !== directorTasksFamily).map((make) =>
        make({
          docker: connectDockerEngine(),
          secrets: new SecretStore(h.db.knex, crypto.randomBytes(32)),
          config: loadConfig({
            env: { BOSUN_NODE_ID: 'node-a', BOSUN_SECRETS_KEY: crypto.randomBytes(32).toString('base64') },
          }),
          db: h.db,
          tasks: h.tasks,
          users,
          log: silentLog,
          auth: h.auth,
          tokens: h.tokens,
        }),
      ),
  },
);
