import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/load-config';
import { NodeLease } from '../../src/runner/node-lease';
import { silentLog } from '../support/databases';
import { describeOnBothBackends } from '../support/harness';

describeOnBothBackends('a node id held by one live process', (h) => {
  const leases: NodeLease[] = [];
  const acquire = async (nodeId = 'node-x') => {
    const lease = await NodeLease.acquire(h.db, nodeId, 30, silentLog);
    leases.push(lease);
    return lease;
  };
  const refusal = (nodeId = 'node-x') =>
    NodeLease.acquire(h.db, nodeId, 30, silentLog).then(
      () => null,
      (e: Error) => e,
    );

  beforeEach(async () => {
    await h.db.knex('nodes').delete();
  });
  afterEach(async () => {
    for (const l of leases.splice(0)) await l.release();
  });

  it('is refused to a second process while the first lives, with a message naming the holder', async () => {
    await acquire();
    const err = await refusal();
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).problems).to.have.length(1);
    expect((err as ConfigError).problems[0]).to.match(
      new RegExp(
        `^node_id: 'node-x' is in use by a live node \\(host .+, pid ${process.pid}, last seen [\\d.]+ s ago\\)`,
      ),
    );
    await acquire('node-y');
  });

  it('is taken at once after a clean release, or once its holder stopped saying it was alive', async () => {
    const first = await acquire();
    await first.release();
    const second = await acquire();
    await h.db.knex.raw(`update nodes set last_seen_at = now() - interval '31 seconds'`);
    await acquire();
    // The new holder's token replaced the old one: the old holder's heartbeat no longer keeps the id.
    await h.db.knex.raw(`update nodes set last_seen_at = now() - interval '31 seconds'`);
    await second.heartbeat();
    expect(await refusal()).to.equal(null);
  });

  it('stays held while heartbeats keep it fresh', async () => {
    const lease = await acquire();
    await h.db.knex.raw(`update nodes set last_seen_at = now() - interval '31 seconds'`);
    await lease.heartbeat();
    expect(await refusal()).to.be.instanceOf(ConfigError);
  });

  it('is taken at once from a holder on this host whose process is gone (a crash and a restart)', async () => {
    await acquire();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    await h.db.knex('nodes').update({ pid: deadPid });
    expect(await refusal()).to.equal(null);
  });
});
