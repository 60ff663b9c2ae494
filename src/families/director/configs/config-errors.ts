import { DirectorError } from '../../../errors/director-error';

/** The Director's config errors (its catalogue: 440010-440013, 570000, 710001, 190025). */
export const badConfigRequest = (message: string) => new DirectorError(440010, 400, message);
export const badConfig = (message: string) => new DirectorError(440011, 400, message);
export const configNotFound = (id: string) => new DirectorError(440012, 404, `Config ${id} not found`);
export const invalidJson = (message: string) => new DirectorError(710001, 400, `Invalid JSON request body: ${message}`);
export const badManifest = (message: string) => new DirectorError(440001, 400, message);
export const cloudConfigMergeError = (message: string) => new DirectorError(570000, 400, message);
export const runtimeConfigParseError = (message: string) => new DirectorError(530006, 400, message);
export const invalidConfigReference = () => new DirectorError(190025, 400, 'Context includes invalid config ID');
