import type { EventsRepo } from '../events/events-repo';
import { manifestDiff, DiffLine } from '../deployments/manifest-diff';
import type { ConfigsRepo, ConfigVersion } from './configs-repo';
import type { Doc } from './config-documents';

/**
 * Stores a new version of a config unless its content is the current one's, recording the Director's
 * event either way it fails or succeeds (`create config/<type>` for `/configs`, `update cloud-config`
 * and the like for the older routes).
 */
export class ConfigChanges {
  constructor(
    private readonly configs: ConfigsRepo,
    private readonly events: EventsRepo,
  ) {}

  async upload(
    type: string,
    name: string,
    content: string,
    event: { user: string | null; action: string; objectType: string; objectName: string | null },
  ): Promise<ConfigVersion> {
    const current = await this.configs.current(type, name);
    if (current && current.content === content) return current;
    const created = await this.configs.create(type, name, content);
    await this.record(event);
    return created;
  }

  record(event: { user: string | null; action: string; objectType: string; objectName: string | null }, error?: Error) {
    return this.events.insert({
      parentId: null,
      user: event.user,
      action: event.action,
      objectType: event.objectType,
      objectName: event.objectName,
      task: null,
      deployment: null,
      instance: null,
      error: error ? error.message : null,
      context: {},
    });
  }
}

/** A config diff as the Director answers it: every line of the new document, marked against the old; `{}` has no lines. */
export function configDiff(before: Doc | null, after: Doc | null, redact: boolean): DiffLine[] {
  const nonEmpty = (d: Doc | null) => (d && Object.keys(d).length ? d : null);
  return manifestDiff(nonEmpty(before), nonEmpty(after), redact);
}
