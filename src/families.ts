import type { Family, FamilyDeps } from './families/family';
import { containerJobsFamily } from './families/container-jobs/family';
import { directorTasksFamily } from './families/director-tasks/family';
import { directorFamily } from './families/director/family';
import { schedulerFamily } from './families/scheduler/family';
import { drydockFamily } from './families/drydock/family';
import { syncsFamily } from './families/syncs/family';
import { secretsFamily } from './families/secrets/family';

/** bosun's API families, one entry each; the daemon builds them with the services they share (FamilyDeps). */
export const BOSUN_FAMILIES: Array<(deps: FamilyDeps) => Family> = [
  directorTasksFamily,
  secretsFamily,
  containerJobsFamily,
  directorFamily,
  schedulerFamily,
  drydockFamily,
  syncsFamily,
];
