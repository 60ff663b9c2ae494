import { expect } from 'chai';
import { z } from 'zod';
import { BOSUN_FAMILIES } from '../../src/families';
import type { Family } from '../../src/families/family';
import { familyContractProblems } from '../../src/families/family-contract';
import { describeOnBothBackends, familyDeps } from '../support/harness';

describeOnBothBackends('The families bosun ships', (h) => {
  let shipped: Array<{ name: string; family: Family }>;
  before(function () {
    shipped = BOSUN_FAMILIES.map((make) => ({ name: make.name, family: make(familyDeps(h)) }));
  });

  it('own every migration once between them and the core, and hand config-schema.ts their own config sections', function () {
    expect(shipped.map((f) => f.name))
      .to.have.length(BOSUN_FAMILIES.length)
      .and.not.include('');
    expect(familyContractProblems(shipped, { complete: true })).to.deep.equal([]);
    expect(shipped.flatMap((f) => (f.family.config ?? []).map((c) => c.key))).to.have.members([
      'templates',
      'resurrection',
      'drydock',
      'syncs',
    ]);
  });

  it('are told when a migration has no owner, two owners or does not exist', function () {
    const [first, ...rest] = shipped;
    expect(familyContractProblems(rest)).to.include.members(
      first.family.migrations.map((m) => `migration ${m} has no owner`),
    );
    const scheduler = shipped.find((f) => f.name === 'schedulerFamily')!;
    const greedy = {
      name: 'greedy',
      family: { ...scheduler.family, migrations: [...scheduler.family.migrations, '29990101000000_create_nothing'] },
    };
    expect(familyContractProblems([...shipped, greedy])).to.include.members([
      'migration 20261202000011_create_scheduler_job_configs is claimed by family schedulerFamily and family greedy',
      'family greedy lists migration 29990101000000_create_nothing, which does not exist',
    ]);
  });

  it('are told when a config section is not the one the config file is checked with, or is claimed twice', function () {
    const impostor = {
      name: 'impostor',
      family: {
        operations: [],
        routers: [],
        migrations: [],
        config: [{ key: 'syncs' as const, schema: z.object({}) }],
      },
    };
    expect(familyContractProblems([...shipped, impostor])).to.deep.equal([
      'families syncsFamily and impostor both claim the config section syncs',
      "family impostor's config section syncs is not the one config-schema.ts checks",
    ]);
    const withoutDrydock = shipped.filter((f) => f.name !== 'drydockFamily');
    expect(familyContractProblems(withoutDrydock, { complete: true })).to.include(
      'config section drydock has no family',
    );
  });
});
