/**
 * Validation: whether the dataset follows the OME-NGFF spec of its version (official
 * JSON schemas plus the structural checks), with every error and warning naming the file
 * and JSON path it is about.
 */
import * as React from 'react';

import type { IValidation, IValidationIssue } from '../../api';

/** "Valid OME-NGFF 0.4" / "Invalid: 3 errors", as a coloured badge. */
export function ValidationBadge(props: {
  validation: IValidation;
}): JSX.Element {
  const { validation } = props;
  const version = validation.version ? ` ${validation.version}` : '';
  const errors = validation.errors.length;
  const text = validation.valid
    ? `Valid OME-NGFF${version}`
    : `Invalid OME-NGFF${version}: ${errors} error${errors === 1 ? '' : 's'}`;
  return (
    <span
      className="jp-Fileglancer-validationBadge"
      data-valid={validation.valid ? 'true' : 'false'}
    >
      {text}
    </span>
  );
}

function IssueList(props: {
  issues: IValidationIssue[];
  level: 'error' | 'warning';
}): JSX.Element | null {
  if (props.issues.length === 0) {
    return null;
  }
  return (
    <ul className="jp-Fileglancer-issues" data-level={props.level}>
      {props.issues.map((issue, i) => (
        <li key={i} className="jp-Fileglancer-issue">
          <span className="jp-Fileglancer-issueMessage">{issue.message}</span>
          {(issue.file || issue.pointer) && (
            <span className="jp-Fileglancer-issueWhere">
              {[issue.file, issue.pointer].filter(Boolean).join(' ')}
            </span>
          )}
          {issue.source && (
            <span className="jp-Fileglancer-issueSource">{issue.source}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

export function ValidationSection(props: {
  validation: IValidation | null;
}): JSX.Element {
  const { validation } = props;
  if (!validation) {
    return (
      <div data-tab-panel="validation">
        <p className="jp-Fileglancer-note">
          Only OME-Zarr datasets are validated against the OME-NGFF spec.
        </p>
      </div>
    );
  }
  return (
    <div data-tab-panel="validation">
      <p>
        <ValidationBadge validation={validation} />
      </p>
      {validation.schema && (
        <p className="jp-Fileglancer-note">
          Checked against the official schema <code>{validation.schema}</code>{' '}
          and the structure of the dataset.
        </p>
      )}
      {validation.errors.length > 0 && (
        <h4 className="jp-Fileglancer-subTitle">Errors</h4>
      )}
      <IssueList issues={validation.errors} level="error" />
      {validation.warnings.length > 0 && (
        <h4 className="jp-Fileglancer-subTitle">Warnings</h4>
      )}
      <IssueList issues={validation.warnings} level="warning" />
    </div>
  );
}
