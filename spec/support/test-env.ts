/** Where the tests find their services; scripts/setup-test-env.sh prepares them on a fresh machine. */
export const TEST_DATABASE_URL = process.env.BOSUN_TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/bosun_test';
/** The daemon process specs' own database: the test database's name with `2` appended (bosun_test2). */
export const SECOND_TEST_DATABASE_URL = process.env.BOSUN_TEST_SECOND_DATABASE_URL ?? `${TEST_DATABASE_URL}2`;
/** The soak spec's database: the test database's name with `_soak` appended (bosun_test_soak). */
export const SOAK_TEST_DATABASE_URL = process.env.BOSUN_TEST_SOAK_DATABASE_URL ?? `${TEST_DATABASE_URL}_soak`;
export const TEST_IMAGE = process.env.BOSUN_TEST_IMAGE ?? 'bosun-test/busybox:latest';
