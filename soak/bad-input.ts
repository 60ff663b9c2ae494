import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { CheckResult } from './checks';
import { loginLimits } from './login-limits';
import { waitForQuiet } from './checks';
import type { SoakCluster, SoakNode } from './cluster';
import { basicAuth } from './http-client';
import { TEST_IMAGE } from './load';
import type { Random } from './random';
import {
  CONTENT_TYPES,
  CONTROL_CHARACTERS,
  GARBAGE_AUTH,
  JUNK_BODIES,
  JUNK_HEADER_VALUES,
  JUNK_IDS,
  JUNK_QUERIES,
  JUNK_VALUES,
  PATH_TRICKS,
} from './bad-values';
import { changedParts, fingerprint } from './fingerprint';
import { hostileTemplates } from './hostile-templates';
import { canonicalPath, isUnder } from '../src/http/auth/canonical-path';

type Who = 'none' | 'wrong' | 'garbage' | 'reader' | 'admin';
const WHO: Who[] = ['none', 'wrong', 'garbage', 'reader', 'admin', 'admin'];

interface Route {
  method: string;
  /** The route's path with `:id` where an id goes. */
  path: string;
  /** A valid body, which the generator breaks. */
  body?: Record<string, unknown>;
  idKind?: 'task' | 'job' | 'secret' | 'name';
}

/** Every route of the daemon (Director tasks and workloads, jobs, secrets, and the test family's). */
const ROUTES: Route[] = [
  { method: 'GET', path: '/info' },
  { method: 'GET', path: '/tasks' },
  { method: 'GET', path: '/tasks/:id', idKind: 'task' },
  { method: 'GET', path: '/tasks/:id/output', idKind: 'task' },
  { method: 'POST', path: '/tasks/cancel', body: { states: ['queued'], types: ['container_job'], deployment: 'd' } },
  { method: 'DELETE', path: '/task/:id', idKind: 'task' },
  { method: 'POST', path: '/cleanup', body: { config: { remove_all: false, keep_orphaned_disks: true } } },
  { method: 'GET', path: '/cleanup/dryrun' },
  { method: 'POST', path: '/test/sleep' },
  {
    method: 'POST',
    path: '/v1/api/job',
    body: {
      container_image: TEST_IMAGE,
      entrypoint: ['/bin/sh', '-c'],
      run: ['true'],
      working_directory: '/tmp',
      qname: 'bad-input',
      env_vars: { A: '1' },
    },
  },
  { method: 'GET', path: '/v1/api/job' },
  { method: 'GET', path: '/v1/api/job/:id', idKind: 'job' },
  { method: 'POST', path: '/v1/api/job/kill/:id', idKind: 'job' },
  { method: 'DELETE', path: '/v1/api/job/:id', idKind: 'job' },
  { method: 'PUT', path: '/api/v1/data', body: { name: '/soak/value', type: 'value', value: 'v' } },
  {
    method: 'POST',
    path: '/api/v1/data',
    body: { name: '/soak/generated', type: 'password', parameters: { length: 20 } },
  },
  { method: 'GET', path: '/api/v1/data' },
  { method: 'GET', path: '/api/v1/data/:id', idKind: 'secret' },
  { method: 'DELETE', path: '/api/v1/data' },
  { method: 'GET', path: '/stemcells' },
  { method: 'POST', path: '/stemcells' },
  { method: 'POST', path: '/stemcell_uploads', body: { stemcell: { name: 'bosh-docker-busybox', version: '1.0' } } },
  { method: 'DELETE', path: '/stemcells/:id/1.0', idKind: 'name' },
  { method: 'GET', path: '/releases' },
  { method: 'GET', path: '/releases/:id', idKind: 'name' },
  { method: 'POST', path: '/releases' },
  { method: 'DELETE', path: '/releases/:id', idKind: 'name' },
  {
    method: 'POST',
    path: '/packages/matches',
    body: { name: 'r', version: '1', packages: [{ name: 'p', fingerprint: 'f', sha1: 's' }] },
  },
  { method: 'GET', path: '/configs' },
  { method: 'GET', path: '/deployments' },
  { method: 'GET', path: '/deployments/:id', idKind: 'name' },
  {
    method: 'POST',
    path: '/deployments',
    body: {
      name: 'soak-dep',
      releases: [{ name: 'r', version: 1 }],
      stemcells: [{ alias: 'd', os: 'x', version: 1 }],
      instance_groups: [],
    },
  },
  { method: 'POST', path: '/deployments/:id/diff', idKind: 'name', body: { name: 'soak-dep' } },
  { method: 'DELETE', path: '/deployments/:id', idKind: 'name' },
  { method: 'GET', path: '/deployments/:id/vms', idKind: 'name' },
  { method: 'GET', path: '/deployments/:id/instances', idKind: 'name' },
  { method: 'GET', path: '/deployments/:id/errands', idKind: 'name' },
  {
    method: 'POST',
    path: '/deployments/:id/errands/smoke/runs',
    idKind: 'name',
    body: { 'keep-alive': false, instances: [] },
  },
  { method: 'PUT', path: '/deployments/:id/jobs/web', idKind: 'name' },
  { method: 'GET', path: '/locks' },
  { method: 'GET', path: '/events' },
  { method: 'GET', path: '/events/:id', idKind: 'task' },
];

interface Case {
  route: string;
  method: string;
  path: string;
  who: Who;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Bodies past every limit, or large ones sent where none is read: the server may answer and close before reading them. */
  huge?: boolean;
  /** A request no one may make, the admin included: it must get a 4xx. */
  mustRefuse?: boolean;
}

export interface BadInputFigures {
  requests: number;
  routes: number;
  byStatus: Record<string, number>;
  checks: CheckResult[];
}

/** A path in the spellings that once reached routes past their authentication: case, slashes, encoding. */
function respellings(path: string): string[] {
  const letter = Math.max(1, path.search(/[a-z]/));
  const encoded = `${path.slice(0, letter)}%${path.charCodeAt(letter).toString(16)}${path.slice(letter + 1)}`;
  return [
    path.toUpperCase(),
    path.replace(/(^|\/)([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()),
    `${path}/`,
    path.replace(/\//g, '//'),
    encoded,
  ];
}

function authFor(cluster: SoakCluster, who: Who, rnd: Random): string | undefined {
  if (who === 'none') return undefined;
  if (who === 'wrong') return basicAuth('admin', rnd.pick(['wrong', '', 'soak-admin-passwor', 'SOAK-ADMIN-PASSWORD']));
  if (who === 'garbage') return rnd.pick(GARBAGE_AUTH);
  return who === 'reader' ? cluster.reader : cluster.admin;
}

/** The paths of every string inside `value` (array items and object values at any depth). */
function stringPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

/** A deep copy of `body` with a NUL or control character planted in one nested string, or in a key of a nested object. */
function plantControl(body: Record<string, unknown>, rnd: Random): unknown {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  const paths = stringPaths(copy);
  if (!paths.length) return copy;
  const path = rnd.pick(paths);
  const char = rnd.pick(CONTROL_CHARACTERS);
  let parent: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (typeof last === 'string' && !Array.isArray(parent) && rnd.chance(0.3)) {
    parent[`${last}${char}`] = parent[last];
    delete parent[last];
  } else {
    const text = String(parent[last]);
    const at = rnd.int(0, text.length);
    parent[last] = `${text.slice(0, at)}${char}${text.slice(at)}`;
  }
  return copy;
}

/** A valid body with one thing broken: a field dropped, given a wrong value, an extra field, or a control character deep inside. */
function breakBody(body: Record<string, unknown>, rnd: Random): unknown {
  const keys = Object.keys(body);
  const copy: Record<string, unknown> = { ...body };
  switch (rnd.int(0, 6)) {
    case 5:
    case 6:
      return plantControl(body, rnd);
    case 0:
      delete copy[rnd.pick(keys)];
      return copy;
    case 1:
    case 2:
      copy[rnd.pick(keys)] = rnd.pick(JUNK_VALUES);
      return copy;
    case 3:
      copy[rnd.pick(['extra', '__proto__', 'constructor', 'id', 'task_id', 'username', 'state'])] =
        rnd.pick(JUNK_VALUES);
      return copy;
    default:
      return rnd.pick(JUNK_VALUES);
  }
}

interface KnownIds {
  task: string;
  job: string;
  secret: string;
  /** A stemcell, release or deployment name. */
  name: string;
}

function makeCase(cluster: SoakCluster, route: Route, rnd: Random, known: KnownIds): Case {
  const who = rnd.pick(WHO);
  const headers: Record<string, string> = {};
  const auth = authFor(cluster, who, rnd);
  if (auth !== undefined) headers.Authorization = auth;
  let path = route.path;
  if (route.idKind) path = path.replace(':id', rnd.chance(0.3) ? known[route.idKind] : rnd.pick(JUNK_IDS));
  if (rnd.chance(0.5)) path += `?${rnd.pick(JUNK_QUERIES)}`;
  else if (route.path === '/api/v1/data' && route.method !== 'PUT' && route.method !== 'POST')
    path += '?name=/soak/existing';
  if (rnd.chance(0.2))
    headers[rnd.pick(['Range', 'X-Bosh-Context-Id', 'Accept', 'Content-Encoding', 'Host'])] =
      rnd.pick(JUNK_HEADER_VALUES);
  const c: Case = { route: `${route.method} ${route.path}`, method: route.method, path, who, headers };
  if (route.method === 'GET' || route.method === 'DELETE') {
    if (rnd.chance(0.1)) c.body = rnd.pick(JUNK_BODIES);
    return withSizeNoted(c);
  }
  const contentType = rnd.pick(CONTENT_TYPES);
  if (contentType) headers['Content-Type'] = contentType;
  const shape = rnd.int(0, 9);
  if (shape < 5 && route.body) c.body = JSON.stringify(breakBody(route.body, rnd));
  else if (shape < 8) c.body = rnd.pick(JUNK_BODIES);
  else if (shape === 8) {
    headers['Content-Encoding'] = rnd.pick(['gzip', 'deflate', 'br', 'identity, gzip', 'compress']);
    c.body = rnd.chance(0.5)
      ? Buffer.from('not compressed at all')
      : zlib.gzipSync(Buffer.from('{"truncated":')).subarray(0, 12);
  } else {
    c.body = route.body
      ? JSON.stringify({ ...route.body, pad: 'x'.repeat(2 * 1024 * 1024) })
      : 'x'.repeat(2 * 1024 * 1024);
  }
  return withSizeNoted(c);
}

function withSizeNoted(c: Case): Case {
  return { ...c, huge: (c.body?.length ?? 0) > 16 * 1024 };
}

/** tar.gz archives whose entries try to leave the container's root. */
async function trickyArchives(marker: string): Promise<Array<{ name: string; content: string }>> {
  const archive = async (entries: Array<(p: tar.Pack) => void>) => {
    const pack = tar.pack();
    const parts: Buffer[] = [];
    pack.on('data', (d) => parts.push(d as Buffer));
    const ended = new Promise<void>((r) => pack.on('end', () => r()));
    for (const add of entries) add(pack);
    pack.finalize();
    await ended;
    return zlib.gzipSync(Buffer.concat(parts)).toString('base64');
  };
  const file = (name: string) => (p: tar.Pack) => p.entry({ name, mode: 0o644 }, 'escaped\n');
  return [
    { name: 'dot-dot entry', content: await archive([file(`../../../../../../../tmp/${marker}-dotdot`)]) },
    { name: 'absolute entry', content: await archive([file(`/tmp/${marker}-absolute`)]) },
    {
      name: 'symlink then write through it',
      content: await archive([
        (p) => p.entry({ name: 'evil', type: 'symlink', linkname: '/tmp' }),
        file(`evil/${marker}-symlink`),
      ]),
    },
    {
      name: 'hard link to /etc/shadow',
      content: await archive([(p) => p.entry({ name: 'shadow', type: 'link', linkname: '/etc/shadow' })]),
    },
    {
      name: 'control characters in names',
      content: await archive([file('a\u0001\n\u007f'), file(`${'long/'.repeat(60)}x`)]),
    },
    {
      name: 'character device',
      content: await archive([
        (p) => p.entry({ name: 'dev-null2', type: 'character-device', devmajor: 1, devminor: 3 }),
      ]),
    },
    { name: 'gzip of no tar', content: zlib.gzipSync(Buffer.from('just text, not a tar')).toString('base64') },
    { name: 'truncated gzip', content: zlib.gzipSync(Buffer.alloc(4096, 1)).subarray(0, 20).toString('base64') },
    { name: 'targz prefix on garbage', content: 'targz,!!!not base64!!!' },
  ];
}

const BAD_STEMCELL = 'soak-bad-stemcell';

/** Stemcell tarballs whose image nothing vouches for: stemcell.MF without a digest, and with a wrong sha256. */
async function unverifiableStemcells(): Promise<Array<{ name: string; tarball: Buffer }>> {
  const targz = async (files: Record<string, Buffer>) => {
    const pack = tar.pack();
    const parts: Buffer[] = [];
    pack.on('data', (d) => parts.push(d as Buffer));
    const ended = new Promise<void>((r) => pack.on('end', () => r()));
    for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
    pack.finalize();
    await ended;
    return zlib.gzipSync(Buffer.concat(parts));
  };
  const image = await targz({ 'etc/hostname': Buffer.from('soak\n') });
  const wrongSha256 = crypto
    .createHash('sha256')
    .update(Buffer.concat([image, Buffer.from('x')]))
    .digest('hex');
  const manifest = (version: string, digest: string) =>
    Buffer.from(`name: ${BAD_STEMCELL}\nversion: '${version}'\noperating_system: soak\n${digest}`);
  return [
    { name: 'no digest', tarball: await targz({ 'stemcell.MF': manifest('1', ''), image }) },
    {
      name: 'wrong sha256',
      tarball: await targz({ 'stemcell.MF': manifest('2', `sha1: 'sha256:${wrongSha256}'\n`), image }),
    },
  ];
}

/** Requests no HTTP client library sends: broken request lines, control characters, bad framing. */
function rawRequests(admin: string): string[] {
  const host = 'Host: 127.0.0.1\r\n';
  return [
    `GET /tasks/1\u0000 HTTP/1.1\r\n${host}\r\n`,
    `GET /tasks HTTP/1.1\r\n${host}Authorization: Basic \u0001\u0002\r\n\r\n`,
    'GARBAGE\r\n\r\n',
    `GET /tasks HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    `POST /v1/api/job HTTP/1.1\r\n${host}Authorization: ${admin}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    `POST /cleanup HTTP/1.1\r\n${host}Authorization: ${admin}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"config":`,
    `POST /cleanup HTTP/1.1\r\n${host}Authorization: ${admin}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    `GET /%00 HTTP/1.1\r\n${host}\r\n`,
    `GET ../../etc/passwd HTTP/1.1\r\n${host}Authorization: ${admin}\r\n\r\n`,
    `GET http://evil.example/tasks HTTP/1.1\r\n${host}Authorization: ${admin}\r\n\r\n`,
    `GET * HTTP/1.1\r\n${host}\r\n`,
    `GET /tasks?state=%ZZ HTTP/1.1\r\n${host}Authorization: ${admin}\r\n\r\n`,
    `GET /tasks/1/output?type=event HTTP/1.1\r\n${host}Authorization: ${admin}\r\nRange: bytes=\u00ff-\r\n\r\n`,
    `GET /info HTTP/1.1\r\n${host}Authorization: Basic \u00ff\u00fe\u00fd\r\n\r\n`,
    `GET /info HTTP/9.9\r\n${host}\r\n`,
    `GET /tasks HTTP/1.1\r\nAuthorization: ${admin}\r\nAuthorization: Basic eA==\r\n${host}\r\n`,
    `DELETE /task/1 HTTP/1.1\r\n${host}Authorization: ${admin}\r\nX-Bosh-Context-Id: ${'c'.repeat(100)}\r\n\r\n`,
  ];
}

/**
 * A generated stream of malformed requests against every route, sent alternately to both nodes: each
 * must get a 4xx (or a 2xx when it was a valid request by a user allowed to make it), leave the data as
 * it was unless it was such a request, and leave both daemons up.
 */
/** Concurrent job bodies of 16 MB: a gzip archive's base64 that decodes whole, and an image that is refused at the end. */
function bigBodies(): string[] {
  const archive = Buffer.concat([zlib.gzipSync(Buffer.from('x')), Buffer.alloc(12 * 1024 * 1024, 7)]).toString(
    'base64',
  );
  return [0, 1, 2, 3].map((i) =>
    JSON.stringify({ run: ['true'], content: archive, container_image: `NOT/VALID-${i}` }),
  );
}

export async function badInput(cluster: SoakCluster, rnd: Random, perRoute: number): Promise<BadInputFigures> {
  const node = () => rnd.pick(cluster.live());
  const admin = (n: SoakNode, method: string, path: string, body?: object) =>
    n.client!.request(method, path, {
      auth: cluster.admin,
      ...(body ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
    });

  // Real ids to aim at, besides junk ones.
  const secret = JSON.parse(
    (await admin(node(), 'PUT', '/api/v1/data', { name: '/soak/existing', type: 'value', value: 'kept' })).text,
  ) as { id: string };
  const jobs = JSON.parse((await admin(node(), 'GET', '/v1/api/job?limit=1')).text) as {
    data: Array<{ _id: string; task_id: number }>;
  };
  const known: KnownIds = {
    task: String(jobs.data[0]?.task_id ?? 1),
    job: jobs.data[0]?._id ?? '',
    secret: secret.id,
    name: 'soak-dep',
  };

  const cases: Case[] = [];
  for (const route of ROUTES) for (let i = 0; i < perRoute; i++) cases.push(makeCase(cluster, route, rnd, known));
  for (const p of PATH_TRICKS)
    for (const who of ['none', 'reader', 'admin'] as Who[]) {
      cases.push({
        route: 'path tricks',
        method: rnd.pick(['GET', 'DELETE', 'POST']),
        path: p,
        who,
        headers: who === 'none' ? {} : { Authorization: authFor(cluster, who, rnd)! },
      });
    }
  // Every route spelled as a router might still match it: without credentials, and as a read-only user.
  for (const route of ROUTES) {
    const path = route.path.replace(':id', known[route.idKind ?? 'task'] || '1');
    for (const spelled of respellings(path)) {
      for (const who of ['none', 'reader'] as Who[]) {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (who === 'reader') headers.Authorization = authFor(cluster, who, rnd)!;
        cases.push({
          route: 'spellings',
          method: route.method,
          path: spelled,
          who,
          headers,
          body: JSON.stringify(route.body ?? {}),
        });
      }
    }
  }
  const marker = `bosun-soak-escape-${cluster.runId}`;
  for (const a of await trickyArchives(marker)) {
    for (const who of ['reader', 'admin'] as Who[]) {
      cases.push({
        route: `POST /v1/api/job (${a.name})`,
        method: 'POST',
        path: '/v1/api/job',
        who,
        headers: { Authorization: authFor(cluster, who, rnd)!, 'Content-Type': 'application/json' },
        body: JSON.stringify({ container_image: TEST_IMAGE, run: ['sh', '-c', 'ls / >/dev/null'], content: a.content }),
      });
    }
  }
  for (const s of await unverifiableStemcells()) {
    cases.push({
      route: `POST /stemcells (${s.name})`,
      method: 'POST',
      path: '/stemcells',
      who: 'admin',
      headers: { Authorization: cluster.admin, 'Content-Type': 'application/x-compressed' },
      body: s.tarball,
    });
  }
  // Jobs the container admission refuses before the engine is asked: a registry not allowed (none is by
  // default), and limits over the admin's maxima. Sent as the admin: they must still be refused.
  for (const [what, job] of [
    [
      'an image from a registry not allowed',
      { container_image: 'registry.example.com:5000/soak/evil:1', image_pull_policy: 'Always', run: ['true'] },
    ],
    [
      'limits over the maxima',
      { container_image: TEST_IMAGE, run: ['true'], resources: { memory: '512g', pids: 10_000_000, cpus: 4096 } },
    ],
  ] as const) {
    cases.push({
      route: `POST /v1/api/job (${what})`,
      method: 'POST',
      path: '/v1/api/job',
      who: 'admin',
      headers: { Authorization: cluster.admin, 'Content-Type': 'application/json' },
      body: JSON.stringify(job),
      mustRefuse: true,
    });
  }
  cases.push({
    route: 'POST /v1/api/job (100 MB body)',
    method: 'POST',
    path: '/v1/api/job',
    who: 'admin',
    headers: { Authorization: cluster.admin, 'Content-Type': 'application/json' },
    body: JSON.stringify({ container_image: TEST_IMAGE, content: 'A'.repeat(100 * 1024 * 1024) }),
    huge: true,
  });

  const byStatus: Record<string, number> = {};
  const fiveXX: string[] = [];
  const unauthorisedAccepted: string[] = [];
  const changed: string[] = [];
  const dropped: string[] = [];
  const admitted: string[] = [];
  let requests = 0;
  let before = await fingerprint(cluster.knex);
  let previous = '(none)';

  for (const c of cases) {
    const n = node();
    let status = 0;
    requests++;
    try {
      status = (await n.client!.request(c.method, c.path, { headers: c.headers, body: c.body, timeoutMs: 60_000 }))
        .status;
    } catch (err) {
      if (!c.huge) dropped.push(`${c.route} ${c.path.slice(0, 80)}: ${(err as Error).message}`);
    }
    byStatus[status || 'no answer'] = (byStatus[status || 'no answer'] ?? 0) + 1;
    const label = `${c.who} ${c.method} ${c.path.slice(0, 80)} → ${status}`;
    const previousLabel = previous;
    previous = label;
    if (status >= 500) fiveXX.push(label);
    const accepted = status >= 200 && status < 400;
    if (c.mustRefuse && (status < 400 || status >= 500)) admitted.push(`${c.route} → ${status}`);
    const mayChange = c.who === 'admin' && accepted;
    const secretPath = isUnder(canonicalPath(c.path.split('?')[0]), '/api/v1/data');
    const mayRead =
      c.who === 'admin' ||
      (c.who === 'reader' && c.method === 'GET' && !secretPath) ||
      (c.method === 'GET' && c.path.split('?')[0] === '/info');
    if (accepted && !mayRead && status !== 404) unauthorisedAccepted.push(label);
    if (mayChange) {
      await waitForQuiet(cluster, 30_000);
      before = await fingerprint(cluster.knex);
      continue;
    }
    const after = await fingerprint(cluster.knex);
    if (after !== before) {
      changed.push(`${label} (${changedParts(before, after)} changed; the request before: ${previousLabel})`);
      before = after;
    }
  }

  for (const raw of rawRequests(cluster.admin)) {
    requests++;
    const status = await node()
      .client!.raw(raw)
      .catch(() => 0);
    byStatus[status || 'no answer'] = (byStatus[status || 'no answer'] ?? 0) + 1;
    if (status >= 500) fiveXX.push(`raw ${JSON.stringify(raw.slice(0, 60))} → ${status}`);
  }
  // Big job bodies at once, each streamed into the database whole before its bad image is refused.
  const big = await Promise.all(
    bigBodies().map((body) =>
      node()
        .client!.request('POST', '/v1/api/job', {
          headers: { Authorization: cluster.admin, 'Content-Type': 'application/json' },
          body,
          timeoutMs: 60_000,
        })
        .then(
          (r) => r.status,
          (err: Error) => err.message,
        ),
    ),
  );
  for (const status of big) {
    requests++;
    byStatus[typeof status === 'number' ? status : 'no answer'] =
      (byStatus[typeof status === 'number' ? status : 'no answer'] ?? 0) + 1;
    if (typeof status === 'string') dropped.push(`concurrent big job body: ${status}`);
    else if (status >= 500) fiveXX.push(`concurrent big job body → ${status}`);
  }
  await waitForQuiet(cluster, 30_000);
  const afterRaw = await fingerprint(cluster.knex);
  if (afterRaw !== before) changed.push('raw requests changed the data');
  // Hostile job templates deployed on purpose: they change the data (a stemcell, a release, tasks).
  const hostile = await hostileTemplates(cluster, node());

  const down: string[] = [];
  for (const n of cluster.nodes) {
    const info = cluster.isUp(n) ? await n.client!.request('GET', '/info').catch(() => null) : null;
    if (info?.status !== 200) down.push(`${n.nodeId} is down`);
  }
  // Last: failed logins hold back this source for a while.
  const logins = await loginLimits(cluster, cluster.live()[0]);
  const stored = await cluster.knex('stemcells').where({ name: BAD_STEMCELL }).select('version');
  const unverified = stored.map((r: { version: string }) => `stemcell ${BAD_STEMCELL}/${r.version} was stored`);
  const escaped = ['dotdot', 'absolute', 'symlink'].map((k) => `/tmp/${marker}-${k}`).filter((p) => fs.existsSync(p));

  const check = (name: string, problems: string[], ok: string): CheckResult => ({
    name: `bad input: ${name}`,
    ok: problems.length === 0,
    detail: problems.length
      ? `${problems.slice(0, 8).join('; ')}${problems.length > 8 ? ` … (${problems.length})` : ''}`
      : ok,
  });
  return {
    requests,
    routes: ROUTES.length,
    byStatus,
    checks: [
      check('no 5xx answer', fiveXX, `${requests} requests`),
      check('no connection dropped (bodies within limits)', dropped, 'none'),
      check('nothing accepted without the credentials it needs', unauthorisedAccepted, 'none'),
      check(
        'no data changed that the request was not allowed to make',
        changed,
        'tasks, logs, jobs, secrets unchanged',
      ),
      check('both daemons still up', down, 'both answer /info'),
      check('tar entries stayed inside the container', escaped, 'no file written outside'),
      check('stemcells without a digest or with a wrong sha256 refused', unverified, 'none stored'),
      check('container jobs from a registry not allowed, or over the limits, refused', admitted, 'both refused'),
      ...hostile,
      ...logins,
    ],
  };
}
