import type { ContainerLimits, LimitOverrides } from '../../docker/container-limits';
import { limitsFor } from '../../docker/container-limits';
import type { RegistryAllowList } from '../../docker/registry-allow-list';

/** What a node allows container jobs: the administrator's limits and the registries it may pull from. */
export interface ContainerJobAdmission {
  defaults: ContainerLimits;
  maxima: ContainerLimits;
  registries: RegistryAllowList;
}

/**
 * Why a job cannot run, as far as its request tells: resources above the maxima, or a pull (policy
 * Always) from a registry not allowed. An IfNotPresent image of such a registry may be on the engine
 * already, which only the engine knows: that job is refused when it runs, before any pull.
 */
export function admissionProblems(
  req: { container_image: string; image_pull_policy: 'IfNotPresent' | 'Always'; resources?: LimitOverrides },
  admission: ContainerJobAdmission,
): string[] {
  const problems: string[] = [];
  const limits = limitsFor(admission.defaults, admission.maxima, req.resources);
  if ('problems' in limits) problems.push(...limits.problems);
  if (req.image_pull_policy === 'Always') {
    const refusal = admission.registries.refusal(req.container_image);
    if (refusal)
      problems.push(`container_image: image_pull_policy Always would pull ${req.container_image}, and ${refusal}`);
  }
  return problems;
}
