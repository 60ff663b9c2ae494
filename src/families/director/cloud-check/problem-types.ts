import type { Instance } from '../instances/instances-repo';
import type { ProblemType } from './problems-repo';

export interface Resolution {
  name: string;
  plan: string;
}

const ignore = { name: 'ignore', plan: 'Skip for now' };
const recreateWithoutWait = {
  name: 'recreate_vm_without_wait',
  plan: 'Recreate VM without waiting for processes to start',
};
const recreate = { name: 'recreate_vm', plan: 'Recreate VM and wait for processes to start' };

/**
 * The Director's problem handlers (problem_handlers/missing_vm.rb, unresponsive_agent.rb): the
 * resolutions each offers, in its order, and the one `bosh cck --auto` gets (the CLI sends none).
 */
export const PROBLEM_TYPES: Record<ProblemType, { resolutions: Resolution[]; auto: string }> = {
  missing_vm: {
    resolutions: [ignore, recreateWithoutWait, recreate, { name: 'delete_vm_reference', plan: 'Delete VM reference' }],
    auto: 'recreate_vm_without_wait',
  },
  unresponsive_agent: {
    resolutions: [
      ignore,
      { name: 'reboot_vm', plan: 'Reboot VM' },
      recreateWithoutWait,
      recreate,
      { name: 'delete_vm', plan: 'Delete VM' },
      {
        name: 'delete_vm_reference',
        plan: 'Delete VM reference (forceful; may need to manually delete VM from the Cloud to avoid IP conflicts)',
      },
    ],
    auto: 'ignore',
  },
};

/** The Director's class names, which its messages about a resolution a handler lacks name. */
const HANDLER_CLASS: Record<ProblemType, string> = {
  missing_vm: 'Bosh::Director::ProblemHandlers::MissingVM',
  unresponsive_agent: 'Bosh::Director::ProblemHandlers::UnresponsiveAgent',
};

export function handlerClass(type: ProblemType): string {
  return HANDLER_CLASS[type];
}

/** The VM's cloud ID as bosun shows it everywhere (`bosh vms`): the container id's first 12 characters. */
export const vmCid = (containerId: string | null) => (containerId ? containerId.slice(0, 12) : null);

/** The Director's descriptions, with the instance as it is now. */
export function describeProblem(type: ProblemType, inst: Instance): string {
  const cid = vmCid(inst.containerId);
  const withCid = cid ? ` with cloud ID '${cid}'` : '';
  const what = `VM for '${inst.group}/${inst.id} (${inst.index})'${withCid}`;
  return type === 'missing_vm' ? `${what} missing.` : `${what} is not responding.`;
}
