import { Clipboard } from '@jupyterlab/apputils';

import type {
  IGroupMember,
  IMembersPage,
  IMetaResponse,
  IStatsDone,
  IStatsResponse
} from '../api';
import { arrayFacts, pixelSizeText } from '../inspector/facts';
import { formatBytes } from '../common/format';
import { codecLines } from '../inspector/format';
import {
  InspectorModel,
  type MembersFetcher
} from '../inspector/inspectorModel';
import { InspectorPanel } from '../inspector/InspectorPanel';
import { SelectionModel } from '../selection';
import {
  apiError,
  datasetAPI,
  fakeAPI,
  makeEntry,
  makeNode,
  makeRoot,
  n5GroupMeta,
  settle,
  zarrGroupMeta
} from './fakes';
import omeMetaFixture from './fixtures/meta-ome-zarr-0.4.json';
import shardedMetaFixture from './fixtures/meta-zarr-v3-sharded.json';
import { show, showInspector, until } from './render';

// Both fixtures are what `fileglancer-ext info --json` printed for the demo data.
const omeMeta = omeMetaFixture as unknown as IMetaResponse;
const shardedMeta = shardedMetaFixture as unknown as IMetaResponse;

const doneStats: IStatsDone = {
  state: 'done',
  stored_bytes: 3_500_000,
  allocated_bytes: 3_600_000,
  files: 31,
  chunk_files: 24,
  chunks_expected: 26,
  chunks_missing: 2,
  logical_bytes: 7_340_032,
  compression_ratio: 2.0971,
  levels: [
    {
      path: 's0',
      stored_bytes: 3_000_000,
      allocated_bytes: 3_000_000,
      files: 13,
      chunk_files: 12,
      chunks_expected: 12,
      chunks_missing: 0,
      logical_bytes: 6_291_456,
      compression_ratio: 2.1
    }
  ]
};

const omeEntry = makeEntry('ome-zarr-0.4/cells.ome.zarr', {
  kind: 'ome-zarr',
  zarr_format: 2,
  ome_version: '0.4',
  size: null,
  previewable: true
});

interface IFakes {
  meta?: () => Promise<IMetaResponse>;
  stats?: () => Promise<IStatsResponse>;
  members?: MembersFetcher;
}

/** A panel over fake fetchers, with `entry` selected and its tabs rendered. */
async function inspect(
  entry = omeEntry,
  fakes: IFakes = {}
): Promise<{ panel: InspectorPanel; selection: SelectionModel }> {
  const { panel, selection } = await showInspector(
    entry,
    datasetAPI(entry, omeMeta, {
      getMeta: fakes.meta ?? (async () => omeMeta),
      getStats: fakes.stats ?? (async () => doneStats),
      getMembers: fakes.members,
      thumbnailURL: (root, path) => `/thumb/${root}/${path}`
    }),
    { model: { statsPollInterval: 1 } }
  );
  await until(() =>
    expect(panel.node.querySelector('[role="tablist"]')).not.toBeNull()
  );
  return { panel, selection };
}

/** The last page of a group's members, as `GET members` answers it. */
function lastPage(
  kind: IMembersPage['kind'],
  members: IMembersPage['members'],
  offset: number,
  consolidated = false
): IMembersPage {
  return {
    kind,
    members,
    members_total: offset + members.length,
    members_offset: offset,
    members_truncated: false,
    consolidated,
    problems: []
  };
}

function field(panel: InspectorPanel, name: string): string | null {
  return (
    panel.node.querySelector(`[data-field="${name}"]`)?.textContent ?? null
  );
}

async function openTab(panel: InspectorPanel, tab: string): Promise<void> {
  panel.node.querySelector<HTMLButtonElement>(`[data-tab="${tab}"]`)!.click();
  await until(() =>
    expect(panel.node.querySelector(`[data-tab-panel="${tab}"]`)).not.toBeNull()
  );
}

function tableRows(panel: InspectorPanel, name: string): string[][] {
  return Array.from(
    panel.node.querySelectorAll(`[data-table="${name}"] tbody tr`)
  ).map(row =>
    Array.from(row.querySelectorAll('td')).map(cell => cell.textContent ?? '')
  );
}

describe('arrayFacts', () => {
  it("takes an image's figures from its first declared level", () => {
    const facts = arrayFacts(omeMeta)!;
    expect(facts.source).toBe('s0');
    expect(facts.shape).toEqual([3, 16, 256, 256]);
    expect(facts.dimensionNames).toEqual(['c', 'z', 'y', 'x']);
    expect(facts.codecs?.length).toBeGreaterThan(0);
  });

  it("takes an array's figures from the array, shards included", () => {
    const facts = arrayFacts(shardedMeta)!;
    expect(facts.source).toBe('array');
    expect(facts.shards).toEqual([64, 256, 256]);
    expect(facts.chunks).toEqual([32, 64, 64]);
  });

  it("takes an N5 pyramid's figures from its first level", () => {
    const facts = arrayFacts({
      ...shardedMeta,
      kind: 'n5-group',
      array: null,
      n5: {
        dataset: null,
        group: {
          multiscale: {
            levels: [
              {
                path: 's0',
                shape_c_order: [16, 256, 256],
                data_type: 'uint16'
              },
              { path: 's1', shape_c_order: [16, 128, 128], data_type: 'uint16' }
            ]
          }
        }
      }
    })!;
    expect(facts.source).toBe('s0');
    expect(facts.shape).toEqual([16, 256, 256]);
    expect(facts.dtype).toBe('uint16');
  });

  it('finds nothing to show for a plate', () => {
    expect(
      arrayFacts({
        ...omeMeta,
        array: null,
        ome: { ...omeMeta.ome!, multiscales: [] }
      })
    ).toBeNull();
  });
});

describe('pixelSizeText', () => {
  it('writes one unit for axes that share it, in the order of the axes', () => {
    const um = (value: number) => ({ value, unit: 'micrometer' });
    expect(
      pixelSizeText({ x: um(0.5), y: um(0.5), z: um(2) }, ['z', 'y', 'x'])
    ).toBe('2 × 0.5 × 0.5 µm');
  });

  it('names each axis when the units differ, and says when nothing is known', () => {
    expect(
      pixelSizeText(
        {
          y: { value: 100, unit: 'nanometer' },
          x: { value: 0.1, unit: 'micrometer' }
        },
        ['y', 'x']
      )
    ).toBe('y 100 nm, x 0.1 µm');
    expect(pixelSizeText(null, ['y', 'x'])).toBe('—');
    expect(pixelSizeText({ y: { value: 3, unit: null } }, ['y'])).toBe('3');
  });
});

describe('codecLines', () => {
  it('lists the codecs inside a shard below the sharding codec', () => {
    const lines = codecLines(shardedMeta.array!.codecs);
    expect(lines).toEqual([
      {
        depth: 0,
        text: 'sharding_indexed (chunk_shape=[32,64,64], index_location=end)'
      },
      { depth: 1, text: 'bytes (endian=little)' },
      { depth: 1, text: 'zstd (level=3, checksum=false)' }
    ]);
  });
});

describe('the inspector tabs', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    jest.restoreAllMocks();
  });

  it('shows the overview of an OME-Zarr image with its preview and storage', async () => {
    const { panel } = await inspect();
    await until(() => expect(field(panel, 'stored_bytes')).not.toBeNull());
    expect(field(panel, 'shape')).toBe('c 3 × z 16 × y 256 × x 256');
    expect(field(panel, 'dtype')).toBe('<u2');
    expect(field(panel, 'chunks')).toBe('c 1 × z 16 × y 128 × x 128');
    expect(field(panel, 'level')).toBe('s0 (full resolution)');
    expect(field(panel, 'stored_bytes')).toBe(formatBytes(3_500_000));
    expect(
      panel.node
        .querySelector('[data-field="stored_bytes"] [title]')
        ?.getAttribute('title')
    ).toBe('3,500,000 bytes');
    expect(field(panel, 'chunk_files')).toContain(
      '24 in all, 26 expected in the levels'
    );
    expect(field(panel, 'chunk_files')).toContain('2 missing');
    expect(field(panel, 'compression_ratio')).toBe('2.1×');
    expect(tableRows(panel, 'level-storage')[0][0]).toBe('s0');
    expect(
      panel.node
        .querySelector('.jp-Fileglancer-thumbnail img')
        ?.getAttribute('src')
    ).toBe('/thumb/demo/ome-zarr-0.4/cells.ome.zarr');
    expect(
      panel.node.querySelector('.jp-Fileglancer-validationBadge')?.textContent
    ).toBe('Valid OME-NGFF 0.4');
    panel.dispose();
  });

  it('shows shards and the codecs inside them for a sharded Zarr v3 array', async () => {
    const entry = makeEntry('zarr-v3/sharded.zarr', {
      kind: 'zarr-array',
      zarr_format: 3
    });
    const { panel } = await inspect(entry, { meta: async () => shardedMeta });
    await until(() => expect(field(panel, 'shards')).not.toBeNull());
    expect(field(panel, 'shape')).toBe('z 128 × y 512 × x 512');
    expect(field(panel, 'shards')).toBe('z 64 × y 256 × x 256');
    expect(field(panel, 'codecs')).toContain('zstd (level=3, checksum=false)');
    expect(field(panel, 'fill_value')).toBe('0');
    panel.dispose();
  });

  it('lists axes, levels with pixel sizes and channels with colours and windows', async () => {
    const { panel } = await inspect();
    await openTab(panel, 'metadata');
    expect(tableRows(panel, 'axes')).toEqual([
      ['c', 'channel', '—'],
      ['z', 'space', 'micrometer'],
      ['y', 'space', 'micrometer'],
      ['x', 'space', 'micrometer']
    ]);
    const levels = tableRows(panel, 'levels');
    expect(levels.map(row => row[0])).toEqual(['s0', 's1', 's2']);
    expect(levels[0][3]).toBe('2 × 0.5 × 0.5 µm');
    expect(levels[2][1]).toBe('3 × 16 × 64 × 64');
    expect(
      Array.from(
        panel.node.querySelectorAll('[data-table="levels"] thead th')
      ).map(th => th.textContent)
    ).toEqual([
      'Level',
      'Shape (c, z, y, x)',
      'Chunks',
      'Pixel size (z, y, x)'
    ]);
    const channels = tableRows(panel, 'channels');
    expect(channels.map(row => row[1])).toEqual(['DAPI', 'GFP', 'mCherry']);
    expect(channels[0][2]).toBe('820–19571.85');
    const swatches = Array.from(
      panel.node.querySelectorAll('.jp-Fileglancer-swatch')
    ).map(swatch => swatch.getAttribute('data-color'));
    expect(swatches).toEqual(['#0000FF', '#00FF00', '#FF0000']);
    // An image's group members are its levels: not listed a second time.
    expect(panel.node.querySelector('[data-table="members"]')).toBeNull();
    panel.dispose();
  });

  it('draws a plate as a grid of the wells it has', async () => {
    const plateMeta: IMetaResponse = {
      ...omeMeta,
      kind: 'ome-zarr-plate',
      group: null,
      ome: {
        ...omeMeta.ome!,
        multiscales: null,
        omero: null,
        plate: {
          name: 'screen',
          version: '0.4',
          rows: ['A', 'B'],
          columns: ['1', '2', '3'],
          wells: [
            { path: 'A/1', rowIndex: 0, columnIndex: 0 },
            { path: 'B/3', rowIndex: 1, columnIndex: 2 }
          ],
          wells_total: 2,
          acquisitions: [{ id: 1 }],
          field_count: 4
        }
      },
      validation: null
    };
    const entry = makeEntry('plate.zarr', { kind: 'ome-zarr-plate' });
    const { panel } = await inspect(entry, { meta: async () => plateMeta });
    await openTab(panel, 'metadata');
    expect(field(panel, 'plate-layout')).toBe('2 rows × 3 columns');
    expect(field(panel, 'plate-fields')).toBe('4');
    const cells = Array.from(
      panel.node.querySelectorAll('[data-table="plate"] td')
    ).map(cell => cell.getAttribute('data-well'));
    expect(cells).toEqual([
      'present',
      'empty',
      'empty',
      'empty',
      'empty',
      'present'
    ]);
    panel.dispose();
  });

  it('pages through the members of a big group with "Show more"', async () => {
    const member = (i: number): IGroupMember => ({
      name: `m${i}`,
      kind: i % 2 ? 'zarr-group' : 'zarr-array',
      shape: i % 2 ? null : [i + 1, 3],
      dtype: i % 2 ? null : '|u1'
    });
    const groupMeta: IMetaResponse = zarrGroupMeta({
      members: [0, 1, 2].map(member),
      members_total: 5,
      members_offset: 0,
      members_truncated: true,
      consolidated: false
    });
    const asked: Array<[string, string, number]> = [];
    let release: () => void = () => undefined;
    const members: MembersFetcher = async (root, path, offset) => {
      asked.push([root, path, offset]);
      await new Promise<void>(resolve => (release = resolve));
      return lastPage('zarr-group', [3, 4].map(member), offset);
    };
    const entry = makeEntry('big.zarr', { kind: 'zarr-group' });
    const { panel } = await inspect(entry, {
      meta: async () => groupMeta,
      members
    });
    await openTab(panel, 'metadata');
    expect(tableRows(panel, 'members').map(row => row[0])).toEqual([
      'm0',
      'm1',
      'm2'
    ]);
    expect(field(panel, 'members-count')).toBe('Showing 3 of 5 members.');
    const more = () =>
      panel.node.querySelector<HTMLButtonElement>(
        '[data-action="more-members"]'
      );
    expect(more()!.textContent).toBe('Show 2 more members');
    more()!.click();
    more()!.click(); // a second click while loading asks nothing more
    await until(() => expect(more()!.textContent).toBe('Loading…'));
    release();
    await until(() => expect(tableRows(panel, 'members')).toHaveLength(5));
    expect(asked).toEqual([['demo', 'big.zarr', 3]]);
    expect(tableRows(panel, 'members')[3]).toEqual([
      'm3',
      'Zarr group',
      '—',
      '—'
    ]);
    expect(field(panel, 'members-count')).toBe('5 members.');
    expect(more()).toBeNull();
    panel.dispose();
  });

  it("pages through an N5 group's children", async () => {
    const child = (i: number) => ({
      name: `c${i}`,
      kind: 'n5-array',
      shape_c_order: [4, i + 1],
      data_type: 'uint8'
    });
    const n5Meta: IMetaResponse = n5GroupMeta({
      dataset: null,
      group: {
        children: [0, 1].map(child),
        children_total: 3,
        children_truncated: true,
        multiscale: null
      }
    });
    const asked: number[] = [];
    const members: MembersFetcher = async (_root, _path, offset) => {
      asked.push(offset);
      return lastPage('n5-group', [child(2)], offset);
    };
    const entry = makeEntry('many.n5', { kind: 'n5-group' });
    const { panel } = await inspect(entry, {
      meta: async () => n5Meta,
      members
    });
    await openTab(panel, 'metadata');
    expect(field(panel, 'n5-children-count')).toBe('Showing 2 of 3 children.');
    panel.node
      .querySelector<HTMLButtonElement>('[data-action="more-members"]')!
      .click();
    await until(() => expect(tableRows(panel, 'n5-children')).toHaveLength(3));
    expect(asked).toEqual([2]);
    expect(tableRows(panel, 'n5-children')[2]).toEqual([
      'c2',
      'N5 array',
      '4 × 3',
      'uint8'
    ]);
    expect(panel.node.querySelector('[data-action="more-members"]')).toBeNull();
    panel.dispose();
  });

  it('says why more members could not be loaded, and tries again', async () => {
    const groupMeta: IMetaResponse = zarrGroupMeta({
      members: [{ name: 'a', kind: 'zarr-group', shape: null, dtype: null }],
      members_total: 2,
      members_truncated: true,
      consolidated: true
    });
    let fail = true;
    const members: MembersFetcher = async (_root, _path, offset) => {
      if (fail) {
        throw apiError(403, 'You do not have permission to read it.');
      }
      const b = { name: 'b', kind: 'zarr-array', shape: [2], dtype: '<f4' };
      return lastPage('zarr-group', [b], offset, true);
    };
    const entry = makeEntry('c.zarr', { kind: 'zarr-group' });
    const { panel } = await inspect(entry, {
      meta: async () => groupMeta,
      members
    });
    await openTab(panel, 'metadata');
    const more = () =>
      panel.node.querySelector<HTMLButtonElement>(
        '[data-action="more-members"]'
      )!;
    more().click();
    await until(() =>
      expect(panel.node.querySelector('[role="alert"]')?.textContent).toBe(
        'More members could not be loaded: You do not have permission to read it.'
      )
    );
    expect(tableRows(panel, 'members')).toHaveLength(1);
    fail = false;
    more().click();
    await until(() => expect(tableRows(panel, 'members')).toHaveLength(2));
    expect(panel.node.querySelector('[role="alert"]')).toBeNull();
    expect(field(panel, 'members-count')).toBe(
      '2 members, from consolidated metadata.'
    );
    panel.dispose();
  });

  it('lists every validation error with the file and JSON path it is about', async () => {
    const invalid: IMetaResponse = {
      ...omeMeta,
      validation: {
        ...omeMeta.validation!,
        valid: false,
        errors: [
          {
            file: '.zattrs',
            pointer: '/multiscales/0/axes',
            message: 'axes must have 2 to 5 entries',
            source: 'schema',
            location: null
          },
          {
            file: 's2/.zarray',
            pointer: null,
            message: 'level s2 does not exist',
            source: 'structure',
            location: null
          }
        ],
        warnings: []
      }
    };
    const { panel } = await inspect(omeEntry, { meta: async () => invalid });
    expect(
      panel.node.querySelector('.jp-Fileglancer-validationBadge')?.textContent
    ).toBe('Invalid OME-NGFF 0.4: 2 errors');
    await openTab(panel, 'validation');
    const issues = Array.from(
      panel.node.querySelectorAll('[data-level="error"] .jp-Fileglancer-issue')
    ).map(issue => issue.textContent);
    expect(issues[0]).toContain('axes must have 2 to 5 entries');
    expect(issues[0]).toContain('.zattrs /multiscales/0/axes');
    expect(issues[1]).toContain('level s2 does not exist');
    panel.dispose();
  });

  it('shows each raw metadata file and copies it', async () => {
    const copied: string[] = [];
    jest
      .spyOn(Clipboard, 'copyToSystem')
      .mockImplementation(value => void copied.push(String(value)));
    const { panel } = await inspect();
    await openTab(panel, 'raw');
    const files = Array.from(
      panel.node.querySelectorAll('.jp-Fileglancer-rawFile')
    ).map(file => file.getAttribute('data-file'));
    expect(files).toEqual(expect.arrayContaining(['.zattrs', 's0/.zarray']));
    const zattrs = panel.node.querySelector('[data-file=".zattrs"]')!;
    zattrs
      .querySelector<HTMLElement>('[data-action="copy-raw"]')!
      .dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
    zattrs.querySelector<HTMLElement>('[data-action="copy-raw"]')!.click();
    await until(() => expect(copied.length).toBeGreaterThan(0));
    expect(JSON.parse(copied[0])).toEqual(omeMeta.raw['.zattrs']);
    panel.dispose();
  });

  it('lists problems with metadata files above the tabs', async () => {
    const broken: IMetaResponse = {
      ...omeMeta,
      problems: [{ file: 's1/.zarray', message: 'malformed JSON at line 1' }]
    };
    const { panel } = await inspect(omeEntry, { meta: async () => broken });
    expect(
      panel.node.querySelector('.jp-Fileglancer-problems')?.textContent
    ).toBe('s1/.zarray: malformed JSON at line 1');
    panel.dispose();
  });

  it('polls the statistics while the server is still measuring', async () => {
    const answers: IStatsResponse[] = [
      {
        state: 'computing',
        files_seen: 12_000,
        bytes_seen: 5_000_000,
        started: 0
      },
      doneStats
    ];
    const fetchStats = jest.fn(async () => answers.shift() ?? doneStats);
    const { panel } = await inspect(omeEntry, { stats: fetchStats });
    await until(() => expect(field(panel, 'stored_bytes')).not.toBeNull());
    expect(fetchStats).toHaveBeenCalledTimes(2);
    panel.dispose();
  });

  it('says why the metadata could not be read', async () => {
    const { panel } = await inspectFailing();
    expect(panel.node.querySelector('[role="alert"]')?.textContent).toContain(
      'permission'
    );
    panel.dispose();
  });

  it('keeps the chosen tab when another dataset is selected', async () => {
    const { panel, selection } = await inspect();
    await openTab(panel, 'metadata');
    selection.select(
      makeRoot('demo'),
      makeEntry('other.ome.zarr', { kind: 'ome-zarr' })
    );
    await settle();
    await until(() =>
      expect(
        panel.node.querySelector('[data-tab-panel="metadata"]')
      ).not.toBeNull()
    );
    expect(
      panel.node
        .querySelector('[data-tab="metadata"]')
        ?.getAttribute('aria-selected')
    ).toBe('true');
    panel.dispose();
  });
});

/** A panel whose metadata request is refused. */
async function inspectFailing(): Promise<{ panel: InspectorPanel }> {
  const selection = new SelectionModel();
  const model = new InspectorModel(
    selection,
    fakeAPI({
      getNode: async root => makeNode(root, omeEntry),
      getMeta: async () => {
        throw apiError(403, 'Permission denied');
      },
      getStats: async () => doneStats,
      thumbnailURL: () => ''
    })
  );
  const panel = new InspectorPanel(model);
  await show(panel);
  selection.select(makeRoot('demo'), omeEntry);
  await until(() =>
    expect(panel.node.querySelector('[role="alert"]')).not.toBeNull()
  );
  return { panel };
}
