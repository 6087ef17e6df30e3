import {
  breadcrumbTrail,
  encodeUrlSegment,
  joinPath,
  linuxPath,
  macPath,
  normalizePath,
  parentPath,
  pathForms,
  relativeToRoot,
  windowsPath
} from '../common/paths';

const lab = {
  path: '/groups/imaging/',
  smb_url: 'smb://fs.example.org/imaging/',
  unc_path: '\\\\fs.example.org\\imaging\\'
};

describe('root-relative paths', () => {
  it('normalizes slashes, dots and parents', () => {
    expect(normalizePath('/a//b/./c/')).toBe('a/b/c');
    expect(normalizePath('a/b/../c')).toBe('a/c');
    expect(normalizePath('../../x')).toBe('x');
    expect(normalizePath('')).toBe('');
    expect(normalizePath('/')).toBe('');
  });

  it('joins and finds the parent; the root itself has none', () => {
    expect(joinPath('', 'cells.ome.zarr')).toBe('cells.ome.zarr');
    expect(joinPath('a/b/', 'c')).toBe('a/b/c');
    expect(parentPath('a/b/c')).toBe('a/b');
    expect(parentPath('a')).toBe('');
    expect(parentPath('')).toBeNull();
    expect(parentPath('/')).toBeNull();
  });

  it('lists each ancestor for the breadcrumbs', () => {
    expect(breadcrumbTrail('ome-zarr-0.4/cells.ome.zarr/')).toEqual([
      { name: 'ome-zarr-0.4', path: 'ome-zarr-0.4' },
      { name: 'cells.ome.zarr', path: 'ome-zarr-0.4/cells.ome.zarr' }
    ]);
    expect(breadcrumbTrail('')).toEqual([]);
  });

  it('reads a typed path relative to the root, or absolute inside it', () => {
    expect(relativeToRoot(' tiff/stack.tif ', '/data/demo')).toBe(
      'tiff/stack.tif'
    );
    expect(relativeToRoot('/tiff/', '/data/demo')).toBe('tiff');
    expect(relativeToRoot('/data/demo/tiff', '/data/demo/')).toBe('tiff');
    expect(relativeToRoot('/data/demo', '/data/demo')).toBe('');
    // A sibling that merely starts with the same letters is not inside the root.
    expect(relativeToRoot('/data/demo2/x', '/data/demo')).toBe('data/demo2/x');
  });
});

describe('Linux paths', () => {
  it('joins the root path and the relative path', () => {
    expect(linuxPath('/data/demo', 'a/b')).toBe('/data/demo/a/b');
  });

  it('gives the root path itself for the root, without a trailing slash', () => {
    expect(linuxPath('/groups/imaging/', '')).toBe('/groups/imaging');
    expect(linuxPath('/', '')).toBe('/');
    expect(linuxPath('/', 'srv')).toBe('/srv');
  });

  it('keeps spaces and unicode as they are', () => {
    expect(linuxPath('/data', 'my data/café ☕/ß.tif')).toBe(
      '/data/my data/café ☕/ß.tif'
    );
  });

  it('ignores trailing slashes of the relative path', () => {
    expect(linuxPath('/data/', 'a/b/')).toBe('/data/a/b');
  });
});

describe('macOS paths (SMB URLs)', () => {
  it('appends the segments to the smb_url', () => {
    expect(macPath(lab.smb_url, 'a/b.zarr')).toBe(
      'smb://fs.example.org/imaging/a/b.zarr'
    );
  });

  it('is the smb_url itself for the root', () => {
    expect(macPath(lab.smb_url, '')).toBe('smb://fs.example.org/imaging');
  });

  it('percent-encodes spaces, # ? and % but keeps unicode letters', () => {
    expect(macPath(lab.smb_url, 'my data/#1?/100%/café')).toBe(
      'smb://fs.example.org/imaging/my%20data/%231%3F/100%25/café'
    );
    expect(encodeUrlSegment('a b"c')).toBe('a%20b%22c');
    expect(encodeUrlSegment("it's(1)")).toBe("it's(1)");
  });

  it('is null when the root has no smb_url', () => {
    expect(macPath(null, 'a')).toBeNull();
    expect(macPath('', 'a')).toBeNull();
  });
});

describe('Windows paths (UNC)', () => {
  it('joins with backslashes', () => {
    expect(windowsPath(lab.unc_path, 'a/b c/d.tif')).toBe(
      '\\\\fs.example.org\\imaging\\a\\b c\\d.tif'
    );
  });

  it('is the UNC path itself for the root, without a trailing backslash', () => {
    expect(windowsPath(lab.unc_path, '')).toBe('\\\\fs.example.org\\imaging');
  });

  it('turns forward slashes of a configured UNC path into backslashes', () => {
    expect(windowsPath('//fs/share/', 'x/')).toBe('\\\\fs\\share\\x');
  });

  it('keeps unicode', () => {
    expect(windowsPath('\\\\fs\\share', 'Données/été')).toBe(
      '\\\\fs\\share\\Données\\été'
    );
  });

  it('is null when the root has no unc_path', () => {
    expect(windowsPath(null, 'a')).toBeNull();
  });
});

describe('pathForms', () => {
  it('gives all three forms, null where the root has no alias', () => {
    expect(pathForms(lab, 'x/y')).toEqual({
      linux: '/groups/imaging/x/y',
      mac: 'smb://fs.example.org/imaging/x/y',
      windows: '\\\\fs.example.org\\imaging\\x\\y'
    });
    expect(
      pathForms({ path: '/scratch', smb_url: null, unc_path: null }, 'x')
    ).toEqual({ linux: '/scratch/x', mac: null, windows: null });
  });
});
