/**
 * What a user pastes into the path box, in any of the forms they have it in, turned into
 * a root and a root-relative path: a path relative to the current root, a Linux path, a
 * macOS SMB URL (`smb://server/share/...`), a Windows UNC path (`\\server\share\...`), a
 * `file://` URL, or a data link's URL (`.../fileglancer/s/TOKEN/...`, resolved against the
 * user's links by the caller). Pure: the roots come in as data.
 */
import { normalizePath } from './common/paths';

/** What the parser needs to know of a root. */
export interface IRootLocation {
  name: string;
  title?: string;
  path: string;
  smb_url: string | null;
  unc_path: string | null;
  available: boolean;
}

export type ParsedPath =
  /**
   * A path of a configured root. `outside`: an absolute path under no root's folder,
   * tried as a path relative to the current root (where it is most likely not).
   */
  | { kind: 'root'; root: string; path: string; outside?: boolean }
  /** A data link: the caller looks the token up among the user's links. */
  | { kind: 'link'; token: string; path: string }
  /** Not a place we can go to, with the reason in words. */
  | { kind: 'error'; message: string };

const SHARE_URL =
  /^https?:\/\/[^/]+(?:\/.*)?\/fileglancer\/s\/([A-Za-z0-9_-]+)(?:\/(.*))?$/;

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray "%" is part of the name
  }
}

/** Slashes forward, no trailing separator, lower-case for comparing server names. */
function comparable(text: string): string {
  return text.replace(/\\/g, '/').replace(/\/+$/, '').toLowerCase();
}

/**
 * The root whose spelling (`spell(root)`) is the longest prefix of `target`, with the
 * rest of `target` as a root-relative path. `caseless` compares like SMB and Windows do.
 */
function matchPrefix(
  roots: IRootLocation[],
  target: string,
  spell: (root: IRootLocation) => string | null,
  caseless: boolean
): { root: string; path: string } | null {
  const norm = (text: string) =>
    caseless ? comparable(text) : text.replace(/\/+$/, '');
  const wanted = norm(target);
  let best: { root: string; path: string; length: number } | null = null;
  for (const root of roots) {
    const spelled = spell(root);
    if (!spelled) {
      continue;
    }
    const base = norm(spelled);
    const inside =
      wanted === base || wanted.startsWith(base === '/' ? '/' : `${base}/`);
    if (inside && (!best || base.length > best.length)) {
      const rest = target.replace(/\\/g, '/').slice(base.length);
      best = {
        root: root.name,
        path: normalizePath(rest),
        length: base.length
      };
    }
  }
  return best ? { root: best.root, path: best.path } : null;
}

function rootResult(
  match: { root: string; path: string } | null,
  roots: IRootLocation[],
  notFound: string
): ParsedPath {
  if (!match) {
    return { kind: 'error', message: notFound };
  }
  const root = roots.find(candidate => candidate.name === match.root);
  if (root && !root.available) {
    return {
      kind: 'error',
      message: `That path is in the root "${root.name}", which is unavailable on this server.`
    };
  }
  return { kind: 'root', ...match };
}

/** Says that `typed` lies outside every root, and names the roots (title and folder). */
export function outsideRootsMessage(
  typed: string,
  roots: IRootLocation[]
): string {
  const named = roots
    .filter(root => root.available)
    .map(root => `${root.title ?? root.name} (${root.path})`);
  if (named.length === 0) {
    return `"${typed}" is outside the roots, and no root is available.`;
  }
  return `"${typed}" is outside the roots. The roots are: ${named.join(', ')}.`;
}

/**
 * Where `input` points. `current` is the root shown now: relative paths (and Linux paths
 * outside every root's folder, typed as if relative) belong to it.
 */
export function parsePathInput(
  input: string,
  roots: IRootLocation[],
  current: string | null
): ParsedPath {
  const typed = input.trim().replace(/^["']|["']$/g, '');
  if (!typed) {
    return current
      ? { kind: 'root', root: current, path: '' }
      : { kind: 'error', message: 'Type a path or paste a link.' };
  }
  const share = SHARE_URL.exec(typed);
  if (share) {
    const rest = (share[2] ?? '').split(/[?#]/)[0];
    return {
      kind: 'link',
      token: share[1],
      path: normalizePath(rest.split('/').map(decode).join('/'))
    };
  }
  if (/^file:\/\//i.test(typed)) {
    const path = decode(typed.replace(/^file:\/\/[^/]*/i, ''));
    return parsePathInput(path, roots, current);
  }
  if (/^smb:\/\//i.test(typed)) {
    const target = typed.split('/').map(decode).join('/');
    return rootResult(
      matchPrefix(
        roots,
        target,
        root =>
          root.smb_url ? root.smb_url.split('/').map(decode).join('/') : null,
        true
      ),
      roots,
      'No root is shared at that SMB address. Ask your admin to set the root\'s "smb_url".'
    );
  }
  if (/^(\\\\|\/\/)[^\\/]/.test(typed)) {
    return rootResult(
      matchPrefix(roots, typed, root => root.unc_path, true),
      roots,
      'No root is shared at that Windows (UNC) path. Ask your admin to set the root\'s "unc_path".'
    );
  }
  if (/^[A-Za-z]:[\\/]/.test(typed)) {
    return {
      kind: 'error',
      message:
        'A drive letter is only known to your own computer: paste the network path instead (\\\\server\\share\\...).'
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(typed)) {
    return {
      kind: 'error',
      message:
        'Only Linux paths, smb://, file:// and \\\\server\\share paths, and data links can be opened here.'
    };
  }
  const absolute = typed.startsWith('/');
  if (absolute) {
    const match = matchPrefix(roots, typed, root => root.path, false);
    if (match) {
      return rootResult(match, roots, '');
    }
  }
  if (!current) {
    return {
      kind: 'error',
      message: absolute
        ? outsideRootsMessage(typed, roots)
        : 'Pick a root first, or paste a full path.'
    };
  }
  const path = normalizePath(typed);
  return absolute
    ? { kind: 'root', root: current, path, outside: true }
    : { kind: 'root', root: current, path };
}
