import { resurrectionConfigSchema } from './director/resurrection/resurrection-config';
import { templatesConfigSchema } from './director/templates/templates-config';
import { drydockConfigSchema } from './drydock/drydock-config';
import { syncsConfigSchema } from './syncs/syncs-config';

/**
 * The families' sections of the config file, by key. Each schema lives in its family's folder and its
 * family.ts names it (`Family.config`); config-schema.ts checks them at boot with the rest, so a bad value
 * in any section is listed with every other problem. Schemas only: this file must not load a family.
 */
export const FAMILY_CONFIG_SECTIONS = {
  templates: templatesConfigSchema,
  // The Director family's second section (its `config` names templates).
  resurrection: resurrectionConfigSchema,
  drydock: drydockConfigSchema,
  syncs: syncsConfigSchema,
};
