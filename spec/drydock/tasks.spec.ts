import { expect } from 'chai';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends } from '../support/harness';
import { readLog, startRunner, stopRunners, waitForTask } from '../support/runners';
import { docker, IMAGE, removeNodes, runTask, siteYaml, storeDesign, testDrydock } from './support';

/** How many execs the engine has created in a container since `since` (seconds). */
async function execsIn(container: string, since: number): Promise<number> {
  const stream = (await docker.getEvents({
    since,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: { container: [container], event: ['exec_create'] },
  })) as unknown as AsyncIterable<Buffer>;
  let text = '';
  for await (const b of stream) text += b.toString('utf8');
  return text.split('\n').filter((l) => l.trim()).length;
}

const byName = (names: string[]) => ({
  filter_set_type: 'union',
  filter_set: [{ filter_type: 'union', node_names: names }],
});

describeOnBothBackends(
  'Drydock tasks on Docker (/api/v1.0/tasks)',
  (h) => {
    beforeEach(removeNodes);
    afterEach(async () => {
      await stopRunners();
      await removeNodes();
    });

    it('answers POST as Drydock does: 201, Location, the task queued, and the Director task in Link and bosun_task_id', async () => {
      const ref = await storeDesign(h);
      const res = await h.api
        .post('/api/v1.0/tasks')
        .set('Authorization', asAdmin)
        .send({ action: 'verify_nodes', design_ref: ref, node_filter: null })
        .expect(201);
      expect(res.headers.location).to.equal(`/api/v1.0/tasks/${res.body.task_id}`);
      expect(res.headers.link).to.equal(`</tasks/${res.body.bosun_task_id}>; rel="bosun-task"`);
      expect(res.headers['x-drydock-req']).to.be.a('string');
      expect(res.body).to.include({
        kind: 'Task',
        apiVersion: 'v1',
        action: 'verify_nodes',
        design_ref: ref,
        status: 'queued',
        parent_task_id: null,
        created_by: 'admin',
        terminate: false,
        retry: 0,
      });
      expect(res.body.result).to.include({ kind: 'Status', status: 'incomplete' });
      expect(res.body.created).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      const director = await h.tasks.get(res.body.bosun_task_id);
      expect(director).to.include({ type: 'drydock_task', state: 'queued', username: 'admin' });
      const list = await h.api.get('/api/v1.0/tasks').set('Authorization', asReader).expect(200);
      expect(list.body.map((t: { task_id: string }) => t.task_id)).to.deep.equal([res.body.task_id]);
    });

    it('refuses an unknown action, a missing design_ref, a bad or empty node filter with 400, and stores nothing', async () => {
      const ref = await storeDesign(h);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ action: 'launch_nodes', design_ref: ref }, 'Unsupported action launch_nodes'],
        [{ design_ref: ref }, 'Unsupported action None'],
        [{ action: 'deploy_nodes' }, 'Task creation requires fields design_ref, action'],
        [
          { action: 'deploy_nodes', design_ref: 'deckhand+http://x/y' },
          'Unable to resolve design_ref deckhand+http://x/y: bosun resolves bosun+design://<design id>[/<version>]',
        ],
        [
          { action: 'deploy_nodes', design_ref: ref, node_filter: byName(['ghost']) },
          'The node_filter selects no node of the design',
        ],
      ];
      for (const [body, message] of cases) {
        const res = await h.api.post('/api/v1.0/tasks').set('Authorization', asAdmin).send(body).expect(400);
        expect(res.body).to.deep.equal({ type: 'error', message, retry: false });
      }
      const shape = await h.api
        .post('/api/v1.0/tasks')
        .set('Authorization', asAdmin)
        .send({ action: 'deploy_nodes', design_ref: ref, node_filter: { filter_set_type: 'some' } })
        .expect(400);
      expect(shape.body.message).to.match(/^Invalid node_filter/);
      await h.api
        .post('/api/v1.0/tasks')
        .set('Authorization', asAdmin)
        .set('Content-Type', 'text/plain')
        .send('x')
        .expect(400);
      expect(await h.tasks.list({})).to.have.length(0);
      expect((await h.api.get('/api/v1.0/tasks').set('Authorization', asReader)).body).to.deep.equal([]);
    });

    it('prepares nodes (containers created stopped, build data collected) and deploys them with their boot actions; a second deploy is a success as it is', async function () {
      this.timeout(120_000);
      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      const ref = await storeDesign(h);
      const prepared = await runTask(h, { action: 'prepare_nodes', design_ref: ref });
      expect(prepared).to.include({ status: 'complete' });
      expect(prepared.result).to.include({ status: 'success' });
      expect(prepared.result.successes.sort()).to.deep.equal(['node01', 'node02']);
      expect(prepared.subtask_id_list).to.have.length(2);
      const node01 = await docker.getContainer('bosun-drydock-node01').inspect();
      expect(node01.State.Running).to.equal(false);
      expect(node01.HostConfig.NetworkMode).to.equal('none');
      expect(node01.HostConfig.SecurityOpt).to.include('no-new-privileges');

      const bd = await h.api
        .get('/api/v1.0/nodes/node01/builddata?latest=True')
        .set('Authorization', asReader)
        .expect(200);
      expect(bd.body.map((r: { generator: string }) => r.generator).sort()).to.deep.equal([
        'cat /proc/meminfo',
        'docker inspect',
        'uname -a',
      ]);
      const uname = bd.body.find((r: { generator: string }) => r.generator === 'uname -a');
      expect(uname).to.include({ node_name: 'node01', data_format: 'text/plain' });
      expect(uname.data_element).to.match(/^Linux node01 /);
      expect(prepared.subtask_id_list).to.include(uname.task_id);
      const nodes = await h.api.get('/api/v1.0/nodes').set('Authorization', asReader).expect(200);
      expect(
        nodes.body.map((n: { hostname: string; status_name: string; power_state: string }) => [
          n.hostname,
          n.status_name,
          n.power_state,
        ]),
      ).to.deep.equal([
        ['node01', 'Ready', 'off'],
        ['node02', 'Ready', 'off'],
      ]);
      expect(nodes.body[0].cpu_count).to.be.a('number');
      expect(nodes.body[0].memory).to.equal(1024);

      const deployed = await runTask(h, { action: 'deploy_nodes', design_ref: ref, node_filter: byName(['node01']) });
      expect(deployed.result).to.include({ status: 'success' });
      expect(deployed.result.successes).to.deep.equal(['node01']);
      const file = await docker
        .getContainer('bosun-drydock-node01')
        .exec({ Cmd: ['stat', '-c', '%a', '/var/tmp/hello.sh'], AttachStdout: true });
      const stream = await file.start({});
      const out = await new Promise<string>((r) => {
        let s = '';
        stream.on('data', (b: Buffer) => (s += b.toString('latin1')));
        stream.on('end', () => r(s));
      });
      expect(out).to.contain('750');
      const layered = await h.api
        .get(`/api/v1.0/tasks/${deployed.task_id}?layers=2&subtaskerrors=true`)
        .set('Authorization', asReader)
        .expect(200);
      expect(layered.body.init_task_id).to.equal(deployed.task_id);
      expect(layered.body.subtask_errors).to.deep.equal({});
      const subtask = layered.body[deployed.subtask_id_list[0]];
      expect(subtask).to.include({ action: 'deploy_node', parent_task_id: deployed.task_id, status: 'complete' });
      const reports = subtask.result.details.messageList.filter(
        (m: { context_type: string }) => m.context_type === 'bootaction',
      );
      expect(reports.map((m: { message: string }) => m.message)).to.include('said hello');
      const events = await readLog(h.tasks, deployed.bosun_task_id, 'event');
      expect(events).to.contain('node01/hello: said hello');
      const status = await h.db.knex('drydock_boot_actions').where({ node_name: 'node01' }).first();
      expect(status.action_status).to.equal('success');

      const again = await runTask(h, { action: 'deploy_nodes', design_ref: ref, node_filter: byName(['node01']) });
      expect(again.result.status).to.equal('success');
      const nodesAfter = await h.api.get('/api/v1.0/nodes').set('Authorization', asReader).expect(200);
      expect(nodesAfter.body[0]).to.include({ hostname: 'node01', status_name: 'Deployed', power_state: 'on' });
      const withData = await h.api
        .get(`/api/v1.0/tasks/${prepared.task_id}?builddata=true`)
        .set('Authorization', asReader)
        .expect(200);
      expect(withData.body.build_data).to.deep.equal([]);
    });

    it('deploys a node that has no container: prepared on the way (its build data collected), then running and Deployed', async function () {
      this.timeout(60_000);
      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      const ref = await storeDesign(h);
      const since = Math.floor(Date.now() / 1000) - 1;
      const deployed = await runTask(h, { action: 'deploy_nodes', design_ref: ref, node_filter: byName(['node02']) });
      expect(deployed.result).to.include({ status: 'success' });
      expect((await docker.getContainer('bosun-drydock-node02').inspect()).State.Running).to.equal(true);
      // The build data came with the start, from the node's PID 1: the only exec is the boot action's unit.
      expect(await execsIn('bosun-drydock-node02', since)).to.equal(1);
      const bd = await h.api
        .get('/api/v1.0/nodes/node02/builddata?latest=True')
        .set('Authorization', asReader)
        .expect(200);
      const byGenerator = new Map(
        bd.body.map((r: { generator: string; data_element: string }) => [r.generator, r.data_element]),
      );
      expect([...byGenerator.keys()].sort()).to.deep.equal(['cat /proc/meminfo', 'docker inspect', 'uname -a']);
      // Each command's record is its own output, exactly (they share one exec in the node).
      expect(byGenerator.get('uname -a')).to.match(/^Linux node02 [^\n]*\n$/);
      expect(byGenerator.get('cat /proc/meminfo'))
        .to.match(/^MemTotal:/)
        .and.not.match(/BOSUN-BUILD-DATA|\n\n$/);
      expect(deployed.subtask_id_list).to.include(bd.body[0].task_id);
      const nodes = await h.api.get('/api/v1.0/nodes').set('Authorization', asReader).expect(200);
      expect(
        nodes.body.map((n: { hostname: string; status_name: string; power_state: string }) => [
          n.hostname,
          n.status_name,
          n.power_state,
        ]),
      ).to.deep.equal([['node02', 'Deployed', 'on']]);
      const layered = await h.api
        .get(`/api/v1.0/tasks/${deployed.task_id}?layers=2`)
        .set('Authorization', asReader)
        .expect(200);
      const messages = layered.body[deployed.subtask_id_list[0]].result.details.messageList.map(
        (m: { message: string }) => m.message,
      );
      expect(messages).to.include('Node node02: 3 build data records collected');
    });

    it('collects build data with an exec from a stopped node whose PID 1 does not print it (a container made before)', async function () {
      this.timeout(60_000);
      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      const ref = await storeDesign(h);
      await docker.createContainer({
        name: 'bosun-drydock-node01',
        Image: IMAGE,
        Hostname: 'node01',
        Cmd: ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
        Labels: { 'bosun.drydock.node': 'node01' },
        HostConfig: { NetworkMode: 'none' },
      });
      const since = Math.floor(Date.now() / 1000) - 1;
      const prepared = await runTask(h, { action: 'prepare_nodes', design_ref: ref, node_filter: byName(['node01']) });
      expect(prepared.result).to.include({ status: 'success' });
      expect(await execsIn('bosun-drydock-node01', since)).to.equal(1);
      expect((await docker.getContainer('bosun-drydock-node01').inspect()).State.Running).to.equal(false);
      const bd = await h.api
        .get('/api/v1.0/nodes/node01/builddata?latest=True')
        .set('Authorization', asReader)
        .expect(200);
      const byGenerator = new Map(
        bd.body.map((r: { generator: string; data_element: string }) => [r.generator, r.data_element]),
      );
      expect(byGenerator.get('uname -a')).to.match(/^Linux node01 [^\n]*\n$/);
      expect(byGenerator.get('cat /proc/meminfo')).to.match(/^MemTotal:/);
    });

    it('verifies the site, prepares its networks, relabels nodes from a new design version and destroys them', async function () {
      this.timeout(120_000);
      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      const ref = await storeDesign(h);
      const verified = await runTask(h, { action: 'verify_site', design_ref: ref });
      expect(verified.result).to.include({ status: 'success' });
      expect(verified.result.successes).to.deep.equal([IMAGE]);

      for (let i = 0; i < 2; i++) {
        const site = await runTask(h, { action: 'prepare_site', design_ref: ref });
        expect(site.result).to.include({ status: 'success' });
        const nets = await docker.listNetworks({ filters: { name: ['bosun-drydock-mgmt'] } });
        expect(nets.map((n) => [n.Name, n.Internal, n.Labels['bosun.drydock.network']])).to.deep.equal([
          ['bosun-drydock-mgmt', true, 'mgmt'],
        ]);
      }

      await runTask(h, { action: 'prepare_nodes', design_ref: ref, node_filter: byName(['node01']) });
      const id = ref.replace('bosun+design://', '');
      await h.api
        .post(`/api/v1.0/designs/${id}`)
        .set('Authorization', asAdmin)
        .set('Content-Type', 'application/x-yaml')
        .send(siteYaml().replace('owner_data: { role: control }', 'owner_data: { role: storage }'))
        .expect(201);
      // node02 was never provisioned: its relabel fails, node01's succeeds.
      const relabeled = await runTask(h, { action: 'relabel_nodes', design_ref: ref });
      expect(relabeled.result).to.include({ status: 'partial_success' });
      expect(relabeled.result.successes).to.deep.equal(['node01']);
      expect(relabeled.result.failures).to.deep.equal(['node02']);
      const nodes = await h.api.get('/api/v1.0/nodes').set('Authorization', asReader).expect(200);
      expect(nodes.body.map((n: { hostname: string; labels: object }) => [n.hostname, n.labels])).to.deep.equal([
        ['node01', { role: 'storage' }],
      ]);

      // A node with no container is destroyed as it is: a success.
      const destroyed = await runTask(h, { action: 'destroy_nodes', design_ref: ref });
      expect(destroyed.result).to.include({ status: 'success' });
      expect(destroyed.result.successes.sort()).to.deep.equal(['node01', 'node02']);
      expect(await docker.listContainers({ all: true, filters: { label: ['bosun.drydock.node'] } })).to.deep.equal([]);
      expect((await h.api.get('/api/v1.0/nodes').set('Authorization', asReader).expect(200)).body).to.deep.equal([]);
    });

    it('makes the parent partial_success when one node fails and failure when all do', async function () {
      this.timeout(60_000);
      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      const yaml = siteYaml(2).replace(
        'name: node02 }\ndata:\n  host_profile: worker',
        "name: node02 }\ndata:\n  host_profile: worker\n  platform: { image: 'bosun-test/absent:none' }",
      );
      const ref = await storeDesign(h, yaml);
      const mixed = await runTask(h, { action: 'prepare_nodes', design_ref: ref });
      expect(mixed.result).to.include({ status: 'partial_success' });
      expect(mixed.result.successes).to.deep.equal(['node01']);
      expect(mixed.result.failures).to.deep.equal(['node02']);
      const errs = await h.api
        .get(`/api/v1.0/tasks/${mixed.task_id}?subtaskerrors=true`)
        .set('Authorization', asReader)
        .expect(200);
      expect(Object.values(errs.body.subtask_errors)).to.have.length(1);
      const allFailed = await runTask(h, { action: 'verify_nodes', design_ref: ref, node_filter: byName(['node02']) });
      expect(allFailed.result.status).to.equal('failure');
      expect((await h.tasks.get(allFailed.bosun_task_id))!.state).to.equal('error');
    });

    it('terminates a queued task at once and a running one through its Director task', async function () {
      this.timeout(90_000);
      const ref = await storeDesign(h);
      const queued = await h.api
        .post('/api/v1.0/tasks')
        .set('Authorization', asAdmin)
        .send({ action: 'prepare_nodes', design_ref: ref })
        .expect(201);
      const res = await h.api
        .delete(`/api/v1.0/tasks/${queued.body.task_id}`)
        .set('Authorization', asAdmin)
        .expect(200);
      expect(res.body).to.include({ status: 'terminated', terminate: true, terminated_by: 'admin' });
      expect((await h.tasks.get(queued.body.bosun_task_id))!.state).to.equal('cancelled');
      await h.api.delete(`/api/v1.0/tasks/${queued.body.task_id}`).set('Authorization', asReader).expect(403);

      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      const slow = await storeDesign(
        h,
        siteYaml(3).replace('ExecStart=/bin/sh /var/tmp/hello.sh', 'ExecStart=/bin/sleep 30'),
      );
      const running = await h.api
        .post('/api/v1.0/tasks')
        .set('Authorization', asAdmin)
        .send({ action: 'deploy_nodes', design_ref: slow })
        .expect(201);
      await waitForTask(h.tasks, running.body.bosun_task_id, (t) => t.state === 'processing');
      for (;;) {
        const rows = await h.db.knex('drydock_boot_actions').count({ n: '*' });
        if (Number(rows[0].n) > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const terminating = await h.api
        .delete(`/api/v1.0/tasks/${running.body.task_id}`)
        .set('Authorization', asAdmin)
        .expect(200);
      expect(terminating.body.status).to.be.oneOf(['terminating', 'terminated']);
      const director = await waitForTask(h.tasks, running.body.bosun_task_id, undefined, 30_000);
      expect(director.state).to.equal('cancelled');
      const after = await h.api
        .get(`/api/v1.0/tasks/${running.body.task_id}?layers=-1`)
        .set('Authorization', asReader)
        .expect(200);
      expect(after.body[running.body.task_id]).to.include({ status: 'terminated', terminated_by: 'admin' });
      for (const id of after.body[running.body.task_id].subtask_id_list)
        expect(after.body[id].status).to.be.oneOf(['complete', 'terminated']);
    });

    it('answers POST /nodefilter with the names a filter selects (intersection, union, tags, labels, racks)', async () => {
      const ref = await storeDesign(h, siteYaml(4));
      const nf = (node_filter: unknown) =>
        h.api
          .post('/api/v1.0/nodefilter')
          .set('Authorization', asAdmin)
          .send({ design_ref: ref, node_filter })
          .expect(200);
      expect((await nf(null)).body).to.deep.equal(['node01', 'node02', 'node03', 'node04']);
      expect(
        (
          await nf({
            filter_set_type: 'intersection',
            filter_set: [{ filter_type: 'intersection', rack_names: ['rack1'], node_labels: { role: 'compute' } }],
          })
        ).body,
      ).to.deep.equal(['node03']);
      expect(
        (
          await nf({
            filter_set_type: 'union',
            filter_set: [
              { filter_type: 'union', node_tags: ['first'] },
              { filter_type: 'union', node_names: ['node04'] },
            ],
          })
        ).body,
      ).to.deep.equal(['node01', 'node04']);
      expect(
        (
          await nf({
            filter_set_type: 'intersection',
            filter_set: [
              { filter_type: 'union', node_tags: ['base'] },
              { filter_type: 'union', rack_names: ['rack2'] },
            ],
          })
        ).body,
      ).to.deep.equal(['node02', 'node04']);
      const missing = await h.api.post('/api/v1.0/nodefilter').set('Authorization', asAdmin).send({}).expect(400);
      expect(missing.body.message).to.equal('Missing input required value: design_ref');
    });

    it('purges finished tasks older than N days with DELETE /tasks?days=N', async function () {
      this.timeout(60_000);
      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      const ref = await storeDesign(h);
      const done = await runTask(h, { action: 'validate_design', design_ref: ref });
      expect(done.result.status).to.equal('success');
      const kept = await h.api.delete('/api/v1.0/tasks?days=1').set('Authorization', asAdmin).expect(200);
      expect(kept.text).to.equal('Tables purged successfully.');
      expect((await h.api.get('/api/v1.0/tasks').set('Authorization', asReader)).body).to.have.length(1);
      await h.db.knex('drydock_tasks').update({ created_at: new Date(Date.now() - 3 * 86_400_000) });
      await h.api.delete('/api/v1.0/tasks?days=2').set('Authorization', asAdmin).expect(200);
      expect((await h.api.get('/api/v1.0/tasks').set('Authorization', asReader)).body).to.have.length(0);
      expect(await h.tasks.get(done.bosun_task_id)).to.equal(null);
    });
  },
  { withFamilies: (h) => [testDrydock(h)] },
);
