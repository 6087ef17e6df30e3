/** Every command id of the extension, in one place. */
export namespace CommandIDs {
  export const openBrowser = 'fileglancer:open-browser';
  export const openInspector = 'fileglancer:open-inspector';
  export const refreshRoots = 'fileglancer:refresh-roots';
}

/** The command palette category of our commands. */
export const PALETTE_CATEGORY = 'Fileglancer';
