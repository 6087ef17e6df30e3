/**
 * Health warnings: what makes a dataset slow or unviewable even when it is valid (one
 * resolution level, huge or tiny chunks, no pixel sizes...), each with its reason and a
 * button for its fix: a conversion opens the Convert form filled in; auto contrast sets
 * the channel windows at once; an edit opens the metadata editor at the field.
 */
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import {
  IEditFix,
  IHealthFix,
  IHealthWarning,
  isConversionFix
} from '../../api';

function fixLabel(fix: IHealthFix | IEditFix): string {
  if (isConversionFix(fix)) {
    return 'Fix: convert…';
  }
  return fix.action === 'auto_contrast' ? 'Fix: auto contrast' : 'Fix: edit…';
}

export function HealthWarnings(props: {
  health: IHealthWarning[];
  /** Open the Convert form for a conversion fix (absent: no conversion here). */
  onFix?: (fix: IHealthFix) => void;
  /** Apply a fix made in place (absent: the image cannot be edited). */
  onEditFix?: (fix: IEditFix) => void;
}): JSX.Element | null {
  const { onFix, onEditFix } = props;
  if (props.health.length === 0) {
    return null;
  }
  /** What the fix's button does, or null when this view cannot apply it. */
  const action = (fix: IHealthFix | IEditFix | null): (() => void) | null => {
    if (!fix) {
      return null;
    }
    if (isConversionFix(fix)) {
      return onFix ? () => onFix(fix) : null;
    }
    return onEditFix ? () => onEditFix(fix) : null;
  };
  return (
    <ul className="jp-Fileglancer-health" aria-label="Health warnings">
      {props.health.map(warning => {
        const apply = action(warning.fix);
        return (
          <li
            key={warning.code}
            className="jp-Fileglancer-healthItem"
            data-code={warning.code}
            data-severity={warning.severity}
          >
            <span className="jp-Fileglancer-healthMessage">
              {warning.message}
            </span>
            {apply && warning.fix && (
              <Button
                small
                minimal
                data-action="apply-fix"
                data-fix={
                  isConversionFix(warning.fix) ? 'convert' : warning.fix.action
                }
                onClick={apply}
              >
                {fixLabel(warning.fix)}
              </Button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
