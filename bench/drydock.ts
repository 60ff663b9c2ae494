import type Docker from 'dockerode';
import type { Knex } from 'knex';
import type { BenchDaemon } from './daemon-process';
import { BENCH_LABEL } from './raw-docker';
import { inParallel, median, sleep } from './stats';
import type { RawRows } from '../src/db/row-values';

/** bosun's node PID 1 (node-containers.ts): the raw run starts the same idle process. */
const NODE_AGENT = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";
const NODE_LABEL = 'bosun.drydock.node';

/** One design of `count` nodes of `image`, no boot actions: what deploy_nodes does is create, start, collect build data. */
export function benchSite(image: string, count: number): string {
  const doc = (kind: string, name: string, data: string) =>
    `---\nschema: drydock/${kind}/v1\nmetadata: { schema: metadata/Document/v1, name: ${name} }\ndata: ${data}\n`;
  const nodes = Array.from({ length: count }, (_, i) =>
    doc('BaremetalNode', `bench${String(i).padStart(2, '0')}`, '{ host_profile: worker }'),
  );
  return [
    doc('Region', 'bench', '{}'),
    doc('HardwareProfile', 'generic', '{ vendor: any }'),
    doc('HostProfile', 'worker', `{ hardware_profile: generic, platform: { image: '${image}' } }`),
    ...nodes,
  ].join('');
}

/**
 * Rows 8 and 9, the Drydock family on the running daemon: deploy_nodes of one design's 20 nodes against
 * creating and starting the same containers with dockerode (as wide as the daemon's node subtasks), and
 * the build-data API's latency with 1,000 and 100,000 records in the table.
 */
export class DrydockRows {
  constructor(
    private readonly d: BenchDaemon,
    private readonly knex: Knex,
    private readonly docker: Docker,
    private readonly image: string,
    private readonly runId: string,
    private readonly width = 8,
  ) {}

  private async call(
    method: string,
    path: string,
    body?: string,
    type = 'application/json',
  ): Promise<{ status: number; json: unknown }> {
    const r = await this.d.client.request(method, path, {
      auth: this.d.auth,
      headers: body === undefined ? {} : { 'Content-Type': type },
      body,
    });
    return { status: r.status, json: r.text ? JSON.parse(r.text) : null };
  }

  private async removeNodes(): Promise<void> {
    for (const c of await this.docker.listContainers({ all: true, filters: { label: [NODE_LABEL] } })) {
      await this.docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    }
    await this.knex('drydock_nodes').delete();
  }

  /** Row 8, one repetition: wall time of deploy_nodes (POST to complete) and of the raw run (ms). */
  async deploy(count: number): Promise<{ bosun: number; raw: number }> {
    await this.removeNodes();
    const stored = await this.call('POST', '/api/v1.0/designs', benchSite(this.image, count), 'application/x-yaml');
    if (stored.status !== 201) throw new Error(`design: ${stored.status} ${JSON.stringify(stored.json)}`);
    const designRef = (stored.json as { design_ref: string }).design_ref;

    const t0 = performance.now();
    const created = await this.call(
      'POST',
      '/api/v1.0/tasks',
      JSON.stringify({ action: 'deploy_nodes', design_ref: designRef }),
    );
    if (created.status !== 201) throw new Error(`deploy_nodes: ${created.status} ${JSON.stringify(created.json)}`);
    const taskId = (created.json as { task_id: string }).task_id;
    for (;;) {
      const row = await this.knex<{ task_id: string; status: string; result_status: string | null }>('drydock_tasks')
        .where({ task_id: taskId })
        .first('status', 'result_status');
      if (!row) throw new Error(`deploy_nodes: task ${taskId} is gone`);
      if (row.status === 'complete' || row.status === 'terminated') {
        if (row.result_status !== 'success')
          throw new Error(`deploy_nodes ended ${row.result_status ?? 'without a result'}`);
        break;
      }
      await sleep(20);
    }
    const bosun = performance.now() - t0;
    await this.removeNodes();

    const t1 = performance.now();
    await inParallel(
      Array.from({ length: count }, (_, i) => i),
      this.width,
      async (i) => {
        const c = await this.docker.createContainer({
          name: `bosun-bench-node-${this.runId}-${i}`,
          Image: this.image,
          Cmd: ['/bin/sh', '-c', NODE_AGENT],
          Labels: { [BENCH_LABEL]: this.runId },
          HostConfig: { NetworkMode: 'none' },
        });
        await c.start();
      },
    );
    const raw = performance.now() - t1;
    for (const c of await this.docker.listContainers({
      all: true,
      filters: { label: [`${BENCH_LABEL}=${this.runId}`] },
    })) {
      await this.docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    }
    return { bosun, raw };
  }

  /**
   * Row 9: fills `drydock_build_data` up to `total` records (30 a node: 10 collections of 3 generators)
   * and answers the median latency of one node's `builddata?latest=True` and of all its records (ms).
   */
  async buildDataLatency(total: number, reps: number): Promise<{ latest: number; all: number }> {
    // Other rows' records count towards the table's size, not towards the fillers' numbering.
    const filled = Number(
      (await this.knex('drydock_build_data').where('node_name', 'like', 'filler%').count('* as n').first())!.n,
    );
    const have = Number((await this.knex('drydock_build_data').count('* as n').first())!.n);
    const generators = ['docker inspect', 'uname -a', 'cat /proc/meminfo'];
    const element = 'x'.repeat(400);
    for (let start = filled; start < filled + total - have; start += 3000) {
      const rows = [];
      for (let i = start; i < Math.min(filled + total - have, start + 3000); i++) {
        const node = Math.floor(i / 30);
        rows.push({
          node_name: `filler${String(node).padStart(5, '0')}`,
          task_id: '00000000-0000-4000-8000-000000000000',
          collected_date: new Date(Date.UTC(2026, 0, 1) + (i % 30) * 60_000),
          generator: generators[i % 3],
          data_format: 'text/plain',
          data_element: element,
        });
      }
      await this.knex('drydock_build_data').insert(rows);
    }
    await this.knex.raw<RawRows>('analyze drydock_build_data');
    const node = 'filler00000';
    const time = async (path: string) => {
      const xs: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t = performance.now();
        const r = await this.call('GET', path);
        if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
        xs.push(performance.now() - t);
      }
      return median(xs);
    };
    await time(`/api/v1.0/nodes/${node}/builddata?latest=True`);
    return {
      latest: await time(`/api/v1.0/nodes/${node}/builddata?latest=True`),
      all: await time(`/api/v1.0/nodes/${node}/builddata?latest=False`),
    };
  }

  async cleanUp(): Promise<void> {
    await this.removeNodes();
  }
}
