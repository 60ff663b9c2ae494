import { closeTestDatabases } from './databases';

/** Closes the shared databases once every test has run. */
export const mochaHooks = {
  async afterAll() {
    await closeTestDatabases();
  },
};
