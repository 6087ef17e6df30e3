/**
 * A TIFF or OME-TIFF file: its series with axes, shape and type, each series' resolution
 * levels (SubIFDs) with tiling and compression, pixel sizes and channels, and the images
 * of its OME-XML (acquisition, objective, wavelengths).
 */
import * as React from 'react';

import type { ITiffMeta, ITiffSeries } from '../../api';
import { pixelSizeText } from '../facts';
import { formatBytes } from '../../common/format';
import { channelColor, formatMaybeQuantity, formatShape } from '../format';
import { OmeXmlImage } from './CollectionMetadata';
import { Field, Section, Swatch, Table } from './common';

function SeriesSection(props: {
  series: ITiffSeries;
  count: number;
}): JSX.Element {
  const { series } = props;
  const spatial = series.dims.filter(dim => ['z', 'y', 'x'].includes(dim));
  return (
    <Section
      title={
        props.count > 1
          ? `Series ${series.index}${series.name ? `: ${series.name}` : ''}`
          : 'Image'
      }
      name="tiff-series"
    >
      <dl className="jp-Fileglancer-fields">
        <Field label="Axes" name="tiff-axes">
          {series.axes}
        </Field>
        <Field label="Shape" name="tiff-shape">
          {formatShape(series.shape, series.dims)}
        </Field>
        <Field label="Data type" name="tiff-dtype">
          {series.dtype ?? '—'}
        </Field>
        <Field label="Pixel size" name="tiff-pixel-size">
          {pixelSizeText(series.pixel_size, spatial)}
        </Field>
        {series.logical_bytes !== null && (
          <Field label="Uncompressed" name="tiff-bytes">
            {formatBytes(series.logical_bytes)}
          </Field>
        )}
      </dl>
      <h4 className="jp-Fileglancer-subTitle">Resolution levels</h4>
      <Table
        name="tiff-levels"
        head={['Level', 'Shape', 'Tiles', 'Compression']}
        rows={series.levels.map(level => ({
          key: String(level.level),
          cells: [
            `${level.level}${level.subifd ? ' (SubIFD)' : ''}`,
            formatShape(level.shape),
            level.tile
              ? formatShape(level.tile)
              : level.rows_per_strip
                ? `strips of ${level.rows_per_strip} rows`
                : '—',
            level.compression ?? '—'
          ]
        }))}
      />
      {series.channels.length > 0 && (
        <>
          <h4 className="jp-Fileglancer-subTitle">Channels</h4>
          <Table
            name="tiff-channels"
            head={['', 'Channel', 'Excitation', 'Emission']}
            rows={series.channels.map((channel, i) => {
              const color = channelColor(channel.color?.replace(/^#/, ''));
              return {
                key: String(i),
                cells: [
                  <Swatch key="swatch" color={color} />,
                  channel.name ?? `Channel ${i}`,
                  formatMaybeQuantity(channel.excitation_wavelength),
                  formatMaybeQuantity(channel.emission_wavelength)
                ]
              };
            })}
          />
        </>
      )}
    </Section>
  );
}

export function TiffSection(props: { tiff: ITiffMeta }): JSX.Element {
  const { tiff } = props;
  return (
    <>
      <dl className="jp-Fileglancer-fields" data-block="tiff-file">
        <Field label="Format" name="tiff-format">
          {[
            tiff.bigtiff ? 'BigTIFF' : 'TIFF',
            ...tiff.flavors.filter(f => f !== 'bigtiff')
          ].join(', ')}
          {tiff.byteorder === '>' ? ', big-endian' : ''}
        </Field>
        <Field label="Series" name="tiff-series-count">
          {tiff.series_total}
        </Field>
      </dl>
      {tiff.series.map(series => (
        <SeriesSection
          key={series.index}
          series={series}
          count={tiff.series_total}
        />
      ))}
      {tiff.ome_xml && tiff.ome_xml.images.length > 0 && (
        <Section title="OME-XML" name="tiff-ome-xml" open={false}>
          {tiff.ome_xml.images.map((image, i) => (
            <OmeXmlImage key={image.id ?? i} image={image} />
          ))}
        </Section>
      )}
    </>
  );
}
