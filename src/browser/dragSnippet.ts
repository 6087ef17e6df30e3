/**
 * What a dataset dragged from the browser drops into a notebook cell: the code that opens
 * it with `fileglancer_ext.open` (a lazy array with its OME metadata).
 */

/** The MIME type JupyterLab's editors accept from a native drop. */
export const SNIPPET_MIME = 'text/plain';

/** Python code opening the dataset at the Linux path `path`. */
export function openSnippet(path: string): string {
  // A JSON string is a valid Python string literal (quotes, backslashes, unicode escaped).
  return `import fileglancer_ext\n\nimage = fileglancer_ext.open(${JSON.stringify(path)})\nimage\n`;
}
