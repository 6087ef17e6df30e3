/**
 * Raw: every metadata file of the dataset as the server parsed it, collapsible and
 * copyable; files that could not be read say so.
 */
import { Clipboard } from '@jupyterlab/apputils';
import { copyIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { JSONValue } from '../../api';
import { prettyJSON } from '../format';

export function RawSection(props: {
  raw: { [file: string]: JSONValue };
}): JSX.Element {
  const files = Object.keys(props.raw);
  if (files.length === 0) {
    return (
      <div data-tab-panel="raw">
        <p className="jp-Fileglancer-note">No metadata files.</p>
      </div>
    );
  }
  return (
    <div data-tab-panel="raw">
      {files.map((file, i) => {
        const value = props.raw[file];
        const text = value === null ? null : prettyJSON(value);
        return (
          <details
            key={file}
            className="jp-Fileglancer-rawFile"
            data-file={file}
            open={i === 0}
          >
            <summary>
              <code>{file}</code>
              {text !== null && (
                <ToolbarButtonComponent
                  icon={copyIcon}
                  tooltip={`Copy ${file}`}
                  dataset={{ action: 'copy-raw' }}
                  onClick={() => Clipboard.copyToSystem(text)}
                />
              )}
            </summary>
            {text === null ? (
              <p className="jp-Fileglancer-note">
                Unreadable or not valid JSON (see the problems above).
              </p>
            ) : (
              <pre className="jp-Fileglancer-json">{text}</pre>
            )}
          </details>
        );
      })}
    </div>
  );
}
