/** Where the tests find their services; scripts/setup-test-env.sh prepares them on a fresh machine. */
export const TEST_DATABASE_URL = process.env.BOSUN_TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/bosun_test';
export const TEST_IMAGE = process.env.BOSUN_TEST_IMAGE ?? 'bosun-test/busybox:latest';
