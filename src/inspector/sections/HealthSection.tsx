/**
 * Health warnings: what makes a dataset slow or unviewable even when it is valid (one
 * resolution level, huge or tiny chunks, no pixel sizes...), each with its reason and,
 * where a conversion fixes it, a button that opens the Convert form filled in.
 */
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IHealthFix, IHealthWarning } from '../../api';

export function HealthWarnings(props: {
  health: IHealthWarning[];
  onFix?: (fix: IHealthFix) => void;
}): JSX.Element | null {
  if (props.health.length === 0) {
    return null;
  }
  return (
    <ul className="jp-Fileglancer-health" aria-label="Health warnings">
      {props.health.map(warning => (
        <li
          key={warning.code}
          className="jp-Fileglancer-healthItem"
          data-code={warning.code}
          data-severity={warning.severity}
        >
          <span className="jp-Fileglancer-healthMessage">
            {warning.message}
          </span>
          {warning.fix && props.onFix && (
            <Button
              small
              minimal
              data-action="apply-fix"
              onClick={() => props.onFix?.(warning.fix!)}
            >
              Fix: convert…
            </Button>
          )}
        </li>
      ))}
    </ul>
  );
}
