import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { ContainerJobBodyScanner } from '../../src/families/container-jobs/container-job-body-scanner';
import { GostintError } from '../../src/families/container-jobs/container-jobs-errors';

const LIMITS = { body: 4096, content: 2048, fields: 256 };

/** Feeds `text` to a scanner in pieces of `size` bytes; returns the archive and the other fields. */
async function scan(text: string, size = 7, limits = LIMITS) {
  const scanner = new ContainerJobBodyScanner(limits);
  const bytes = Buffer.from(text);
  function* pieces() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const parts: Buffer[] = [];
  // A stream of the pieces, as a request body arrives.
  for await (const p of scanner.contentOf(Readable.from(pieces()))) parts.push(p);
  return { archive: Buffer.concat(parts), fields: scanner.fields(), hasContent: scanner.hasContent };
}

async function refusal(text: string, limits = LIMITS): Promise<GostintError> {
  try {
    await scan(text, 5, limits);
  } catch (err) {
    expect(err).to.be.instanceOf(GostintError);
    return err as GostintError;
  }
  throw new Error(`accepted: ${text}`);
}

describe('ContainerJobBodyScanner (a job request read as it arrives)', () => {
  const archive = zlib.gzipSync(Buffer.from('some tar bytes'));
  const b64 = archive.toString('base64');

  it('decodes content in pieces, with the targz, prefix, escaped slashes and line breaks, and keeps the other fields', async () => {
    for (const content of [b64, `targz,${b64}`, `${b64.slice(0, 8)}\\n${b64.slice(8)}`]) {
      for (const size of [1, 3, 64]) {
        const text = `{"run":["a","}]\\""],"content":"${content.replace(/\//g, '\\/')}", "env_vars":{"A":"1"}}`;
        const got = await scan(text, size);
        expect(got.archive.equals(archive), `${size}: ${content}`).to.equal(true);
        expect(got.fields).to.deep.equal({ run: ['a', '}]"'], env_vars: { A: '1' } });
      }
    }
    expect((await scan('{"tty":true}')).hasContent).to.equal(false);
  });

  it('answers malformed JSON with 400 and content that is not base64 of gzip with 400', async () => {
    for (const text of [
      '',
      '[]',
      '{"a":1',
      '{"a":1,}',
      '{"a" 1}',
      '{"a":1}x',
      '{"a":]}',
      '{"content":5}',
      `{"content":"${b64}","content":"${b64}"}`,
      '{"content":"!!!"}',
      '{"content":""}',
      `{"content":"${Buffer.from('plain text').toString('base64')}"}`,
    ]) {
      expect((await refusal(text)).status, text).to.equal(400);
    }
  });

  it('answers a body, content or other fields past their limits with 413', async () => {
    expect((await refusal(`{"content":"${'A'.repeat(3000)}"}`)).status).to.equal(413);
    expect((await refusal(`{"run":["${'x'.repeat(300)}"]}`)).status).to.equal(413);
    expect((await refusal(`{"content":"${b64}"}${' '.repeat(5000)}`)).status).to.equal(413);
  });
});
