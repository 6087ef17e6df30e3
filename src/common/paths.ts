/**
 * Pure path arithmetic: root-relative POSIX paths, and the three forms a path takes on
 * the operating systems scientists use (Linux, macOS over SMB, Windows over UNC).
 *
 * Root-relative paths never start or end with "/"; "" is the root itself.
 */

/** The aliases of a root that the path forms need (a subset of IRoot). */
export interface IRootAliases {
  path: string;
  smb_url: string | null;
  unc_path: string | null;
}

/** The same location spelled for each operating system; null when the root has no alias. */
export interface IPathForms {
  linux: string;
  mac: string | null;
  windows: string | null;
}

/**
 * Normalize a root-relative path: drop empty and "." segments and resolve "..";
 * a ".." above the root stays at the root.
 */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') {
      continue;
    }
    if (segment === '..') {
      parts.pop();
      continue;
    }
    parts.push(segment);
  }
  return parts.join('/');
}

/** The segments of a root-relative path ([] for the root itself). */
export function pathSegments(path: string): string[] {
  return normalizePath(path).split('/').filter(Boolean);
}

/** `parent/name`, or `name` at the root. */
export function joinPath(parent: string, name: string): string {
  return normalizePath(`${parent}/${name}`);
}

/** The parent of a root-relative path; null for the root itself. */
export function parentPath(path: string): string | null {
  const segments = pathSegments(path);
  if (segments.length === 0) {
    return null;
  }
  return segments.slice(0, -1).join('/');
}

/** The last segment of a path ("" for the root itself). */
export function baseName(path: string): string {
  const segments = pathSegments(path);
  return segments.length ? segments[segments.length - 1] : '';
}

/** Each ancestor of a path with its own path, for breadcrumbs (root excluded). */
export function breadcrumbTrail(
  path: string
): Array<{ name: string; path: string }> {
  const segments = pathSegments(path);
  return segments.map((name, index) => ({
    name,
    path: segments.slice(0, index + 1).join('/')
  }));
}

/** Remove trailing separators, but keep a lone "/" (or the "\\\\" of a bare UNC prefix). */
function trimTrailing(base: string, separator: RegExp): string {
  const trimmed = base.replace(separator, '');
  return trimmed.length > 0 ? trimmed : base.slice(0, 1);
}

/** The Linux path: the root's path on the server joined with the relative path. */
export function linuxPath(rootPath: string, path: string): string {
  const base = trimTrailing(rootPath, /\/+$/);
  const relative = normalizePath(path);
  if (!relative) {
    return base;
  }
  return base.endsWith('/') ? `${base}${relative}` : `${base}/${relative}`;
}

/**
 * Percent-encode what would break or change the meaning of an SMB URL's path (spaces,
 * "#", "?", "%", quotes, controls), but keep non-ASCII letters readable: Finder's
 * "Connect to Server" takes such internationalized URLs as they are.
 */
export function encodeUrlSegment(segment: string): string {
  let out = '';
  for (const char of segment) {
    const code = char.codePointAt(0) ?? 0;
    const safeAscii = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/.test(char);
    if (code > 0x7f || safeAscii) {
      out += char;
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** The macOS form, from the root's `smb_url` (null when the root has none). */
export function macPath(smbUrl: string | null, path: string): string | null {
  if (!smbUrl) {
    return null;
  }
  const base = smbUrl.replace(/\/+$/, '');
  const segments = pathSegments(path).map(encodeUrlSegment);
  return segments.length ? `${base}/${segments.join('/')}` : base;
}

/** The Windows form, from the root's `unc_path`, with backslashes (null when none). */
export function windowsPath(
  uncPath: string | null,
  path: string
): string | null {
  if (!uncPath) {
    return null;
  }
  const base = trimTrailing(uncPath.replace(/\//g, '\\'), /\\+$/);
  const segments = pathSegments(path);
  return segments.length ? `${base}\\${segments.join('\\')}` : base;
}

/** Every form of `path` inside `root`. */
export function pathForms(root: IRootAliases, path: string): IPathForms {
  return {
    linux: linuxPath(root.path, path),
    mac: macPath(root.smb_url, path),
    windows: windowsPath(root.unc_path, path)
  };
}

/**
 * Turn what a user typed into the path box into a root-relative path: a path relative to
 * the root ("a/b", "/a/b"), or an absolute Linux path inside the root ("/groups/lab/a").
 */
export function relativeToRoot(input: string, rootPath: string): string {
  const typed = input.trim();
  const base = trimTrailing(rootPath, /\/+$/);
  if (base !== '/' && (typed === base || typed.startsWith(`${base}/`))) {
    return normalizePath(typed.slice(base.length));
  }
  return normalizePath(typed);
}
