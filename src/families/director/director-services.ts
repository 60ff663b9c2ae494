import type { DockerEngine } from '../../docker/docker-engine';
import type { Config } from '../../config/load-config';
import type { Database } from '../../db/database';
import { containerPolicy, toLimits } from '../../docker/container-limits';
import type { SecretStore } from '../../secrets/secret-store';
import type { TaskService } from '../../tasks/task-service';
import { BlobStore } from '../../blobs/blob-store';
import { ConfigChanges } from './configs/config-changes';
import { ConfigsRepo } from './configs/configs-repo';
import { DeploymentConfigsRepo } from './configs/deployment-configs-repo';
import { DeploymentsRepo } from './deployments/deployments-repo';
import { EventRecorder } from './events/event-recorder';
import { EventsRepo } from './events/events-repo';
import { InstanceContainers } from './instances/instance-containers';
import { InstanceUpdater } from './instances/instance-updater';
import { InstancesRepo } from './instances/instances-repo';
import { CompiledPackagesRepo } from './packages/compiled-packages-repo';
import { PackageCompiler } from './packages/package-compiler';
import { ReleasesRepo } from './releases/releases-repo';
import { StemcellsRepo } from './stemcells/stemcells-repo';
import { TemplateRendererPool } from './templates/template-renderer-pool';

/** The Director workloads' repositories and Docker-facing services, built once per daemon. */
export class DirectorServices {
  readonly blobs: BlobStore;
  readonly stemcells: StemcellsRepo;
  readonly releases: ReleasesRepo;
  readonly compiled: CompiledPackagesRepo;
  readonly deployments: DeploymentsRepo;
  readonly configs: ConfigsRepo;
  readonly deploymentConfigs: DeploymentConfigsRepo;
  readonly configChanges: ConfigChanges;
  readonly instances: InstancesRepo;
  readonly eventsRepo: EventsRepo;
  readonly events: EventRecorder;
  readonly containers: InstanceContainers;
  readonly updater: InstanceUpdater;
  readonly compiler: PackageCompiler;
  /** Renders job templates in worker threads (started when the first deploy renders). */
  readonly renderer: TemplateRendererPool;

  constructor(
    readonly config: Config,
    readonly db: Database,
    readonly tasks: TaskService,
    readonly docker: DockerEngine,
    readonly secrets: SecretStore,
  ) {
    const knex = db.knex;
    this.blobs = new BlobStore(knex);
    this.stemcells = new StemcellsRepo(knex);
    this.releases = new ReleasesRepo(knex);
    this.compiled = new CompiledPackagesRepo(knex);
    this.deployments = new DeploymentsRepo(knex);
    this.configs = new ConfigsRepo(knex);
    this.deploymentConfigs = new DeploymentConfigsRepo(knex);
    this.instances = new InstancesRepo(knex);
    this.eventsRepo = new EventsRepo(knex);
    this.events = new EventRecorder(this.eventsRepo);
    this.configChanges = new ConfigChanges(this.configs, this.eventsRepo);
    const policy = containerPolicy(config.docker, toLimits(config.docker.limits));
    this.containers = new InstanceContainers(docker, config.docker.stop_grace_seconds, policy);
    const settings = {
      nodeId: config.node_id,
      networkMode: config.docker.network,
      stopGraceSeconds: config.docker.stop_grace_seconds,
    };
    this.updater = new InstanceUpdater(this.containers, this.instances, settings);
    this.compiler = new PackageCompiler(docker, this.blobs, this.releases, this.compiled, { ...settings, policy });
    const t = config.templates;
    this.renderer = new TemplateRendererPool({
      workers: t.workers,
      deadlineMs: t.deadline_seconds * 1000,
      resourceLimits: {
        maxOldGenerationSizeMb: t.max_old_generation_mb,
        maxYoungGenerationSizeMb: t.max_young_generation_mb,
        stackSizeMb: t.stack_size_mb,
      },
    });
  }

  get directorName(): string {
    return this.config.name;
  }
}

/** Tasks of one deployment run one at a time, in order: the deployment's lock is its serial queue. */
export const deploymentLock = (name: string) => `lock:deployment:${name}`;
