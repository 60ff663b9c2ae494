import { OutputRedactor } from '../../docker/output-redactor';
import type { TaskContext } from '../../runner/task-context';
import type { SecretStore } from '../../secrets/secret-store';
import { readModuleArchive, unpackModule } from './module-archive';
import { ModuleSourceError, resolveModule } from './module-source';
import type { SyncModulesRepo } from './sync-modules-repo';
import { moduleInputs, SyncTaskConfig } from './sync-task';
import type { SyncTaskStatesRepo } from './sync-task-states-repo';
import type { TerraformBinary } from './terraform-binary';
import { TerraformWorkspace } from './terraform-workspace';
import type { WatchedData } from './watched-data';

export interface SyncRunDeps {
  states: SyncTaskStatesRepo;
  modules: SyncModulesRepo;
  watched: WatchedData;
  secrets: SecretStore;
  terraform: TerraformBinary;
  modulesRoot: string | null;
  maxModuleBytes: number;
}

/** The largest plan text kept for an inspect answer. */
const MAX_PLAN_BYTES = 1024 * 1024;

export interface RunOutcome {
  /** Terraform's closing line (`Apply complete! Resources: ...`, `Plan: ...`, `No changes. ...`). */
  summary: string;
  /** Inspect only: whether the plan changes anything, and its text. */
  changesPresent?: boolean;
  plan?: string;
}

/** The last line of the output matching `pattern`. */
function lastMatch(text: string, pattern: RegExp): string | null {
  const all = [...text.matchAll(pattern)];
  return all.length ? all[all.length - 1][0].trim() : null;
}

/**
 * One Terraform run of a sync task, as CTS runs one: a root module calling the task's module with its
 * variables and watched data, `terraform init`, then `apply -auto-approve` (or `plan` to inspect), with
 * the task's state read from and (after apply, also a failed one) written back to the database.
 * Terraform's output streams into the debug log, secrets redacted; each command is a step of the event log.
 */
export async function runSync(
  d: SyncRunDeps,
  task: SyncTaskConfig,
  mode: 'apply' | 'inspect',
  ctx: TaskContext,
): Promise<RunOutcome> {
  const stage = ctx.beginStage(mode === 'apply' ? `Syncing ${task.name}` : `Inspecting ${task.name}`, 3, [task.name]);
  const workspace = await TerraformWorkspace.create(String(ctx.task.id));
  try {
    const binary = await stage.step('Preparing root module', async () => {
      const terraform = await d.terraform.check();
      if (!terraform.ok) throw new Error(terraform.problem);
      await ctx.debug(`Using ${terraform.path} (Terraform ${terraform.version})`, 'INFO', 'SyncTask');
      await prepare(d, task, workspace, ctx);
      return terraform.path;
    });
    ctx.checkpoint();
    // Patterns are taken once the watched secrets have been read (prepare registers them).
    const redactor = new OutputRedactor(ctx.redactor);
    let captured = '';
    const run = async (args: string[]) => {
      await ctx.debug(`terraform ${args.join(' ')}`, 'INFO', 'SyncTask');
      let pending: Promise<void> = Promise.resolve();
      const write = (data: Buffer) => {
        if (!data.length) return;
        if (captured.length < MAX_PLAN_BYTES) captured += data.toString('utf8');
        pending = pending.then(() => ctx.debugRaw(data));
      };
      const code = await workspace.run(binary, args, ctx.signal, (chunk) => write(redactor.push(chunk)));
      write(redactor.end());
      await pending;
      return code;
    };

    await stage.step('terraform init', async () => {
      const code = await run(['init', '-input=false', '-no-color']);
      if (code !== 0) throw new Error(`terraform init exited with code ${code}`);
    });
    ctx.checkpoint();
    captured = '';
    if (mode === 'inspect') {
      return await stage.step('terraform plan', async () => {
        const code = await run(['plan', '-input=false', '-no-color', '-detailed-exitcode', '-lock=false']);
        if (code !== 0 && code !== 2) throw new Error(`terraform plan exited with code ${code}`);
        const summary = lastMatch(captured, /^(Plan: .*|No changes\..*)$/gm) ?? 'plan complete';
        return { summary, changesPresent: code === 2, plan: captured.trim() };
      });
    }
    return await stage.step('terraform apply', async () => {
      let code: number;
      try {
        code = await run(['apply', '-auto-approve', '-input=false', '-no-color']);
      } finally {
        // Whatever the outcome, the state Terraform left is the truth about what exists now.
        const after = await workspace.readState();
        if (after) await d.states.put(task.name, after.state, after.serial);
      }
      if (code !== 0) {
        const error = lastMatch(captured, /^Error: .*$/gm);
        throw new Error(`terraform apply exited with code ${code}${error ? `: ${error}` : ''}`);
      }
      return { summary: lastMatch(captured, /^Apply complete!.*$/gm) ?? 'apply complete' };
    });
  } finally {
    await workspace.remove();
  }
}

/** The module, the root module with its inputs, and the stored state, in the workspace. */
async function prepare(
  d: SyncRunDeps,
  task: SyncTaskConfig,
  workspace: TerraformWorkspace,
  ctx: TaskContext,
): Promise<void> {
  let source;
  try {
    source = await resolveModule(task.module, task.version, d.modulesRoot, d.modules);
  } catch (err) {
    if (err instanceof ModuleSourceError) throw new Error(`${err.field}: ${err.message}`);
    throw err;
  }
  if (source.kind === 'local') {
    await workspace.linkModule(source.dir);
    await ctx.debug(`Module: ${source.dir}`, 'INFO', 'SyncTask');
  } else {
    const archive = await d.modules.archive(source.name, source.version);
    if (!archive) throw new Error(`uploaded module ${source.name} ${source.version} is gone`);
    await unpackModule(await readModuleArchive(archive, d.maxModuleBytes), workspace.moduleDir);
    await ctx.debug(`Module: uploaded ${source.name} ${source.version} (sha256 ${source.sha256})`, 'INFO', 'SyncTask');
  }
  const inputs = moduleInputs(task);
  const services = inputs.instances ? await d.watched.services(inputs.instances) : null;
  // Read through the task's redactor: the values never reach its logs.
  const kv = inputs.secrets ? await d.watched.kv(inputs.secrets, d.secrets.readingFor(ctx.redactor)) : null;
  await workspace.writeRoot({ taskName: task.name, variables: task.variables, services, kv });
  await workspace.writeState(await d.states.get(task.name));
  await ctx.debug(
    `Inputs: ${Object.keys(task.variables).length} variable(s)` +
      (services ? `, ${Object.keys(services).length} instance(s) of ${inputs.instances!.deployment}` : '') +
      (kv ? `, ${Object.keys(kv).length} secret(s) under ${inputs.secrets!.path}` : ''),
    'INFO',
    'SyncTask',
  );
}
