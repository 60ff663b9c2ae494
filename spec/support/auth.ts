import { ADMIN, READER } from './harness';

const basic = (u: { name: string; password: string }) =>
  `Basic ${Buffer.from(`${u.name}:${u.password}`).toString('base64')}`;

export const asAdmin = basic(ADMIN);
export const asReader = basic(READER);
export const withWrongPassword = basic({ name: ADMIN.name, password: 'nope' });
