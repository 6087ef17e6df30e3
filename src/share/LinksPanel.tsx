/**
 * "Data links": every active link of the user in a table (target, label, created,
 * expiry, last access, whether the target still exists) with copy, expiry and revoke.
 */
import { Clipboard, Notification, ReactWidget } from '@jupyterlab/apputils';
import {
  Button,
  copyIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IShareLink } from '../api';
import { formatFullTime, formatShortTime } from '../common/format';
import { ListView } from '../common/listView';
import { confirmRevoke } from './confirmRevoke';
import { LinksModel } from './linksModel';
import { EXPIRY_CHOICES } from './shareModel';
import { errorMessage } from './ShareTab';

function LinkRow(props: { link: IShareLink; model: LinksModel }): JSX.Element {
  const { link, model } = props;
  const act = async (action: () => Promise<void>, done: string) => {
    try {
      await action();
      Notification.success(done, { autoClose: 4000 });
    } catch (error) {
      Notification.error(
        `The data link was not changed: ${errorMessage(error)}`
      );
    }
  };
  return (
    <tr data-link={link.id}>
      <td>
        <code title={link.url}>
          {link.root}/{link.path}
        </code>
        {link.target_exists === false && (
          <span className="jp-Fileglancer-note"> (no longer exists)</span>
        )}
      </td>
      <td>{link.label ?? '—'}</td>
      <td title={formatFullTime(link.created)}>
        {formatShortTime(link.created)}
      </td>
      <td data-column="expires" title={formatFullTime(link.expires)}>
        {link.expires ? formatShortTime(link.expires) : 'never'}
      </td>
      <td title={formatFullTime(link.last_access)}>
        {formatShortTime(link.last_access)}
      </td>
      <td className="jp-Fileglancer-linkActions">
        <ToolbarButtonComponent
          icon={copyIcon}
          tooltip="Copy the data link"
          dataset={{ action: 'copy-link' }}
          onClick={() => {
            Clipboard.copyToSystem(link.url);
            Notification.success('Copied the data link.', { autoClose: 3000 });
          }}
        />
        <select
          aria-label="Change the expiry"
          value=""
          onChange={event => {
            const choice = EXPIRY_CHOICES[Number(event.target.value)];
            if (choice) {
              void act(
                () => model.setExpiry(link.id, choice.seconds),
                `Data link now ${choice.label.toLowerCase()}.`
              );
            }
          }}
        >
          <option value="" disabled>
            Expiry…
          </option>
          {EXPIRY_CHOICES.map((choice, i) => (
            <option key={choice.label} value={String(i)}>
              {choice.label}
            </option>
          ))}
        </select>
        <Button
          small
          data-action="revoke"
          onClick={async () => {
            if (await confirmRevoke(link)) {
              await act(
                () => model.revoke(link.id),
                'Data link revoked: its URL no longer works.'
              );
            }
          }}
        >
          Revoke
        </Button>
      </td>
    </tr>
  );
}

export function LinksView(props: { model: LinksModel }): JSX.Element {
  return (
    <ListView
      className="jp-Fileglancer-links"
      title="My data links"
      what="your data links"
      refreshAction="refresh-links"
      model={props.model}
      empty="You have no active data links. Share a dataset from the Inspector's Share tab."
      table="links"
      head={['Dataset', 'Label', 'Created', 'Expires', 'Last access', '']}
      row={link => <LinkRow key={link.id} link={link} model={props.model} />}
    />
  );
}

/** The main-area view of all the user's data links. */
export class LinksPanel extends ReactWidget {
  constructor(readonly model: LinksModel) {
    super();
    this.addClass('jp-Fileglancer-linksPanel');
    void model.refresh();
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }

  render(): JSX.Element {
    return <LinksView model={this.model} />;
  }
}
