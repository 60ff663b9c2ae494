import type { ConfigVersion } from './configs-repo';

/** Ruby's `Time#to_s` in UTC, as the Director's config hashes carry `created_at`. */
export function rubyTime(t: Date): string {
  return `${t.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `GET /configs`, `GET /configs/:id`, `POST /configs`: the Director's `Config#to_hash` (ids as strings). */
export function presentConfig(c: ConfigVersion) {
  return {
    content: c.content,
    id: String(c.id),
    type: c.type,
    name: c.name,
    team: c.team,
    created_at: rubyTime(c.createdAt),
    current: c.current,
  };
}

/** `GET /cloud_configs`, `/runtime_configs`, `/cpi_configs`: the older routes' shape. */
export function presentLegacyConfig(c: ConfigVersion) {
  return { properties: c.content, created_at: rubyTime(c.createdAt) };
}

/** `GET /deployment_configs`: which config versions each deployment was deployed with. */
export function presentDeploymentConfig(r: { deployment: string; configId: number; type: string; name: string }) {
  return { deployment: r.deployment, config: { id: r.configId, type: r.type, name: r.name } };
}
