import { BrowserModel, PathInputError } from '../browser/browserModel';
import { IRootLocation, parsePathInput } from '../pathInput';
import {
  apiError,
  fakeBrowser,
  makeEntry,
  makeNode,
  makeRoot,
  makeLink
} from './fakes';

const ROOTS: IRootLocation[] = [
  {
    name: 'lab',
    path: '/groups/lab',
    smb_url: 'smb://fs.example.org/lab',
    unc_path: '\\\\fs.example.org\\lab',
    available: true
  },
  {
    name: 'scans',
    path: '/groups/lab/scans',
    smb_url: 'smb://fs.example.org/lab%20scans',
    unc_path: null,
    available: true
  },
  {
    name: 'home',
    path: '/home/ada',
    smb_url: null,
    unc_path: null,
    available: true
  },
  {
    name: 'old',
    path: '/archive',
    smb_url: null,
    unc_path: null,
    available: false
  }
];

const parse = (input: string, current: string | null = 'home') =>
  parsePathInput(input, ROOTS, current);

/** What `parse` answers for a path found in a root. */
const inRoot = (root: string, path: string) => ({ kind: 'root', root, path });

describe('parsePathInput', () => {
  it('reads a path relative to the current root', () => {
    expect(parse('data/cells.zarr')).toEqual(inRoot('home', 'data/cells.zarr'));
    expect(parse('  ./a/../b/ ')).toEqual(inRoot('home', 'b'));
  });

  it('finds the root of a Linux path, preferring the deepest one', () => {
    expect(parse('/groups/lab/images/x.ome.zarr')).toEqual(
      inRoot('lab', 'images/x.ome.zarr')
    );
    expect(parse('/groups/lab/scans/2024/')).toEqual(inRoot('scans', '2024'));
    expect(parse('/groups/lab')).toEqual(inRoot('lab', ''));
    // Not a prefix by name only: outside every root, tried in the current one.
    expect(parse('/groups/laboratory/x')).toEqual({
      ...inRoot('home', 'groups/laboratory/x'),
      outside: true
    });
  });

  it('reads macOS SMB URLs, decoding spaces and ignoring the case of the server', () => {
    expect(parse('smb://FS.example.org/lab/images/My%20Cells.zarr')).toEqual(
      inRoot('lab', 'images/My Cells.zarr')
    );
    expect(parse('smb://fs.example.org/lab scans/a')).toEqual(
      inRoot('scans', 'a')
    );
    expect(parse('smb://other/share/x')).toEqual({
      kind: 'error',
      message: expect.stringContaining('No root is shared at that SMB address')
    });
  });

  it('reads Windows UNC paths with either slash', () => {
    expect(parse('\\\\fs.example.org\\lab\\images\\x.tif')).toEqual(
      inRoot('lab', 'images/x.tif')
    );
    expect(parse('//FS.EXAMPLE.ORG/lab/images')).toEqual(
      inRoot('lab', 'images')
    );
    expect(parse('\\\\nas\\x').kind).toBe('error');
  });

  it('reads file:// URLs as Linux paths', () => {
    expect(parse('file:///groups/lab/a%20b/c')).toEqual(inRoot('lab', 'a b/c'));
  });

  it('recognizes a data link with a path inside it', () => {
    expect(
      parse(
        'https://hub.example.org/user/ada/fileglancer/s/AbC_12-x/s0/zarr.json'
      )
    ).toEqual({
      kind: 'link',
      token: 'AbC_12-x',
      path: 's0/zarr.json'
    });
    expect(parse('http://localhost:8888/fileglancer/s/T0K/')).toEqual({
      kind: 'link',
      token: 'T0K',
      path: ''
    });
  });

  it('says why a path cannot be opened', () => {
    expect(parse('C:\\Users\\ada\\x.tif')).toEqual({
      kind: 'error',
      message: expect.stringContaining('drive letter')
    });
    expect(parse('https://example.org/data.zarr')).toEqual({
      kind: 'error',
      message: expect.stringContaining('Only Linux paths')
    });
    expect(parse('/archive/2020')).toEqual({
      kind: 'error',
      message: expect.stringContaining('unavailable')
    });
    expect(parse('data', null)).toEqual({
      kind: 'error',
      message: 'Pick a root first, or paste a full path.'
    });
  });
});

describe('BrowserModel.goToTyped', () => {
  async function makeBrowser(): Promise<BrowserModel> {
    const nodes: Record<string, boolean> = {
      'demo:ome/cells.zarr': true,
      'scratch:runs': true,
      'demo:ome/nuclei.ome.zarr': true
    };
    const { model } = await fakeBrowser({
      roots: [
        makeRoot('demo', { smb_url: 'smb://fs/demo' }),
        makeRoot('scratch')
      ],
      files: 5,
      api: {
        getNode: async (root, path) => {
          if (!nodes[`${root}:${path}`]) {
            throw apiError(404, `${path} does not exist`);
          }
          const kind = path.endsWith('.ome.zarr') ? 'ome-zarr' : 'directory';
          return makeNode(root, makeEntry(path, { kind }));
        },
        listLinks: async () => [
          makeLink({ token: 'MINE', root: 'demo', path: 'ome' }),
          makeLink({ token: 'DATA', root: 'demo', path: 'ome/nuclei.ome.zarr' })
        ]
      }
    });
    return model;
  }

  /** The root and folder the browser shows. */
  const shown = (model: BrowserModel) => [
    model.listing.root,
    model.listing.path
  ];

  it('goes to the root and folder of any form of path', async () => {
    const model = await makeBrowser();
    await model.navigate('demo', '');
    await model.goToTyped('smb://fs/demo/ome/cells.zarr');
    expect(shown(model)).toEqual(['demo', 'ome/cells.zarr']);
    await model.goToTyped('/data/scratch/runs');
    expect(shown(model)).toEqual(['scratch', 'runs']);
    expect(model.roots.selected).toBe('scratch');
  });

  it("opens the user's own data links and explains others", async () => {
    const model = await makeBrowser();
    await model.navigate('scratch', '');
    await model.goToTyped('http://host/fileglancer/s/MINE/cells.zarr');
    expect(shown(model)).toEqual(['demo', 'ome/cells.zarr']);
    await expect(
      model.goToTyped('http://host/fileglancer/s/THEIRS/')
    ).rejects.toBeInstanceOf(PathInputError);
    await expect(model.goToTyped('C:\\x')).rejects.toThrow('drive letter');
  });

  it('inspects a pasted dataset path or data link, as double-click does', async () => {
    const model = await makeBrowser();
    const inspected: string[] = [];
    model.inspectRequested.connect((_, entry) => inspected.push(entry.path));
    await model.navigate('scratch', '');
    await model.goToTyped('/data/demo/ome/nuclei.ome.zarr');
    expect([model.listing.root, model.listing.path]).toEqual(['demo', 'ome']);
    expect(model.selection.current?.entry.path).toBe('ome/nuclei.ome.zarr');
    expect(inspected).toEqual(['ome/nuclei.ome.zarr']);

    await model.navigate('scratch', '');
    model.selection.clear();
    await model.goToTyped('http://host/fileglancer/s/DATA/');
    expect([model.listing.root, model.listing.path]).toEqual(['demo', 'ome']);
    expect(model.selection.current?.entry.path).toBe('ome/nuclei.ome.zarr');
    expect(inspected).toHaveLength(2);
  });

  it('says a full path is outside the roots, and names them', async () => {
    const model = await makeBrowser();
    await model.navigate('demo', '');
    const failure = model.goToTyped('/home/ada/cells.zarr');
    await expect(failure).rejects.toBeInstanceOf(PathInputError);
    await expect(failure).rejects.toThrow(
      '"/home/ada/cells.zarr" is outside the roots. The roots are: ' +
        'Title demo (/data/demo), Title scratch (/data/scratch).'
    );
    expect(model.listing.path).toBe('');
  });
});
