import type { ReleasePackageRef } from '../releases/release-manifest';

/**
 * The packages `wanted` need, dependencies first (each package after everything it depends on),
 * within one release. Unknown names and cycles are errors.
 */
export function packagesInBuildOrder(all: ReleasePackageRef[], wanted: string[], release: string): ReleasePackageRef[] {
  const byName = new Map(all.map((p) => [p.name, p]));
  const order: ReleasePackageRef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, via: string[]) => {
    const pkg = byName.get(name);
    if (!pkg)
      throw new Error(
        `Package '${name}' is not in release '${release}'${via.length ? ` (needed by '${via.at(-1)}')` : ''}`,
      );
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new Error(
        `Packages of release '${release}' depend on each other in a cycle: ${[...via, name].join(' -> ')}`,
      );
    state.set(name, 'visiting');
    for (const dep of pkg.dependencies ?? []) visit(dep, [...via, name]);
    state.set(name, 'done');
    order.push(pkg);
  };
  for (const name of wanted) visit(name, []);
  return order;
}

/** Every package `name` depends on, directly or not. */
export function transitiveDependencies(all: ReleasePackageRef[], name: string): string[] {
  const byName = new Map(all.map((p) => [p.name, p]));
  const out = new Set<string>();
  const walk = (n: string) => {
    for (const d of byName.get(n)?.dependencies ?? []) {
      if (!out.has(d)) {
        out.add(d);
        walk(d);
      }
    }
  };
  walk(name);
  return [...out];
}
