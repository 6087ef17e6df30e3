/**
 * The OME-NGFF image metadata: axes with units, the pyramid levels in their declared
 * order with shape, chunks and pixel size, omero channels with colour swatches, windows
 * and wavelengths, time spacing and the global coordinate transformations.
 */
import * as React from 'react';

import type { IOmeMultiscale, IOmero, IOmeroChannel } from '../../api';
import { channelWavelengths, pixelSizeText } from '../facts';
import { trimNumber } from '../../common/format';
import {
  channelColor,
  formatQuantity,
  formatShape,
  prettyJSON
} from '../format';
import { Field, Section, Swatch, Table } from './common';

export function AxesTable(props: { multiscale: IOmeMultiscale }): JSX.Element {
  const { multiscale } = props;
  return (
    <>
      {multiscale.axes_inferred && (
        <p className="jp-Fileglancer-note">
          This version of OME-NGFF declares no axes; they follow the spec's
          fixed order (t, c, z, y, x).
        </p>
      )}
      <Table
        name="axes"
        head={['Axis', 'Type', 'Unit']}
        rows={multiscale.axes.map(axis => ({
          key: axis.name,
          cells: [axis.name, axis.type ?? '—', axis.unit ?? '—']
        }))}
      />
    </>
  );
}

export function LevelsTable(props: {
  multiscale: IOmeMultiscale;
}): JSX.Element {
  const { multiscale } = props;
  const names = multiscale.axes.map(axis => axis.name);
  const spatial = multiscale.axes
    .filter(axis => axis.type === 'space')
    .map(axis => axis.name);
  return (
    <Table
      name="levels"
      head={[
        'Level',
        `Shape (${names.join(', ')})`,
        'Chunks',
        `Pixel size (${spatial.join(', ')})`
      ]}
      rows={multiscale.datasets.map(level => ({
        key: level.path,
        cells: [
          <code key="path">{level.path}</code>,
          level.shape ? formatShape(level.shape) : 'missing',
          formatShape(level.chunks),
          pixelSizeText(level.pixel_size, spatial)
        ]
      }))}
    />
  );
}

function ChannelWindow(props: { channel: IOmeroChannel }): JSX.Element {
  const window = props.channel.window;
  if (!window) {
    return <>—</>;
  }
  const number = (value: number | null | undefined) =>
    value === null || value === undefined ? '?' : trimNumber(value, 3);
  return (
    <span
      title={`range ${number(window.min)} to ${number(window.max)}`}
      className="jp-Fileglancer-window"
    >
      {number(window.start)}–{number(window.end)}
    </span>
  );
}

export function ChannelsTable(props: { omero: IOmero }): JSX.Element {
  const { omero } = props;
  return (
    <Table
      name="channels"
      head={['', 'Channel', 'Window', 'Wavelength', 'Active']}
      rows={omero.channels.map((channel, index) => {
        const color = channelColor(channel.color);
        const wavelengths = channelWavelengths(channel);
        return {
          key: String(index),
          cells: [
            <Swatch key="swatch" color={color} title={color ?? 'no colour'} />,
            channel.label ?? `Channel ${index}`,
            <ChannelWindow key="window" channel={channel} />,
            wavelengths.length
              ? wavelengths
                  .map(({ key, value }) => `${key}: ${String(value)}`)
                  .join(', ')
              : '—',
            channel.active === null ? '—' : channel.active ? 'yes' : 'no'
          ]
        };
      })}
    />
  );
}

function timeSpacingText(
  spacing: IOmeMultiscale['time_spacing']
): string | null {
  if (spacing === null || spacing === undefined) {
    return null;
  }
  if (typeof spacing === 'number') {
    return formatQuantity(spacing);
  }
  return formatQuantity(spacing.value, spacing.unit);
}

/** One multiscale image: name, type, axes, levels, transforms and time spacing. */
export function MultiscaleSection(props: {
  multiscale: IOmeMultiscale;
  index: number;
  count: number;
}): JSX.Element {
  const { multiscale, index, count } = props;
  const title =
    count > 1
      ? `Image ${index + 1}${multiscale.name ? `: ${multiscale.name}` : ''}`
      : 'Image';
  const time = timeSpacingText(multiscale.time_spacing);
  return (
    <Section title={title} name="multiscale">
      <dl className="jp-Fileglancer-fields">
        {multiscale.name && (
          <Field label="Name" name="ms-name">
            {multiscale.name}
          </Field>
        )}
        {multiscale.type && (
          <Field label="Downsampling" name="ms-type">
            {multiscale.type}
          </Field>
        )}
        <Field label="Levels" name="level-count">
          {multiscale.datasets.length}
        </Field>
        {time && (
          <Field label="Time spacing" name="time-spacing">
            {time}
          </Field>
        )}
        {multiscale.coordinate_transformations !== null &&
          multiscale.coordinate_transformations !== undefined && (
            <Field label="Transforms" name="transforms">
              <code className="jp-Fileglancer-inlineJSON">
                {JSON.stringify(multiscale.coordinate_transformations)}
              </code>
            </Field>
          )}
      </dl>
      <h4 className="jp-Fileglancer-subTitle">Axes</h4>
      <AxesTable multiscale={multiscale} />
      <h4 className="jp-Fileglancer-subTitle">Resolution levels</h4>
      <LevelsTable multiscale={multiscale} />
      {multiscale.metadata !== null && multiscale.metadata !== undefined && (
        <details className="jp-Fileglancer-more">
          <summary>Downsampling metadata</summary>
          <pre>{prettyJSON(multiscale.metadata)}</pre>
        </details>
      )}
    </Section>
  );
}

export function ChannelsSection(props: { omero: IOmero }): JSX.Element {
  const { omero } = props;
  const rdefs = omero.rdefs;
  return (
    <Section title="Channels" name="channels">
      <ChannelsTable omero={omero} />
      {(rdefs.model || rdefs.defaultZ !== null || rdefs.defaultT !== null) && (
        <dl className="jp-Fileglancer-fields">
          {rdefs.model && (
            <Field label="Colour model" name="rdefs-model">
              {rdefs.model}
            </Field>
          )}
          {rdefs.defaultZ !== null && (
            <Field label="Default z" name="rdefs-z">
              {rdefs.defaultZ}
            </Field>
          )}
          {rdefs.defaultT !== null && (
            <Field label="Default t" name="rdefs-t">
              {rdefs.defaultT}
            </Field>
          )}
        </dl>
      )}
    </Section>
  );
}
