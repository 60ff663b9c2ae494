/** The malformed pieces the bad-input stream is made of. */

/** Path segments where an id belongs: wrong types, path tricks, encodings, injection. */
export const JUNK_IDS = [
  '0', '-1', '1.5', '1e3', '0x1f', '+1', '%2B1', '01', '99999999999999999999', '2147483648', 'abc', 'null', 'undefined',
  '..', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2f..%2fetc%2fpasswd', '..%5c..%5cwindows', '....//....//etc',
  '%00', '1%00', '1%00.json', '%', '%zz', '%201', '%ff%fe', '%c0%ae%c0%ae', '%D9%A1', '%E2%80%AE1', '%F0%9F%98%80', '%ED%A0%80',
  '1;select%20pg_sleep(1)', "1'--", '1%20or%201=1', '%20', '%0d%0aX-Injected:%201', 'A'.repeat(5000),
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff%00', 'FFFFFFFF-FFFF-4FFF-8FFF-FFFFFFFFFFFF',
];

/** Whole paths that try to walk out of a route. */
export const PATH_TRICKS = [
  '/tasks/../../etc/passwd', '/tasks/%2e%2e/%2e%2e/etc/passwd', '/tasks/1/../../info', '//tasks//1//output',
  '/tasks/1/output/../../../etc/passwd', '/v1/api/job/../../../../etc/passwd', '/api/v1/data/..%2f..%2f',
  '/tasks/1/output%00', '/TASKS', '/tasks/', '/task/', '/v1/api/job/kill/', '/v1/api/job/kill', '/%2e%2e/%2e%2e/',
  '/tasks?limit=1#frag', '/info/..', '/./tasks', '/tasks;jsessionid=1', '/api/v1/data/%2F..%2F..%2Fetc%2Fpasswd',
];

/** JSON values of every type, and strings meant to hurt. */
export const JUNK_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', 'x'.repeat(100_000), '\u0000', '\u0000\u0001\u001f',
  '\u202e', '😀', '\ud800', '\uffff', '../../etc/passwd', '/../../etc/passwd', '%00', 'a\r\nX-Injected: 1',
  "'; drop table tasks; --", '${jndi:ldap://x}', '{{7*7}}', [], {}, [[[[[]]]]], [null], ['\u0000'], [1, 2, 3],
  { __proto__: { admin: true } }, { constructor: { prototype: { admin: true } } }, 'constructor', '__proto__',
];

/** Bodies that are not what a JSON route expects: invalid JSON, YAML, other formats, odd encodings. */
export const JUNK_BODIES: Array<string | Buffer> = [
  '', '{', '}', '[', ']', 'null', 'true', '1', '"s"', "{'a':1}", '{"a":}', '{"a":1,}', '{"a" 1}', 'NaN', '\u0000',
  '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"admin":true}}',
  '---\nname: /x\ntype: value\nvalue: v\n', 'name: [unclosed', '!!python/object/apply:os.system ["id"]', '&a [*a, *a]',
  'a: &a [*a]\n', '? - - -\n', '%YAML 9.9\n---\n', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  'a=1&b=2', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', '['.repeat(100_000), '{"a":'.repeat(50_000),
  Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), Buffer.from([0xc0, 0xae, 0xc3, 0x28]), Buffer.alloc(64, 0),
];

export const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json', 'application/json; charset=utf-16', 'application/json; charset=bogus',
  'text/yaml', 'application/x-yaml', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded',
  'application/octet-stream', 'application/json, text/plain', '', 'application/vnd.api+json', 'APPLICATION/JSON',
];

/** Query strings with wrong types, repeats, arrays, encodings. */
export const JUNK_QUERIES = [
  'limit=abc', 'limit=-1', 'limit=1e309', 'limit=99999999999', 'limit=&limit=', 'limit[]=1', 'limit[a]=1', 'state=bogus',
  'state=%00', 'state=,,,,', 'state=queued,%FF', 'verbose=x', 'verbose=2&verbose=1', `deployment=${'d'.repeat(10_000)}`,
  'context_id=%E2%80%AE', 'type=../../etc/passwd', 'type=%00', 'type[]=event', 'type=stdout', 'type=cpi', 'type=DEBUG',
  'skip=-1', 'skip=1.5', 'skip=1e400', 'limit=0', 'limit=101', 'name=', 'name=%00', 'name=/../../etc', 'name=/x%0d%0a',
  'name[]=/x', `name=/${'n'.repeat(2000)}`, 'ms=abc', 'ms=-1', 'ms=1e309', 'ms=NaN', '%', '=&=&', 'a=%zz',
];

/** Authorization headers that are not valid credentials (Node's client refuses control characters). */
export const GARBAGE_AUTH = [
  'Basic', 'Basic ', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, 'Bearer abc.def.ghi',
  `Basic ${Buffer.from('admin:').toString('base64')}`, `Basic ${Buffer.from(':').toString('base64')}`,
  `Basic ${Buffer.from('\u0000:\u0000').toString('base64')}`, `Basic ${'A'.repeat(8000)}`, 'Digest username="admin"',
  `Basic ${Buffer.from('admin:soak-admin-password\u0000').toString('base64')}`, `Basic ${Buffer.from('ädmin:pässword').toString('base64')}`,
  `basic ${Buffer.from('reader:wrong').toString('base64')}`, 'Basic ====',
];

/** Header values with every latin-1 character Node's client lets through. */
export const JUNK_HEADER_VALUES = ['', ' ', 'x'.repeat(4000), '\u00ff\u00fe', '../../etc', 'bytes=abc', 'bytes=-1',
  'bytes=99999999999999999999-', 'bytes=0-0,1-1', 'items=0-', 'bytes=5-1', 'bytes=-99999999999999999999'];

/** Planted inside nested strings and keys of otherwise valid JSON bodies (PostgreSQL refuses the first in text). */
export const CONTROL_CHARACTERS = ['\u0000', '\u0001', '\u001b', '\u007f', '\r\n', '\u0000\u0000', '\ud800'];
