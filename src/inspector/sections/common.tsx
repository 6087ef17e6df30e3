/** Building blocks shared by the inspector's sections. */
import * as React from 'react';

import type { IRequestError } from '../../common/requestError';

/** A collapsible section with a heading; `name` is its data-section attribute. */
export function Section(props: {
  title: string;
  name: string;
  open?: boolean;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <details
      className="jp-Fileglancer-section"
      data-section={props.name}
      open={props.open ?? true}
    >
      <summary className="jp-Fileglancer-sectionTitle">{props.title}</summary>
      <div className="jp-Fileglancer-sectionBody">{props.children}</div>
    </details>
  );
}

/** A label and its value in a two-column field list. */
/** A channel's colour as a small square (an empty one when it has none). */
export function Swatch(props: {
  color: string | null;
  title?: string;
}): JSX.Element {
  const { color } = props;
  return (
    <span
      className="jp-Fileglancer-swatch"
      data-color={color ?? ''}
      title={props.title}
      style={color ? { backgroundColor: color } : undefined}
    />
  );
}

/** A remark in parentheses after a field's value: " (…)". */
export function Aside(props: {
  className?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <span className={props.className ?? 'jp-Fileglancer-note'}>
      {' '}
      ({props.children})
    </span>
  );
}

export function Field(props: {
  label: string;
  name: string;
  title?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <>
      <dt className="jp-Fileglancer-fieldLabel">{props.label}</dt>
      <dd
        className="jp-Fileglancer-fieldValue"
        data-field={props.name}
        title={props.title || undefined}
      >
        {props.children}
      </dd>
    </>
  );
}

/**
 * "c 3 × z 16 × y 256 × x 256" that wraps only between its parts, never inside "x 256"
 * or "0.5 µm", however narrow the sidebar.
 */
export function Parts(props: { text: string }): JSX.Element {
  return (
    <>
      {props.text.split(' × ').map((part, i) => (
        <React.Fragment key={i}>
          {i > 0 && ' × '}
          <span className="jp-Fileglancer-nowrap">{part}</span>
        </React.Fragment>
      ))}
    </>
  );
}

/** A short figure whose exact value shows on hover. */
export function Figure(props: { text: string; exact?: string }): JSX.Element {
  return (
    <span className="jp-Fileglancer-figure" title={props.exact || undefined}>
      {props.text}
    </span>
  );
}

/** "Reading…" while a request is under way. */
export function Loading(props: { what: string }): JSX.Element {
  return (
    <div className="jp-Fileglancer-status" aria-busy="true">
      Reading {props.what}…
    </div>
  );
}

/** A failed request, in the panel's words. */
export function RequestFailure(props: { error: IRequestError }): JSX.Element {
  const { error } = props;
  return (
    <div
      className="jp-Fileglancer-status jp-Fileglancer-error"
      role="alert"
      data-error-kind={error.kind}
    >
      <p className="jp-Fileglancer-errorTitle">{error.title}</p>
      {error.detail !== error.title && (
        <p className="jp-Fileglancer-errorDetail">{error.detail}</p>
      )}
    </div>
  );
}

/** A small table with a header row; `cells` are already rendered. */
export function Table(props: {
  name: string;
  head: string[];
  rows: Array<{ key: string; cells: React.ReactNode[] }>;
}): JSX.Element {
  return (
    <div className="jp-Fileglancer-tableWrap">
      <table className="jp-Fileglancer-table" data-table={props.name}>
        <thead>
          <tr>
            {props.head.map(label => (
              <th key={label} scope="col">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map(row => (
            <tr key={row.key}>
              {row.cells.map((cell, i) => (
                <td key={i}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
