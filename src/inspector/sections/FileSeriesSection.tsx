/**
 * A folder of TIFF planes (one file per t, c and z) that converts as one image: the
 * pattern its file names follow, the axes and sizes it makes, the plane and the files.
 */
import * as React from 'react';

import type { IFileSeriesMeta } from '../../api';
import { formatShape } from '../format';
import { Field, Section } from './common';

export function FileSeriesSection(props: {
  series: IFileSeriesMeta;
}): JSX.Element {
  const { series } = props;
  const axes = series.axes.split('');
  return (
    <Section title="File series" name="file-series">
      <dl className="jp-Fileglancer-fields">
        <Field label="File names" name="series-pattern">
          <code>{series.pattern}</code>
          {series.guessed ? ' (guessed from the names)' : ''}
        </Field>
        <Field label="Axes" name="series-axes">
          {series.axes || '—'}
        </Field>
        <Field label="Shape" name="series-shape">
          {axes.length > 0
            ? formatShape(
                axes.map(axis => series.sizes[axis] ?? 0),
                axes
              )
            : '—'}
        </Field>
        <Field label="Plane" name="series-plane">
          {formatShape(series.plane_shape, ['y', 'x'])}
        </Field>
        <Field label="Data type" name="series-dtype">
          {series.dtype ?? '—'}
        </Field>
        <Field label="Files" name="series-files">
          {series.file_count.toLocaleString()}
        </Field>
      </dl>
      {series.problem && (
        <p className="jp-Fileglancer-formProblem" data-series-problem="">
          {series.problem}
        </p>
      )}
    </Section>
  );
}
