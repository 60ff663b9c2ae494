import Dockerode from 'dockerode';

/**
 * The Docker engine as bosun uses it. This module alone knows dockerode: the daemon connects one client
 * and hands it to every family (FamilyDeps.docker), which reaches the engine only through these calls.
 */
export type DockerEngine = Pick<
  Dockerode,
  | 'createContainer'
  | 'getContainer'
  | 'getEvents'
  | 'getImage'
  | 'listContainers'
  | 'listImages'
  | 'pull'
  | 'importImage'
  | 'modem'
  | 'ping'
  | 'createNetwork'
  | 'getNetwork'
  | 'listNetworks'
>;
export type EngineContainer = Dockerode.Container;
export type EngineContainerInfo = Dockerode.ContainerInfo;
export type EngineContainerInspect = Dockerode.ContainerInspectInfo;

/** The engine at `socketPath` (docker.socket). */
export function connectDockerEngine(socketPath?: string): DockerEngine {
  return new Dockerode(socketPath ? { socketPath } : undefined);
}
