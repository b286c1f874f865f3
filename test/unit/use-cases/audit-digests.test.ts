import { describe, expect, it } from 'vitest';
import { archiveBody, digestHash, digestKey, parseDigest, publicKeyKey } from '#domain/audit-digest.ts';
import { checkStreamDigests } from '#domain/audit-digest-check.ts';
import { runDigests } from '#use-cases/audit-digests.ts';
import { change, digestPorts } from './digest-fixture.ts';

const settings = { retentionDays: 365 };

/** Every digest of a stream in the archive, oldest first, with its archive body, as the checker takes them. */
async function storedDigests(archive: ReturnType<typeof digestPorts>['archive'], stream: string) {
  const { keys } = await archive.list(`digests/${encodeURIComponent(stream)}/`, { limit: 1000 });
  return Promise.all(
    keys.map(async (key) => {
      const text = (await archive.get(key)) as string;
      return { key, text, archive: await archive.get(parseDigest(text).archiveKey) };
    }),
  );
}

describe('runDigests', () => {
  it('digests each changed stream: archive then signed digest, both locked for the retention, and publishes the public key', async () => {
    const { audit, archive, signer, ports } = digestPorts();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    await audit.append(change('orders', '2026-12-03T14:01:00.000Z'));
    await audit.append(change(undefined, '2026-12-03T14:02:00.000Z'));

    const report = await runDigests(ports, settings);

    expect(report.failures).toEqual([]);
    expect(report.digests).toEqual([
      { stream: 'service#orders', firstSeq: 1, lastSeq: 2, key: digestKey('service#orders', 2) },
      { stream: 'system', firstSeq: 1, lastSeq: 1, key: digestKey('system', 1) },
    ]);
    const { pem, keyId } = await signer.publicKey();
    expect(await archive.get(publicKeyKey(keyId))).toBe(pem);
    const digest = parseDigest((await archive.get(digestKey('service#orders', 2))) as string);
    expect(digest).toMatchObject({ stream: 'service#orders', firstSeq: 1, lastSeq: 2, recordCount: 2, previousDigestHash: null, keyId });
    expect(await archive.get(digest.archiveKey)).toBe(archiveBody(audit.records.filter((r) => r.stream === 'service#orders')));
    expect(archive.versions.get(digest.archiveKey)?.[0]?.retainUntil).toBe('2027-12-03T15:00:00.000Z');
    expect(archive.versions.get(digestKey('service#orders', 2))?.[0]?.retainUntil).toBe('2027-12-03T15:00:00.000Z');
    expect(checkStreamDigests('service#orders', await storedDigests(archive, 'service#orders'), pem).break).toBeNull();
  });

  it('chains the next digest to the one before, and writes none for a stream without new records', async () => {
    const { audit, archive, clock, signer, ports } = digestPorts();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    await audit.append(change('billing', '2026-12-03T14:00:00.000Z'));
    await runDigests(ports, settings);
    clock.at = new Date('2026-12-03T16:00:00.000Z');
    await audit.append(change('orders', '2026-12-03T15:30:00.000Z'));

    const report = await runDigests(ports, settings);

    expect(report.digests.map((d) => [d.stream, d.firstSeq, d.lastSeq])).toEqual([['service#orders', 2, 2]]);
    const first = parseDigest((await archive.get(digestKey('service#orders', 1))) as string);
    const second = parseDigest((await archive.get(digestKey('service#orders', 2))) as string);
    expect(second.previousDigestHash).toBe(digestHash(first));
    expect(checkStreamDigests('service#orders', await storedDigests(archive, 'service#orders'), (await signer.publicKey()).pem)).toMatchObject({
      break: null,
      digests: 2,
    });
  });

  it('splits a long run of records into digests of at most the maximum', async () => {
    const { audit, archive, signer, ports } = digestPorts();
    for (let i = 0; i < 7; i++) await audit.append(change('orders', `2026-12-03T14:00:0${i}.000Z`));
    const report = await runDigests(ports, { ...settings, maxRecordsPerDigest: 3 });
    expect(report.digests.map((d) => [d.firstSeq, d.lastSeq])).toEqual([
      [1, 3],
      [4, 6],
      [7, 7],
    ]);
    expect(checkStreamDigests('service#orders', await storedDigests(archive, 'service#orders'), (await signer.publicKey()).pem).break).toBeNull();
  });

  it('two runs at once digest each range once, and the chain holds', async () => {
    const { audit, archive, signer, ports } = digestPorts();
    for (let i = 0; i < 5; i++) await audit.append(change(`svc-${i}`, '2026-12-03T14:00:00.000Z'));
    const [a, b] = await Promise.all([runDigests(ports, settings), runDigests(ports, settings)]);
    const all = [...a.digests, ...b.digests].map((d) => d.key).sort();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(5);
    for (let i = 0; i < 5; i++) {
      expect(archive.versions.get(digestKey(`service#svc-${i}`, 1))).toHaveLength(1);
      expect(checkStreamDigests(`service#svc-${i}`, await storedDigests(archive, `service#svc-${i}`), (await signer.publicKey()).pem).break).toBeNull();
    }
  });

  it('never signs a broken chain: the stream is reported with the record, and nothing of it is written', async () => {
    const { audit, archive, ports } = digestPorts();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    await audit.append(change('orders', '2026-12-03T14:01:00.000Z'));
    audit.records[1] = { ...audit.records[1]!, actor: 'someone-else' };

    const report = await runDigests(ports, settings);

    expect(report.digests).toEqual([]);
    expect(report.failures).toEqual([
      { stream: 'service#orders', problem: expect.stringContaining('service#orders record 2: hash does not match the record') },
    ]);
    expect((await archive.list('digests/', { limit: 10 })).keys).toEqual([]);
  });

  it('mends a run that stopped after claiming a digest: the next run writes its objects, then goes on', async () => {
    const { audit, archive, clock, signer, ports } = digestPorts();
    await audit.append(change('orders', '2026-12-03T14:00:00.000Z'));
    const put = archive.put.bind(archive);
    archive.put = async (key, body, until) => {
      if (key.startsWith('archive/')) throw new Error('S3 is unreachable');
      return put(key, body, until);
    };
    const stopped = await runDigests(ports, settings);
    expect(stopped.failures).toEqual([{ stream: 'service#orders', problem: 'S3 is unreachable' }]);
    expect(await archive.get(digestKey('service#orders', 1))).toBeNull();

    archive.put = put;
    clock.at = new Date('2026-12-03T16:00:00.000Z');
    await audit.append(change('orders', '2026-12-03T15:59:00.000Z'));
    const mended = await runDigests(ports, settings);

    expect(mended.failures).toEqual([]);
    // The failed stream was kept for retry by name; the run time moved on for the others.
    expect(mended.since).toBe('2026-12-03T13:00:00.000Z');
    expect(checkStreamDigests('service#orders', await storedDigests(archive, 'service#orders'), (await signer.publicKey()).pem)).toMatchObject({
      break: null,
      digests: 2,
    });
  });
});
