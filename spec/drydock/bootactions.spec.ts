import zlib from 'node:zlib';
import { expect } from 'chai';
import { extract } from 'tar-stream';
import { asAdmin, asReader } from '../support/auth';
import { describeOnBothBackends } from '../support/harness';
import { readLog, startRunner, stopRunners } from '../support/runners';
import { removeNodes, runTask, siteYaml, storeDesign, testDrydock } from './support';

async function entries(gz: Buffer): Promise<Array<{ name: string; mode: number; text: string }>> {
  const out: Array<{ name: string; mode: number; text: string }> = [];
  const x = extract();
  const done = new Promise<void>((resolve, reject) => {
    x.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (b: unknown) => {
        parts.push(b as Buffer);
      });
      stream.on('end', () => {
        out.push({ name: header.name, mode: header.mode ?? 0, text: Buffer.concat(parts).toString('utf8') });
        next();
      });
    });
    x.on('finish', resolve);
    x.on('error', reject);
  });
  x.end(zlib.gunzipSync(gz));
  await done;
  return out;
}

describeOnBothBackends(
  'Drydock boot data and boot-action reports',
  (h) => {
    before(removeNodes);
    after(async () => {
      await stopRunners();
      await removeNodes();
    });

    it('serves boot data by the node key and takes reports with Drydock’s answers (401, 403, 404, 400, 409)', async function () {
      this.timeout(120_000);
      await startRunner(
        h.db,
        h.families.flatMap((f) => f.operations),
      );
      // A unit that reports nothing final itself would be closed by bosun: this one leaves the action open.
      const yaml = siteYaml(1)
        .replace('signaling: true', 'signaling: true')
        .replace('ExecStart=/bin/sh /var/tmp/hello.sh', 'ExecStart=/bin/true');
      const ref = await storeDesign(h, yaml);
      const deployed = await runTask(h, { action: 'deploy_nodes', design_ref: ref });
      expect(deployed.result.status).to.equal('success');
      const action = await h.db.knex('drydock_boot_actions').where({ node_name: 'node01' }).first();
      const key: string = action.identity_key;

      for (const path of ['/api/v1.0/bootdata/node01/files', '/api/v1.0/bootactions/nodes/node01/files']) {
        await h.api.get(path).expect(401);
        await h.api.get(path).set('X-Bootaction-Key', 'ab'.repeat(32)).expect(403);
        const files = await h.api
          .get(path)
          .set('X-Bootaction-Key', key)
          .buffer(true)
          .parse((res, cb) => {
            const parts: Buffer[] = [];
            res.on('data', (b: Buffer) => parts.push(b));
            res.on('end', () => cb(null, Buffer.concat(parts)));
          })
          .expect(200);
        expect(files.headers['content-type']).to.equal('application/gzip');
        const list = await entries(files.body as Buffer);
        expect(list.map((e) => [e.name, e.mode.toString(8)])).to.deep.equal([['var/tmp/hello.sh', '750']]);
        expect(list[0].text).to.contain('hello from node01');
      }
      const units = await h.api
        .get('/api/v1.0/bootdata/node01/units')
        .set('X-Bootaction-Key', key)
        .buffer(true)
        .parse((res, cb) => {
          const parts: Buffer[] = [];
          res.on('data', (b: Buffer) => parts.push(b));
          res.on('end', () => cb(null, Buffer.concat(parts)));
        })
        .expect(200);
      expect((await entries(units.body as Buffer)).map((e) => [e.name, e.mode.toString(8)])).to.deep.equal([
        ['etc/systemd/system/hello.service', '600'],
      ]);
      await h.api.get('/api/v1.0/bootdata/ghost/files').set('X-Bootaction-Key', key).expect(404);

      // The deploy closed the action from its units' exit codes; a new deployment's action stays open for the API.
      await h.db.knex('drydock_boot_actions').update({ action_status: 'incomplete' });
      const post = (body: unknown, k?: string) => {
        const req = h.api.post(`/api/v1.0/bootactions/${action.action_id}`);
        if (k !== undefined) req.set('X-Bootaction-Key', k);
        return req.send(body as object);
      };
      expect((await post({ details: [] }).expect(401)).body).to.deep.equal({
        type: 'error',
        message: 'No X-Bootaction-Key',
        retry: false,
      });
      await post({ details: [] }, 'cd'.repeat(32)).expect(403);
      await h.api
        .post('/api/v1.0/bootactions/01ARZ3NDEKTSV4RRFFQ69G5FAV')
        .set('X-Bootaction-Key', key)
        .send({})
        .expect(404);
      expect((await post({ status: 'done' }, key).expect(400)).body.message).to.equal('Error processing body.');
      await post({ details: [{ message: 'no error flag' }] }, key).expect(400);
      await post({ colour: 'red' }, key).expect(400);
      const detail = await post(
        { details: [{ message: 'step one ' + 'x'.repeat(200), error: false, step: 1 }] },
        key,
      ).expect(200);
      expect(detail.body).to.deep.include({
        node_name: 'node01',
        action_id: action.action_id,
        action_name: 'hello',
        action_status: 'incomplete',
      });
      expect(detail.body).not.to.have.property('identity_key');
      await post({ details: [{ message: 'step two', error: true }] }, key).expect(200);
      const closed = await post({ status: 'Failure' }, key).expect(200);
      expect(closed.body.action_status).to.equal('failure');
      const late = await post({ details: [{ message: 'too late', error: false }] }, key).expect(409);
      expect(late.body.message).to.equal(`Action ${action.action_id} status finalized, not available for update.`);

      const subtask = await h.api.get(`/api/v1.0/tasks/${action.task_id}`).set('Authorization', asReader).expect(200);
      const messages = subtask.body.result.details.messageList.filter(
        (m: { context_type: string }) => m.context_type === 'bootaction',
      );
      const long = messages.find((m: { message: string }) => m.message.startsWith('step one'));
      expect(long.message).to.have.length(209);
      expect(long).to.deep.include({ context: action.action_id, error: false, extra: { step: 1 } });
      expect(messages.some((m: { message: string; error: boolean }) => m.message === 'step two' && m.error)).to.equal(
        true,
      );
      const events = await readLog(h.tasks, deployed.bosun_task_id, 'event');
      expect(events).to.contain('node01/hello: step two');
      expect(events).to.contain('node01/hello: status failure');
      await h.api.get('/api/v1.0/nodes/node01/builddata').set('Authorization', asAdmin).expect(200);
    });
  },
  { withFamilies: (h) => [testDrydock(h)] },
);
