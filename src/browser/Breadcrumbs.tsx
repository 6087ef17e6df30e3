/**
 * Where the listing is: "Root title › folder › subfolder", each part clickable, and an
 * editable path box (click the bar or the pencil, type or paste a path relative to the
 * root, a Linux / smb:// / \\server\share path of any root, or a data link; Enter goes
 * there, Escape cancels; a path that names no place is explained under the box).
 */
import { editIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import * as React from 'react';

import { FileglancerAPIError } from '../api';
import { useSignal } from '../common/hooks';
import { breadcrumbTrail } from '../common/paths';
import { BrowserModel, PathInputError } from './browserModel';

/** Why a typed path could not be opened, in words. */
export function describePathError(error: unknown, typed: string): string {
  if (error instanceof PathInputError) {
    return error.message;
  }
  if (error instanceof FileglancerAPIError) {
    if (error.status === 404) {
      return `"${typed}" does not exist in this root.`;
    }
    if (error.status === 403) {
      return `You do not have permission to open "${typed}".`;
    }
    if (error.status === 0) {
      return 'Cannot reach the server.';
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function PathEditor(props: {
  model: BrowserModel;
  onDone: () => void;
}): JSX.Element {
  const { model, onDone } = props;
  const [text, setText] = React.useState(model.listing.path);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const inputRef = React.useRef<HTMLInputElement>(null);

  React.useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  const submit = async () => {
    if (busy) {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await model.goToTyped(text);
      onDone();
    } catch (reason) {
      setError(describePathError(reason, text.trim()));
      setBusy(false);
    }
  };

  return (
    <form
      className="jp-Fileglancer-pathForm"
      onSubmit={event => {
        event.preventDefault();
        void submit();
      }}
    >
      <input
        ref={inputRef}
        className="jp-Fileglancer-pathInput jp-mod-styled"
        aria-label="Path to go to"
        aria-invalid={error !== null}
        placeholder="folder, /full/path, smb://…, \\server\… or a data link"
        value={text}
        readOnly={busy}
        spellCheck={false}
        onChange={event => {
          setText(event.target.value);
          setError(null);
        }}
        onKeyDown={event => {
          if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            onDone();
          }
        }}
        onBlur={() => {
          if (!busy && error === null) {
            onDone();
          }
        }}
      />
      {error && (
        <div className="jp-Fileglancer-pathError" role="alert">
          {error}
        </div>
      )}
    </form>
  );
}

export function Breadcrumbs(props: {
  model: BrowserModel;
}): JSX.Element | null {
  const { model } = props;
  useSignal(model.listing.changed);
  useSignal(model.roots.changed);
  const [editing, setEditing] = React.useState(false);
  const root = model.currentRoot;
  if (!root) {
    return null;
  }
  if (editing) {
    return (
      <div className="jp-Fileglancer-breadcrumbs jp-mod-editing">
        <PathEditor model={model} onDone={() => setEditing(false)} />
      </div>
    );
  }
  const trail = breadcrumbTrail(model.listing.path);
  return (
    <div
      className="jp-Fileglancer-breadcrumbs"
      title="Click to type a path"
      onClick={event => {
        if (event.target === event.currentTarget) {
          setEditing(true);
        }
      }}
    >
      <nav aria-label="Breadcrumbs" className="jp-Fileglancer-crumbs">
        <button
          type="button"
          className="jp-Fileglancer-crumb jp-mod-root"
          data-path=""
          title={root.path}
          onClick={() => void model.navigate(root.name, '')}
        >
          {root.title}
        </button>
        {trail.map((crumb, index) => (
          <React.Fragment key={crumb.path}>
            <span className="jp-Fileglancer-crumbSeparator" aria-hidden="true">
              ›
            </span>
            <button
              type="button"
              className="jp-Fileglancer-crumb"
              data-path={crumb.path}
              aria-current={index === trail.length - 1 ? 'location' : undefined}
              onClick={() => void model.navigate(root.name, crumb.path)}
            >
              {crumb.name}
            </button>
          </React.Fragment>
        ))}
      </nav>
      <ToolbarButtonComponent
        className="jp-Fileglancer-editPath"
        icon={editIcon}
        tooltip="Edit the path"
        dataset={{ action: 'edit-path' }}
        onClick={() => setEditing(true)}
      />
    </div>
  );
}
