import { expect } from 'chai';
import YAML from 'yaml';
import { OutputRedactor } from '../../src/docker/output-redactor';
import { secretsFile } from '../../src/families/container-jobs/secrets-file';
import { SecretRedactor } from '../../src/secrets/secret-redactor';

const redactorOf = (...values: string[]) => {
  const r = new SecretRedactor();
  values.forEach((v) => r.add(v));
  return r;
};

/** Streams `text` through an OutputRedactor in chunks cut at `cuts`. */
function streamed(r: SecretRedactor, text: string, cuts: number[]): string {
  const out = new OutputRedactor(r);
  const bytes = Buffer.from(text);
  const parts: Buffer[] = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    parts.push(out.push(bytes.subarray(from, at)));
    from = at;
  }
  parts.push(out.end());
  return Buffer.concat(parts).toString();
}

describe('secret redaction', () => {
  const quoted = 'pa"ss\\word';

  it('redacts a value with " and \\ raw, JSON-escaped and as /secrets.yml and /secrets.json write it', () => {
    const r = redactorOf(quoted);
    expect(r.text(`raw ${quoted} end`)).to.equal('raw [redacted] end');
    expect(r.text(JSON.stringify({ password: quoted }))).to.equal('{"password":"[redacted]"}');
    for (const type of ['yaml', 'json'] as const) {
      const file = secretsFile({ PASSWORD: quoted, USER: 'app' }, type).content.toString();
      const redacted = r.text(file);
      expect(redacted, type).to.contain('[redacted]').and.contain('app');
      expect(redacted, type).not.to.contain('ss\\').and.not.to.contain('ss\\\\');
    }
  });

  it('redacts multi-line and long values as the YAML secrets file writes them', () => {
    const pem = '-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----';
    const long = `${'x'.repeat(50)} ${'y'.repeat(50)} 'quote' ${'z'.repeat(50)}`;
    const r = redactorOf(pem, long);
    const file = secretsFile({ KEY: pem, LONG: long, OTHER: 'plain' }, 'yaml').content.toString();
    expect(YAML.parse(file)).to.deep.equal({ KEY: pem, LONG: long, OTHER: 'plain' });
    const redacted = r.text(file);
    expect(redacted).not.to.contain('AAAA').and.not.to.contain('yyyy').and.not.to.contain('zzzz');
    expect(redacted).to.contain('OTHER: plain');
  });

  it('redacts a short value where it stands as a word, not inside other words', () => {
    const r = redactorOf('abc', 'e');
    expect(r.text('pw=abc; "abc" abc\n')).to.equal('pw=[redacted]; "[redacted]" [redacted]\n');
    expect(r.text('abcdef xabc the end')).to.equal('abcdef xabc the end');
    expect(r.text('e')).to.equal('[redacted]');
  });

  it('does not redact the marker again, even for a value inside it', () => {
    const r = redactorOf('red', 'hunter2-secret');
    expect(r.text('hunter2-secret red')).to.equal('[redacted] [redacted]');
    expect(r.text('[redacted]')).to.equal('[redacted]');
  });

  it('redacts overlapping and adjacent occurrences as one', () => {
    const r = redactorOf('abab-x', 'b-xyz1');
    expect(r.text('>abab-xyz1<')).to.equal('>[redacted]<');
  });

  it('redacts a value split across output chunks at every position, short ones too', () => {
    const r = redactorOf(quoted, 'k3y');
    const json = JSON.stringify({ a: quoted, b: 'k3y' });
    const text = `start ${quoted} ${json} k3y k3yx end`;
    const whole = r.text(text);
    expect(whole).to.equal(`start [redacted] {"a":"[redacted]","b":"[redacted]"} [redacted] k3yx end`);
    const bytes = Buffer.byteLength(text);
    for (let i = 0; i <= bytes; i++) {
      expect(streamed(r, text, [i]), `cut at ${i}`).to.equal(whole);
      for (let j = i; j <= Math.min(bytes, i + 12); j++)
        expect(streamed(r, text, [i, j]), `cuts at ${i}, ${j}`).to.equal(whole);
    }
    expect(
      streamed(
        r,
        text,
        Array.from({ length: bytes }, (_, i) => i),
      ),
    ).to.equal(whole);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % (bytes + 1);
    for (let round = 0; round < 300; round++) {
      const cuts = Array.from({ length: 1 + (round % 8) }, next).sort((a, b) => a - b);
      expect(streamed(r, text, cuts), `cuts at ${cuts.join(', ')}`).to.equal(whole);
    }
  });

  it('passes output through untouched when the task has read no secret', () => {
    const chunk = Buffer.from('nothing secret here');
    expect(new OutputRedactor(new SecretRedactor()).push(chunk)).to.equal(chunk);
  });

  it('redacts every string of a value before it is serialized, keeping its shape', () => {
    const r = redactorOf(quoted);
    expect(r.value({ a: [quoted, 1, null], b: { c: `x ${quoted}` } })).to.deep.equal({
      a: ['[redacted]', 1, null],
      b: { c: 'x [redacted]' },
    });
  });
});
