/** Docker Hub's other names; a short name (`busybox`, `library/x`) is Docker Hub too. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The registry an image reference pulls from, as the engine reads it: the first component when it has
 * a dot or a port or is `localhost`, else Docker Hub (`docker.io`). Lower case, with its port.
 */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return 'docker.io';
  const host = first.toLowerCase();
  return DOCKER_HUB.has(host) ? 'docker.io' : host;
}

/**
 * The registries the engine may pull from (`docker.allowed_registries`). Empty means none: only images
 * already on the engine run. Checked before the engine is asked to pull, so a request cannot point the
 * engine at an arbitrary host (bosun's own API among them).
 */
export class RegistryAllowList {
  private readonly allowed: Set<string>;

  constructor(registries: string[]) {
    this.allowed = new Set(registries.map((r) => (DOCKER_HUB.has(r.toLowerCase()) ? 'docker.io' : r.toLowerCase())));
  }

  allows(image: string): boolean {
    return this.allowed.has(registryOf(image));
  }

  /** Why `image` may not be pulled, or null when it may. */
  refusal(image: string): string | null {
    if (this.allows(image)) return null;
    const registry = registryOf(image);
    return this.allowed.size === 0
      ? `registry ${registry} is not allowed (docker.allowed_registries is empty: only images already on the engine run)`
      : `registry ${registry} is not allowed (docker.allowed_registries: ${[...this.allowed].join(', ')})`;
  }
}
