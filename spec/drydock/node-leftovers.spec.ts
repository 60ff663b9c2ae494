import { expect } from 'chai';
import { loadConfig } from '../../src/config/load-config';
import { containerPolicy, toLimits } from '../../src/docker/container-limits';
import { removeOrphanContainers } from '../../src/docker/orphan-containers';
import { NodeContainers } from '../../src/families/drydock/node-containers';
import { describeOnBothBackends } from '../support/harness';
import { startRunner, stopRunners } from '../support/runners';
import { docker, IMAGE, removeNodes, runTask, siteYaml, storeDesign, testDrydock } from './support';

const config = loadConfig({ env: {} });
const nodeContainers = (nodeId: string) =>
  new NodeContainers(docker, {
    networkMode: 'none',
    policy: containerPolicy(config.docker, toLimits(config.docker.limits)),
    nodeId,
    stopGraceSeconds: 1,
  });

const exists = (name: string) =>
  docker
    .getContainer(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );

describeOnBothBackends(
  'Drydock node containers and bosun’s start-up clean-up',
  (h) => {
    before(removeNodes);
    after(async () => {
      await stopRunners();
      await removeNodes();
    });

    it('labels node containers as bosun’s; at start the task clean-up keeps them and the family reaps only those no node claims', async function () {
      this.timeout(120_000);
      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      const ref = await storeDesign(h, siteYaml(2));
      const prepared = await runTask(h, {
        action: 'prepare_nodes',
        design_ref: ref,
        node_filter: { filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_names: ['node01'] }] },
      });
      expect(prepared.result.status).to.equal('success');
      const node01 = await docker.getContainer('bosun-drydock-node01').inspect();
      expect(node01.Config.Labels).to.include({
        'bosun.managed': 'true',
        'bosun.task-id': String(prepared.bosun_task_id),
        'bosun.node-id': 'node-a',
        'bosun.kept-by': 'drydock',
        'bosun.drydock.node': 'node01',
      });
      await stopRunners();

      // A prepare that died between creating node02's container and recording node02 leaves this behind.
      const containers = nodeContainers('node-a');
      const design = (await h.db.knex('drydock_designs').first()).id as string;
      await containers.create({ hostname: 'node02', image: IMAGE, designId: design, taskId: prepared.bosun_task_id });
      // And a node container of another bosun node sharing the engine is not this node's to judge.
      const elsewhere = nodeContainers('node-b');
      await elsewhere.create({ hostname: 'node03', image: IMAGE, designId: design, taskId: prepared.bosun_task_id });

      // The task clean-up (container jobs' family start): none of these is a task's container.
      await removeOrphanContainers(docker, 'node-a', (id) => h.tasks.isRunningOn(id, 'node-a'));
      expect([
        await exists('bosun-drydock-node01'),
        await exists('bosun-drydock-node02'),
        await exists('bosun-drydock-node03'),
      ]).to.deep.equal([true, true, true]);

      await testDrydock(h).start!();
      expect([
        await exists('bosun-drydock-node01'),
        await exists('bosun-drydock-node02'),
        await exists('bosun-drydock-node03'),
      ]).to.deep.equal([true, false, true]);
      const nodes = await h.db.knex('drydock_nodes').select('name');
      expect(nodes.map((n) => n.name)).to.deep.equal(['node01']);
    });
  },
  { withFamilies: (h) => [testDrydock(h)] },
);
