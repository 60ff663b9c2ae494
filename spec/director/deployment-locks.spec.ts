import crypto from 'node:crypto';
import { expect } from 'chai';
import { directorFamily } from '../../src/families/director/family';
import { deploymentLock } from '../../src/families/director/director-services';
import { DEPLOY_TYPE } from '../../src/families/director/deployments/deploy-deployment';
import { DeploymentsRepo } from '../../src/families/director/deployments/deployments-repo';
import { SecretStore } from '../../src/secrets/secret-store';
import { TasksRepo } from '../../src/tasks/tasks-repo';
import { asReader } from '../support/auth';
import { docker, familyDeps } from '../support/docker';
import { describeOnBothBackends, Harness } from '../support/harness';

const secretsKey = crypto.createHash('sha256').update('bosun deployment lock specs').digest();

/** A deploy of `web` queued, then claimed by a node (no runner runs here, so it stays as it is put). */
async function runningDeploy(h: Harness) {
  await new DeploymentsRepo(h.db.knex).findOrCreate('web');
  const task = await h.tasks.enqueue({
    type: DEPLOY_TYPE,
    description: 'create deployment',
    deploymentName: 'web',
    queueName: deploymentLock('web'),
  });
  const [claimed] = await new TasksRepo(h.db.knex).claim('node-x', 1, [DEPLOY_TYPE], '');
  expect(claimed.task).to.include({ id: task.id, state: 'processing' });
  return claimed.task;
}

describeOnBothBackends(
  "A deployment's lock in GET /deployments and GET /locks",
  (h) => {
    const lockedOf = async () =>
      (
        (await h.api.get('/deployments').set('Authorization', asReader).expect(200)).body as Array<{
          name: string;
          locked: boolean;
        }>
      ).map((d) => [d.name, d.locked]);
    const lockTasks = async () =>
      ((await h.api.get('/locks').set('Authorization', asReader).expect(200)).body as Array<{ task_id: string }>).map(
        (l) => l.task_id,
      );

    it("is held while the deployment's deploy runs, and shown alike by both", async () => {
      expect(await lockedOf()).to.deep.equal([]);
      const task = await runningDeploy(h);
      expect(await lockedOf()).to.deep.equal([['web', true]]);
      expect(await lockTasks()).to.deep.equal([String(task.id)]);
    });

    it('is still held while the deploy is cancelling (its operation has not stopped yet)', async () => {
      const task = await runningDeploy(h);
      expect((await h.tasks.cancel(task)).outcome).to.equal('cancelling');
      expect(await lockTasks()).to.deep.equal([String(task.id)]);
      expect(await lockedOf()).to.deep.equal([['web', true]]);
    });

    it('is not held by a deploy that is only queued', async () => {
      await new DeploymentsRepo(h.db.knex).findOrCreate('web');
      await h.tasks.enqueue({
        type: DEPLOY_TYPE,
        description: 'create deployment',
        deploymentName: 'web',
        queueName: deploymentLock('web'),
      });
      expect(await lockedOf()).to.deep.equal([['web', false]]);
      expect(await lockTasks()).to.deep.equal([]);
    });
  },
  { withFamilies: (h) => [directorFamily(familyDeps(h, { docker, secrets: new SecretStore(h.db.knex, secretsKey) }))] },
);
