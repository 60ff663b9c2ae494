import { expect } from 'chai';
import { DirectorError } from '../../src/errors/director-error';
import { parseCloudConfig } from '../../src/families/director/configs/cloud-config';
import {
  mergeCloudConfigs,
  mergeForDiff,
  mergeRuntimeConfigs,
} from '../../src/families/director/configs/config-documents';
import { azOf, placeGroup } from '../../src/families/director/deployments/cloud-placement';
import type { InstanceGroupSpec } from '../../src/families/director/deployments/deployment-manifest';

const MAX = { memoryBytes: 4 * 1024 ** 3, pids: 4096, cpus: 2 };

const cloud = (extra: Record<string, unknown> = {}) => ({
  azs: [{ name: 'z1' }, { name: 'z2' }],
  vm_types: [{ name: 'small', cloud_properties: { cpus: 0.5, memory: 256, ephemeral_disk: 1024 } }],
  vm_extensions: [{ name: 'big', cloud_properties: { memory: 512 } }],
  disk_types: [{ name: 'ssd', disk_size: 1024 }],
  networks: [
    {
      name: 'private',
      type: 'manual',
      subnets: [
        {
          range: '10.244.0.0/24',
          gateway: '10.244.0.1',
          reserved: ['10.244.0.2 - 10.244.0.9'],
          static: ['10.244.0.10 - 10.244.0.20'],
          azs: ['z1', 'z2'],
        },
      ],
    },
    { name: 'dyn', type: 'dynamic' },
  ],
  compilation: { workers: 1, network: 'private', az: 'z1', vm_type: 'small' },
  ...extra,
});

const group = (extra: Record<string, unknown> = {}) =>
  ({
    name: 'web',
    instances: 2,
    lifecycle: 'service',
    jobs: [{ name: 'web', release: 'r' }],
    stemcell: 'default',
    vm_type: 'small',
    azs: ['z1', 'z2'],
    networks: [{ name: 'private' }],
    ...extra,
  }) as unknown as InstanceGroupSpec;

function failure(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(DirectorError);
    return { code: (err as DirectorError).code, message: (err as Error).message };
  }
  throw new Error('expected a DirectorError');
}

describe('cloud configs as deploys read them', () => {
  it('merges named cloud configs in order, compilation from one only', () => {
    const merged = mergeCloudConfigs([
      'azs: [{name: z1}]\ncompilation: {workers: 1}\n',
      'azs: [{name: z2}]\nnetworks: []\n',
    ]);
    expect(merged).to.deep.equal({
      azs: [{ name: 'z1' }, { name: 'z2' }],
      vm_types: [],
      disk_types: [],
      networks: [],
      vm_extensions: [],
      compilation: { workers: 1 },
    });
    expect(mergeCloudConfigs(['{}', ''])).to.deep.equal({});
    expect(failure(() => mergeCloudConfigs(['compilation: {a: 1}', 'compilation: {b: 1}']))).to.deep.equal({
      code: 570000,
      message: "Cloud config 'compilation' key cannot be defined in multiple cloud configs.",
    });
  });

  it('merges runtime configs, and a deploy diff sees the manifest with both configs over it', () => {
    const runtime = mergeRuntimeConfigs([
      'releases: [{name: dns, version: "1"}]\ntags: {a: b}\n',
      'addons: [{name: x}]\n',
    ]);
    expect(runtime).to.deep.equal({
      releases: [{ name: 'dns', version: '1' }],
      addons: [{ name: 'x' }],
      tags: { a: 'b' },
    });
    const merged = mergeForDiff(
      { name: 'd', releases: [{ name: 'web', version: '1' }], tags: { a: 'manifest' } },
      { azs: [{ name: 'z1' }] },
      runtime,
    );
    expect(merged.releases).to.deep.equal([
      { name: 'web', version: '1' },
      { name: 'dns', version: '1' },
    ]);
    expect(merged.tags).to.deep.equal({ a: 'manifest' });
    expect(merged.azs).to.deep.equal([{ name: 'z1' }]);
  });

  it('checks networks, compilation and names with the Director errors', () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ networks: [] }, 190008, 'No networks specified'],
      [{ azs: [{ name: 'z1' }, { name: 'z1' }] }, 190017, "Duplicate az name 'z1'"],
      [{ vm_types: [{ name: 'a' }, { name: 'a' }] }, 190004, "Duplicate vm type name 'a'"],
      [{ networks: [{ name: 'n', type: 'odd' }] }, 190010, "Invalid network type 'odd'"],
      [
        { networks: [{ name: 'n', subnets: [{ range: '10.0.0.0/24', gateway: '10.1.0.1' }] }] },
        160003,
        "Invalid gateway for network 'n': must be inside the range",
      ],
      [
        { networks: [{ name: 'n', subnets: [{ range: '10.0.0.0/24', gateway: '10.0.0.1', static: ['10.0.1.5'] }] }] },
        160006,
        "Static IP '10.0.1.5' is out of network 'n' range",
      ],
      [
        {
          networks: [
            {
              name: 'n',
              subnets: [{ range: '10.0.0.0/24', gateway: '10.0.0.1', reserved: ['10.0.0.5'], static: ['10.0.0.5'] }],
            },
          ],
        },
        160006,
        "Static IP '10.0.0.5' is in network 'n' reserved range",
      ],
      [
        { networks: [{ name: 'n', subnets: [{ range: '10.0.0.0/24', gateway: '10.0.0.1', azs: ['z9'] }] }] },
        160007,
        "Network 'n' refers to an unknown availability zone 'z9'",
      ],
      [
        { compilation: { workers: 1, network: 'nope' } },
        120001,
        "Compilation config references an unknown network 'nope'",
      ],
      [
        { compilation: { workers: 1, network: 'private', vm_type: 'huge' } },
        120003,
        "Compilation config references unknown vm type 'huge'. Known vm types are: small",
      ],
    ];
    for (const [extra, code, message] of cases) {
      const doc = { ...cloud(), ...extra };
      if (extra.networks && !extra.compilation)
        (doc as Record<string, unknown>).compilation = { workers: 1, network: 'n' };
      expect(
        failure(() => parseCloudConfig(doc)),
        JSON.stringify(extra),
      ).to.deep.equal({ code, message });
    }
    const missing = failure(() => parseCloudConfig({ ...cloud(), compilation: undefined }));
    expect(missing.code).to.equal(40001);
    expect(missing.message).to.match(/^Required property 'compilation' was not specified/);
  });

  it('places a group: vm type and extensions as limits, azs in turn, networks and static IPs checked', () => {
    const c = parseCloudConfig(cloud());
    const p = placeGroup(group({ vm_extensions: ['big'] }), c, MAX);
    expect(p.limits).to.deep.equal({ cpus: 0.5, memoryBytes: 512 * 1024 * 1024 });
    expect(p.ephemeralDiskMb).to.equal(1024);
    expect([0, 1, 2].map((i) => azOf(p, i))).to.deep.equal(['z1', 'z2', 'z1']);
    expect(p.networks).to.deep.equal([{ name: 'private', type: 'manual', staticIps: [], default: ['dns', 'gateway'] }]);
    // A vm type renamed with the same properties changes nothing an instance runs on.
    const renamed = parseCloudConfig(
      cloud({
        vm_types: [{ name: 'tiny', cloud_properties: c.vmTypes.get('small')!.cloudProperties }],
        compilation: { workers: 1, network: 'private' },
      }),
    );
    expect(placeGroup(group({ vm_type: 'tiny', vm_extensions: ['big'] }), renamed, MAX).fingerprint).to.equal(
      p.fingerprint,
    );
    expect(placeGroup(group(), c, MAX).fingerprint).to.not.equal(p.fingerprint);
  });

  it('refuses unknown names and bad static IPs with the Director codes and messages', () => {
    const c = parseCloudConfig(cloud());
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ vm_type: 'huge' }, 140004, "Instance group 'web' references an unknown vm type 'huge'"],
      [{ vm_type: undefined }, 140022, "Instance group 'web' is missing either 'vm_type' or 'vm_resources' section."],
      [{ vm_resources: { cpu: 1 } }, 140022, "Instance group 'web' can only specify 'vm_type' or 'vm_resources' keys."],
      [{ azs: ['z3'] }, 140018, "Instance group 'web' references unknown availability zone 'z3'"],
      [{ azs: [] }, 140017, "Instance group 'web' has empty availability zones"],
      [{ networks: [] }, 140009, "Instance group 'web' must specify at least one network"],
      [{ networks: [{ name: 'public' }] }, 150001, "Instance group 'web' references an unknown network 'public'"],
      [{ vm_extensions: ['gpu'] }, 100, "The vm_extension 'gpu' has not been configured in cloud-config."],
      [
        { networks: [{ name: 'private', static_ips: ['10.244.0.10'] }] },
        150002,
        "Instance group 'web' has 2 instances but was allocated 1 static IPs in network 'private'",
      ],
      [
        { networks: [{ name: 'private', static_ips: ['10.244.0.10', '10.244.1.10'] }] },
        150002,
        "Instance group 'web' with network 'private' declares static ip '10.244.1.10', which belongs to no subnet",
      ],
      [
        { networks: [{ name: 'private', static_ips: ['10.244.0.10', '10.244.0.30'] }] },
        130009,
        "IP '10.244.0.30' on network 'private' does not belong to static pool",
      ],
      [
        { networks: [{ name: 'private', static_ips: ['10.244.0.10', '10.244.0.10'] }] },
        150009,
        "Instance group 'web' specifies static IP '10.244.0.10' more than once",
      ],
      [
        { networks: [{ name: 'dyn', static_ips: ['10.244.0.10', '10.244.0.11'] }] },
        150008,
        "Instance group 'web' using dynamic network 'dyn' cannot specify static IP(s)",
      ],
      [
        { networks: [{ name: 'private' }, { name: 'dyn' }] },
        150005,
        "Instance group 'web' must specify which network is default for dns, gateway, since it has more than one network configured",
      ],
    ];
    for (const [extra, code, message] of cases)
      expect(
        failure(() => placeGroup(group(extra), c, MAX)),
        JSON.stringify(extra),
      ).to.deep.equal({ code, message });
    const tooBig = parseCloudConfig(cloud({ vm_types: [{ name: 'small', cloud_properties: { cpus: 64 } }] }));
    expect(failure(() => placeGroup(group(), tooBig, MAX))).to.deep.equal({
      code: 140022,
      message: "Instance group 'web' asks for 64 cpus, above bosun's maximum of 2",
    });
  });

  it('places nothing without a cloud config: groups deploy as before', () => {
    const p = placeGroup(group({ vm_type: 'anything' }), parseCloudConfig({}), MAX);
    expect(p).to.include({ fingerprint: '', vmType: null });
    expect(p.limits).to.deep.equal({});
  });
});
