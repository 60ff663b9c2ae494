import type { Secret } from '../../secrets/secret-store';

export function presentSecret(s: Secret) {
  return { id: s.id, name: s.name, type: s.type, value: s.value, version_created_at: s.versionCreatedAt.toISOString() };
}
