/**
 * The bad-input part's hostile job templates: a release whose templates allocate a huge string, nest
 * loops, recurse for good, backtrack a regular expression for good and reach for JavaScript's prototype
 * chain is deployed through the API.
 * Each deploy must end as a template error naming the job and the file, and the node rendering it must
 * go on answering GET /info (both nodes: either may run the deploy) while the regular expression runs (until the renderer's deadline).
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import YAML from 'yaml';
import { tarFiles } from '../src/docker/tar-files';
import type { CheckResult } from './checks';
import type { SoakCluster, SoakNode } from './cluster';

const RELEASE = 'soak-hostile-release';
const STEMCELL = 'soak-hostile-stemcell';

/** Job name → [template file, its source]. */
const HOSTILE: Record<string, [string, string]> = {
  huge: ['huge.erb', '<% s = "x" * 500000000 %>'],
  loops: ['loops.erb', '<% 1000.times { 1000.times { 1000.times { } } } %>'],
  recursion: ['deep.erb', '<% def f(n)\n  f(n + 1)\nend\nf(0) %>'],
  regex: ['regex.erb', '<%= ("a"*40+"!") =~ /(a+)+$/ %>'],
  // A method looked up through JavaScript's prototype chain would reach Function here.
  proto: ['proto.erb', '<%= "x".send(:constructor).call("return process")() %>'],
};

const sha1 = (b: Buffer) => crypto.createHash('sha1').update(b).digest('hex');
const tgz = async (files: Record<string, Buffer | string>) =>
  zlib.gzipSync(
    await tarFiles(
      Object.entries(files).map(([name, c]) => ({
        name,
        content: Buffer.isBuffer(c) ? c : Buffer.from(c),
        mode: 0o644,
      })),
    ),
  );

/** A stemcell whose image is a file or two: templates render before any container is made of it. */
async function stemcell(): Promise<Buffer> {
  const image = await tgz({ 'etc/hostname': 'soak\n' });
  const manifest = {
    name: STEMCELL,
    version: '1',
    operating_system: 'soak-hostile',
    api_version: 3,
    sha1: sha1(image),
    cloud_properties: {},
  };
  return tgz({ 'stemcell.MF': YAML.stringify(manifest), image });
}

async function release(): Promise<Buffer> {
  const files: Record<string, Buffer> = {};
  const jobs = [];
  for (const [job, [file, source]] of Object.entries(HOSTILE)) {
    const archive = await tgz({
      'job.MF': YAML.stringify({ name: job, templates: { [file]: `config/${job}` } }),
      monit: '',
      [`templates/${file}`]: source,
    });
    jobs.push({
      name: job,
      version: sha1(Buffer.from(source)),
      fingerprint: sha1(Buffer.from(source)),
      sha1: sha1(archive),
    });
    files[`jobs/${job}.tgz`] = archive;
  }
  const manifest = { name: RELEASE, version: '1', commit_hash: 'soak', uncommitted_changes: false, jobs, packages: [] };
  return tgz({ 'release.MF': YAML.stringify(manifest), ...files });
}

const manifest = (job: string) =>
  YAML.stringify({
    name: `soak-hostile-${job}`,
    releases: [{ name: RELEASE, version: 'latest' }],
    stemcells: [{ alias: 'default', os: 'soak-hostile', version: 'latest' }],
    update: { canaries: 1, max_in_flight: 1, canary_watch_time: 1000, update_watch_time: 1000 },
    instance_groups: [{ name: 'hostile', instances: 1, stemcell: 'default', jobs: [{ name: job, release: RELEASE }] }],
  });

export async function hostileTemplates(cluster: SoakCluster, node: SoakNode): Promise<CheckResult[]> {
  const client = node.client!;
  const admin = { Authorization: cluster.admin };
  const taskOf = async (path: string, contentType: string, body: Buffer | string) => {
    const r = await client.request('POST', path, {
      headers: { ...admin, 'Content-Type': contentType },
      body,
      timeoutMs: 60_000,
    });
    if (r.status !== 302) throw new Error(`POST ${path} answered ${r.status}: ${r.text.slice(0, 200)}`);
    return Number(String(r.headers.location).split('/').pop());
  };
  const state = async (id: number) =>
    (JSON.parse((await client.request('GET', `/tasks/${id}`, { headers: admin })).text) as { state: string }).state;
  const finished = async (id: number) => {
    for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const s = await state(id);
      if (!['queued', 'processing', 'cancelling'].includes(s)) return s;
    }
    throw new Error(`task ${id} did not finish in 120 s`);
  };
  const lastError = async (id: number) => {
    const lines = (await client.request('GET', `/tasks/${id}/output?type=event`, { headers: admin })).text
      .trim()
      .split('\n');
    return (JSON.parse(lines.at(-1)!) as { error?: { message?: string } }).error?.message ?? '(no error)';
  };

  const setup = [
    await taskOf('/stemcells', 'application/x-compressed', await stemcell()),
    await taskOf('/releases', 'application/x-compressed', await release()),
  ];
  for (const id of setup)
    if ((await finished(id)) !== 'done')
      return [
        {
          name: 'bad input: hostile job templates',
          ok: false,
          detail: `upload task ${id} failed: ${await lastError(id)}`,
        },
      ];

  const wrong: string[] = [];
  const unanswered: string[] = [];
  for (const [job, [file]] of Object.entries(HOSTILE)) {
    const id = await taskOf('/deployments', 'text/yaml', manifest(job));
    if (job === 'regex') {
      // While the expression backtracks in a renderer worker, the node answers.
      while ((await state(id)) === 'queued') await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1000));
      for (const n of cluster.live()) {
        const info = await n
          .client!.request('GET', '/info', { timeoutMs: 5_000 })
          .catch((err: Error) => ({ status: err.message }));
        const still = await state(id);
        if (info.status !== 200 || still !== 'processing')
          unanswered.push(`GET /info on ${n.nodeId} → ${info.status} with the deploy ${still}`);
      }
    }
    const s = await finished(id);
    const message = await lastError(id);
    if (
      s !== 'error' ||
      !message.includes(`Unable to render templates for job '${job}'`) ||
      !message.includes(`Error filling in template '${file}'`)
    ) {
      wrong.push(`${job}: ${s}, ${JSON.stringify(message.slice(0, 300))}`);
    }
  }
  return [
    {
      name: 'bad input: hostile job templates fail as template errors naming job and file',
      ok: wrong.length === 0,
      detail: wrong.join('; ') || Object.keys(HOSTILE).join(', '),
    },
    {
      name: 'bad input: GET /info answers while a hostile template renders',
      ok: unanswered.length === 0,
      detail: unanswered.join('; ') || 'answered, the deploy still rendering',
    },
  ];
}
