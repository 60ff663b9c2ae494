import { expect } from 'chai';
import { runSoak } from '../../soak/soak';
import { SOAK_TEST_DATABASE_URL } from '../support/test-env';

describe('the soak, short (two daemon processes on PostgreSQL, load with faults, then bad input)', function () {
  this.timeout(240_000);

  it('loses no task, runs none twice, leaves no container, keeps every log; bad input gets no 5xx and changes nothing', async () => {
    const lines: string[] = [];
    const report = await runSoak({
      databaseUrl: SOAK_TEST_DATABASE_URL,
      seed: 5,
      loadMs: 15_000,
      tasksPerSecond: 3,
      cancelShare: 0.2,
      downForMs: 3_000,
      badInputPerRoute: 6,
      print: (line) => lines.push(line),
    });
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed, lines.join('\n')).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    expect(report.load.sigkills).to.equal(1);
    expect(report.load.restarts).to.equal(1);
    expect(report.load.submitted.length).to.be.above(20);
    expect(report.load.cancelsSent + report.load.killsSent).to.be.above(0);
    expect(report.badInput.requests).to.be.above(150);
    expect(report.checks.map((c) => c.name)).to.include.members([
      'no task lost',
      'none run twice',
      'no container left behind',
      'bad input: container jobs from a registry not allowed, or over the limits, refused',
      'bad input: failed logins are limited (429, Retry-After), and the right password works once it passes',
    ]);
  });
});
