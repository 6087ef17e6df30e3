/**
 * The Share tab: the data link toggle (create / revoke, with an expiry), the link URL
 * with a copy button, one button per viewer that can open the dataset through the link,
 * the path in Linux / macOS / Windows form, and code snippets for the local path and the
 * link, each copyable. Results are announced with JupyterLab notifications.
 */
import { Clipboard, Notification } from '@jupyterlab/apputils';
import {
  Button,
  copyIcon,
  launchIcon,
  linkIcon,
  notebookIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { FileglancerAPIError, ICodeSnippet, IViewersResponse } from '../api';
import { formatFullTime } from '../common/format';
import { useSignal } from '../common/hooks';
import {
  Field,
  Loading,
  RequestFailure,
  Section
} from '../inspector/sections/common';
import { confirmRevoke } from './confirmRevoke';
import { EXPIRY_CHOICES, ShareModel } from './shareModel';

/** The server's words for a failed action, or the exception's. */
export function errorMessage(error: unknown): string {
  if (error instanceof FileglancerAPIError || error instanceof Error) {
    return error.message;
  }
  return String(error);
}

function copy(text: string, what: string): void {
  Clipboard.copyToSystem(text);
  Notification.success(`Copied the ${what}.`, { autoClose: 3000 });
}

/** "Share" / "Stop sharing" with the link's URL; the same control on Overview and Share. */
export function DataLinkToggle(props: {
  model: ShareModel;
}): JSX.Element | null {
  const { model } = props;
  useSignal(model.changed);
  const [expiry, setExpiry] = React.useState<string>('0');
  const state = model.state;
  if (state.status !== 'ready') {
    return null;
  }
  const link = model.link;
  const onShare = async () => {
    const choice = EXPIRY_CHOICES[Number(expiry)] ?? EXPIRY_CHOICES[0];
    try {
      const created = await model.share(choice.seconds);
      Clipboard.copyToSystem(created.url);
      Notification.success(
        'Data link created and copied. Anyone with it can read this dataset.',
        { autoClose: 5000 }
      );
    } catch (error) {
      Notification.error(
        `Could not create a data link: ${errorMessage(error)}`
      );
    }
  };
  const onStop = async () => {
    if (!link || !(await confirmRevoke(link))) {
      return;
    }
    try {
      await model.stopSharing();
      Notification.success('Data link revoked: its URL no longer works.', {
        autoClose: 5000
      });
    } catch (error) {
      Notification.error(
        `Could not revoke the data link: ${errorMessage(error)}`
      );
    }
  };
  return (
    <div
      className="jp-Fileglancer-dataLink"
      data-shared={link ? 'true' : 'false'}
    >
      <label className="jp-Fileglancer-toggle">
        <input
          type="checkbox"
          role="switch"
          aria-label="Data link"
          checked={link !== null}
          disabled={model.busy}
          onChange={() => void (link ? onStop() : onShare())}
        />
        <span>{link ? 'Shared with a data link' : 'Data link'}</span>
      </label>
      {!link && (
        <select
          className="jp-Fileglancer-expiry"
          aria-label="Link expiry"
          value={expiry}
          disabled={model.busy}
          onChange={event => setExpiry(event.target.value)}
        >
          {EXPIRY_CHOICES.map((choice, i) => (
            <option key={choice.label} value={String(i)}>
              {choice.label}
            </option>
          ))}
        </select>
      )}
      {link && (
        <div className="jp-Fileglancer-linkUrl">
          <input
            readOnly
            aria-label="Data link URL"
            value={link.url}
            onFocus={event => event.target.select()}
          />
          <ToolbarButtonComponent
            icon={copyIcon}
            tooltip="Copy the data link"
            dataset={{ action: 'copy-link' }}
            onClick={() => copy(link.url, 'data link')}
          />
          <span className="jp-Fileglancer-note">
            {link.expires
              ? `Expires ${formatFullTime(link.expires)}`
              : 'Never expires'}
          </span>
        </div>
      )}
    </div>
  );
}

function ViewerButtons(props: {
  answer: IViewersResponse;
  model: ShareModel;
}): JSX.Element {
  const { answer, model } = props;
  if (!answer.data_url) {
    return (
      <p className="jp-Fileglancer-note">
        Create a data link to open this dataset in Neuroglancer and other web
        viewers.
      </p>
    );
  }
  const virtual = answer.virtual_image;
  const virtualNote = virtual?.problem ? (
    <p className="jp-Fileglancer-note" data-note="virtual-image">
      Viewers cannot open this TIFF as OME-Zarr: {virtual.problem}
    </p>
  ) : virtual?.url ? (
    <p className="jp-Fileglancer-note" data-note="virtual-image">
      Viewers open this TIFF as OME-Zarr, served from the file at{' '}
      <code>{virtual.url}</code>
    </p>
  ) : null;
  if (answer.viewers.length === 0) {
    return (
      virtualNote ?? (
        <p className="jp-Fileglancer-note">
          No configured viewer opens this kind of dataset.
        </p>
      )
    );
  }
  const copyShort = async (name: string, url: string) => {
    try {
      const short = await model.shortLink(
        url,
        `${name}: ${answer.link?.path ?? answer.data_url}`
      );
      Clipboard.copyToSystem(short.short_url);
      Notification.success(`Copied a short ${name} link: ${short.short_url}`, {
        autoClose: 5000
      });
    } catch (error) {
      Notification.error(`Could not make a short link: ${errorMessage(error)}`);
    }
  };
  return (
    <div className="jp-Fileglancer-viewers">
      {virtualNote}
      {answer.viewers.map(viewer => (
        <span key={viewer.name} className="jp-Fileglancer-viewer">
          <Button
            small
            data-viewer={viewer.name}
            title={`Open in ${viewer.name} (new browser tab)`}
            onClick={() => window.open(viewer.url, '_blank', 'noopener')}
          >
            <launchIcon.react
              tag="span"
              className="jp-Fileglancer-buttonIcon"
            />
            {viewer.name}
          </Button>
          <ToolbarButtonComponent
            icon={linkIcon}
            tooltip={`Copy a short link that opens ${viewer.name}`}
            dataset={{ action: 'short-link', for: viewer.name }}
            onClick={() => void copyShort(viewer.name, viewer.url)}
          />
        </span>
      ))}
    </div>
  );
}

function PathForms(props: { paths: IViewersResponse['paths'] }): JSX.Element {
  const forms: Array<[string, string, string | null]> = [
    ['Linux', 'linux', props.paths.linux],
    ['macOS', 'mac', props.paths.mac],
    ['Windows', 'windows', props.paths.windows]
  ];
  return (
    <dl className="jp-Fileglancer-fields">
      {forms
        .filter(([, , value]) => value)
        .map(([label, name, value]) => (
          <Field key={name} label={label} name={`path-${name}`}>
            <span className="jp-Fileglancer-copyable">
              <code>{value}</code>
              <ToolbarButtonComponent
                icon={copyIcon}
                tooltip={`Copy the ${label} path`}
                dataset={{ action: `copy-path-${name}` }}
                onClick={() => copy(value!, `${label} path`)}
              />
            </span>
          </Field>
        ))}
    </dl>
  );
}

/** A section of code snippets, each with its Copy and Insert buttons. */
function SnippetSection(props: {
  title: string;
  name: string;
  snippets: ICodeSnippet[];
  onInsert?: (code: string) => void;
}): JSX.Element {
  return (
    <Section title={props.title} name={props.name}>
      {props.snippets.map(snippet => (
        <Snippet
          key={snippet.title}
          snippet={snippet}
          onInsert={props.onInsert}
        />
      ))}
    </Section>
  );
}

function Snippet(props: {
  snippet: ICodeSnippet;
  onInsert?: (code: string) => void;
}): JSX.Element {
  const { snippet, onInsert } = props;
  return (
    <div
      className="jp-Fileglancer-snippet"
      data-snippet={snippet.title}
      data-target={snippet.target}
    >
      <div className="jp-Fileglancer-snippetTitle">
        <span>{snippet.title}</span>
        <ToolbarButtonComponent
          icon={copyIcon}
          tooltip={`Copy the ${snippet.title} snippet`}
          dataset={{ action: 'copy-snippet' }}
          onClick={() => copy(snippet.code, `${snippet.title} snippet`)}
        />
        {onInsert && (
          <ToolbarButtonComponent
            icon={notebookIcon}
            tooltip={`Insert the ${snippet.title} snippet into the active notebook cell`}
            dataset={{ action: 'insert-snippet' }}
            onClick={() => onInsert(snippet.code)}
          />
        )}
      </div>
      <pre className="jp-Fileglancer-json">{snippet.code}</pre>
    </div>
  );
}

/** The Share tab of the inspector. */
export function ShareTab(props: {
  model: ShareModel;
  onShowLinks?: () => void;
  /** Insert a snippet into the active notebook (absent: only Copy is offered). */
  onInsertSnippet?: (code: string) => void;
}): JSX.Element {
  const { model } = props;
  useSignal(model.changed);
  const state = model.state;
  if (state.status === 'idle' || state.status === 'loading') {
    return <Loading what="sharing options" />;
  }
  if (state.status === 'error') {
    return <RequestFailure error={state.error} />;
  }
  const answer = state.value;
  const local = answer.snippets.filter(snippet => snippet.target === 'local');
  const remote = answer.snippets.filter(snippet => snippet.target === 'link');
  return (
    <div data-tab-panel="share">
      <DataLinkToggle model={model} />
      {props.onShowLinks && (
        <Button small minimal onClick={props.onShowLinks}>
          All my data links…
        </Button>
      )}
      <Section title="Open in a viewer" name="viewers">
        <ViewerButtons answer={answer} model={model} />
      </Section>
      <Section title="Path" name="paths">
        <PathForms paths={answer.paths} />
      </Section>
      <SnippetSection
        title="Code for the local path"
        name="snippets-local"
        snippets={local}
        onInsert={props.onInsertSnippet}
      />
      {remote.length > 0 && (
        <SnippetSection
          title="Code for the data link"
          name="snippets-link"
          snippets={remote}
          onInsert={props.onInsertSnippet}
        />
      )}
    </div>
  );
}
