import crypto from 'node:crypto';
import zlib from 'node:zlib';
import YAML from 'yaml';
import { tarFiles } from '../../src/docker/tar-files';
import { docker } from './docker';
import { TEST_IMAGE } from './test-env';

/** Stemcell and release tarballs built here, as `bosh create-release` and stemcell builders make them. */

const sha1 = (b: Buffer) => crypto.createHash('sha1').update(b).digest('hex');
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function tgz(files: Record<string, Buffer | string>, modes: Record<string, number> = {}): Promise<Buffer> {
  const entries = Object.entries(files).map(([name, content]) => ({
    name,
    content: Buffer.isBuffer(content) ? content : Buffer.from(content),
    mode: modes[name] ?? (name.endsWith('.sh') || name === 'packaging' ? 0o755 : 0o644),
  }));
  return zlib.gzipSync(await tarFiles(entries));
}

let rootfs: Buffer | null = null;

/** The busybox root filesystem of the test image, exported once (a stemcell's `image`). */
async function busyboxRootfs(): Promise<Buffer> {
  if (rootfs) return rootfs;
  const c = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['true'] });
  try {
    const parts: Buffer[] = [];
    for await (const p of (await c.export()) as unknown as AsyncIterable<Buffer>) parts.push(p);
    rootfs = zlib.gzipSync(Buffer.concat(parts));
  } finally {
    await c.remove({ force: true });
  }
  return rootfs;
}

/** The image's digests in the forms a stemcell.MF `sha1` may take, for `buildStemcell`'s `digest`. */
export const stemcellDigests = {
  sha1: (image: Buffer) => sha1(image),
  sha256: (image: Buffer) => `sha256:${sha256(image)}`,
  both: (image: Buffer) => `sha1:${sha1(image)};sha256:${sha256(image)}`,
  wrongSha256: (image: Buffer) => `sha256:${sha256(Buffer.concat([image, Buffer.from('x')]))}`,
  rightSha1WrongSha256: (image: Buffer) => `${sha1(image)};sha256:${'0'.repeat(64)}`,
  none: () => undefined,
};

export async function buildStemcell(
  opts: {
    name?: string;
    version?: string;
    os?: string;
    corruptDigest?: boolean;
    digest?: (image: Buffer) => string | undefined;
  } = {},
): Promise<Buffer> {
  const image = await busyboxRootfs();
  const digest = opts.corruptDigest ? '0'.repeat(40) : (opts.digest ?? stemcellDigests.sha1)(image);
  const manifest = {
    name: opts.name ?? 'bosh-docker-busybox',
    version: opts.version ?? '1.0',
    operating_system: opts.os ?? 'busybox',
    api_version: 3,
    ...(digest === undefined ? {} : { sha1: digest }),
    cloud_properties: {},
  };
  return tgz({ 'stemcell.MF': YAML.stringify(manifest), image });
}

export interface PackageFixture {
  name: string;
  files: Record<string, string>;
  dependencies?: string[];
}

export interface JobFixture {
  name: string;
  spec: Record<string, unknown>;
  templates: Record<string, string>;
  monit?: string;
}

/** A release tarball; every other artifact's digest is `sha256:`-prefixed, to exercise both forms. */
export interface ReleaseFixture {
  name: string;
  version: string;
  packages: PackageFixture[];
  jobs: JobFixture[];
  /** Packages left out of the tarball (as the CLI leaves out those `/packages/matches` named). */
  omitPackages?: string[];
  /** A job whose archive is changed after its digest was taken. */
  corruptJob?: string;
}

export async function buildRelease(opts: ReleaseFixture) {
  const files: Record<string, Buffer> = {};
  const manifest = {
    name: opts.name,
    version: opts.version,
    commit_hash: 'abc1234',
    uncommitted_changes: false,
    jobs: [] as object[],
    packages: [] as object[],
  };
  for (const [i, p] of opts.packages.entries()) {
    const archive = await tgz(p.files);
    const fingerprint = sha1(Buffer.from(JSON.stringify(p)));
    manifest.packages.push({
      name: p.name,
      version: fingerprint,
      fingerprint,
      sha1: i % 2 ? `sha256:${sha256(archive)}` : sha1(archive),
      dependencies: p.dependencies ?? [],
    });
    if (!opts.omitPackages?.includes(p.name)) files[`packages/${p.name}.tgz`] = archive;
  }
  for (const [i, j] of opts.jobs.entries()) {
    const content: Record<string, string> = {
      'job.MF': YAML.stringify({ name: j.name, ...j.spec }),
      monit: j.monit ?? '',
    };
    for (const [src, body] of Object.entries(j.templates)) content[`templates/${src}`] = body;
    const archive = await tgz(content);
    const fingerprint = sha1(Buffer.from(JSON.stringify(j)));
    manifest.jobs.push({
      name: j.name,
      version: fingerprint,
      fingerprint,
      sha1: i % 2 ? sha1(archive) : `sha256:${sha256(archive)}`,
    });
    files[`jobs/${j.name}.tgz`] =
      opts.corruptJob === j.name ? Buffer.concat([archive, Buffer.from('tampered')]) : archive;
  }
  return { tarball: await tgz({ 'release.MF': YAML.stringify(manifest), ...files }), manifest };
}

/** The test release: a package, a web job serving its property on the loopback, an errand, and a crashing job. */
export function webRelease(version = '1', extra: { packaging?: string } = {}) {
  return buildRelease(webReleaseOptions(version, extra));
}

export function webReleaseOptions(version = '1', extra: { packaging?: string } = {}): ReleaseFixture {
  return {
    name: 'web-release',
    version,
    packages: [
      {
        name: 'greeting',
        files: {
          packaging:
            extra.packaging ??
            'set -e\ncp greeting.txt "$BOSH_INSTALL_TARGET/"\necho compiled > "$BOSH_INSTALL_TARGET/built"\n',
          'greeting.txt': 'hello from a package\n',
        },
      },
    ],
    jobs: [
      {
        name: 'web',
        spec: {
          templates: { 'bpm.yml.erb': 'config/bpm.yml', 'index.html.erb': 'html/index.html', 'ctl.erb': 'bin/ctl' },
          packages: ['greeting'],
          properties: { port: { default: 8080 }, message: { default: 'hello' }, 'secret.password': {} },
        },
        templates: {
          'bpm.yml.erb':
            "processes:\n- name: web\n  executable: /bin/httpd\n  args: ['-f', '-p', '127.0.0.1:<%= p(\"port\") %>', '-h', '/var/vcap/jobs/web/html']\n",
          'index.html.erb':
            '<%= p("message") %> from <%= spec.name %>/<%= spec.index %><% if_p("secret.password") do |pw| %> secret=<%= pw %><% end %>\n',
          'ctl.erb': '#!/bin/sh\necho "ctl for <%= spec.deployment %>"\n',
        },
      },
      {
        name: 'smoke',
        spec: {
          templates: { 'run.erb': 'bin/run' },
          packages: ['greeting'],
          properties: { exit_code: { default: 0 } },
        },
        templates: {
          'run.erb':
            '#!/bin/sh\ncat /var/vcap/packages/greeting/greeting.txt\necho "smoke errand on stderr" >&2\nexit <%= p("exit_code") %>\n',
        },
      },
      {
        name: 'crasher',
        spec: { templates: { 'bpm.yml.erb': 'config/bpm.yml' }, properties: {} },
        templates: {
          'bpm.yml.erb':
            "processes:\n- name: crasher\n  executable: /bin/sh\n  args: ['-c', 'echo crashing; exit 1']\n",
        },
      },
      {
        name: 'legacy',
        spec: { templates: { 'ctl.erb': 'bin/ctl' }, properties: { interval: { default: 1 } } },
        monit:
          'check process legacy\n  with pidfile /var/vcap/sys/run/legacy/legacy.pid\n  start program "/var/vcap/jobs/legacy/bin/ctl start"\n  stop program "/var/vcap/jobs/legacy/bin/ctl stop"\n  group vcap\n',
        templates: {
          'ctl.erb':
            '#!/bin/sh\nmkdir -p /var/vcap/sys/run/legacy\ncase "$1" in\n  start) sh -c "while :; do sleep <%= p(\'interval\') %>; done" >/dev/null 2>&1 &\n    echo $! > /var/vcap/sys/run/legacy/legacy.pid ;;\n  stop) kill "$(cat /var/vcap/sys/run/legacy/legacy.pid)" ;;\nesac\n',
        },
      },
      {
        name: 'needs-prop',
        spec: { templates: { 'conf.erb': 'config/conf' }, properties: { required: {} } },
        templates: { 'conf.erb': 'value=<%= p("required") %>\n' },
      },
    ],
  };
}

export function webManifest(
  opts: {
    name?: string;
    instances?: number;
    message?: string;
    extraGroups?: object[];
    errandExit?: number;
    releaseVersion?: string;
  } = {},
) {
  return YAML.stringify({
    name: opts.name ?? 'web',
    releases: [{ name: 'web-release', version: opts.releaseVersion ?? 'latest' }],
    stemcells: [{ alias: 'default', os: 'busybox', version: 'latest' }],
    update: { canaries: 1, max_in_flight: 2, canary_watch_time: '300-8000', update_watch_time: '300-8000' },
    variables: [{ name: 'web_password', type: 'password' }],
    instance_groups: [
      {
        name: 'web',
        instances: opts.instances ?? 1,
        azs: ['z1'],
        stemcell: 'default',
        vm_type: 'default',
        networks: [{ name: 'default' }],
        jobs: [
          {
            name: 'web',
            release: 'web-release',
            properties: { message: opts.message ?? 'hello', secret: { password: '((web_password))' } },
          },
        ],
      },
      {
        name: 'smoke-tests',
        lifecycle: 'errand',
        instances: 1,
        stemcell: 'default',
        jobs: [{ name: 'smoke', release: 'web-release', properties: { exit_code: opts.errandExit ?? 0 } }],
      },
      ...(opts.extraGroups ?? []),
    ],
  });
}
