/**
 * Overview: a preview and the figures of the main array (shape with axis names, dtype,
 * chunks, shards, codecs), and how it is stored (size on disk, chunk files present vs.
 * expected, uncompressed size, compression ratio), per level for a pyramid.
 */
import * as React from 'react';

import type { IMetaResponse, IStatsResponse, IStorageFigures } from '../../api';
import { arrayFacts, IArrayFacts } from '../facts';
import {
  exactBytes,
  formatBytes,
  formatCount,
  formatExact
} from '../../common/format';
import { codecLines, formatRatio, formatShape, prettyJSON } from '../format';
import type { LoadState } from '../inspectorModel';
import { Field, Figure, Loading, RequestFailure, Table } from './common';

/** A PNG preview from the server; says so plainly when there is nothing to draw. */
export function Thumbnail(props: { url: string }): JSX.Element {
  const [failed, setFailed] = React.useState(false);
  const [loaded, setLoaded] = React.useState(false);
  React.useEffect(() => {
    setFailed(false);
    setLoaded(false);
  }, [props.url]);
  if (failed) {
    return (
      <div className="jp-Fileglancer-thumbnail" data-state="none">
        No preview for this dataset.
      </div>
    );
  }
  return (
    <div
      className="jp-Fileglancer-thumbnail"
      data-state={loaded ? 'loaded' : 'loading'}
    >
      <img
        src={props.url}
        alt="Preview of the dataset"
        onLoad={() => setLoaded(true)}
        onError={() => setFailed(true)}
      />
    </div>
  );
}

function countText(count: number | null | undefined): JSX.Element {
  if (count === null || count === undefined) {
    return <>—</>;
  }
  return <Figure text={formatCount(count)} exact={formatExact(count)} />;
}

function bytesText(bytes: number | null | undefined): JSX.Element {
  return <Figure text={formatBytes(bytes)} exact={exactBytes(bytes)} />;
}

/** The array's own figures. */
export function ArrayFields(props: { facts: IArrayFacts }): JSX.Element {
  const { facts } = props;
  const codecs = codecLines(facts.codecs);
  return (
    <>
      <Field label="Shape" name="shape">
        {formatShape(facts.shape, facts.dimensionNames)}
      </Field>
      <Field label="Data type" name="dtype">
        {facts.dtype ?? '—'}
      </Field>
      <Field label="Chunks" name="chunks">
        {formatShape(facts.chunks, facts.dimensionNames)}
      </Field>
      {facts.shards && (
        <Field label="Shards" name="shards">
          {formatShape(facts.shards, facts.dimensionNames)}
        </Field>
      )}
      {facts.codecs && (
        <Field label="Codecs" name="codecs">
          {codecs.length === 0 ? (
            'none (uncompressed)'
          ) : (
            <ul className="jp-Fileglancer-codecs">
              {codecs.map((line, i) => (
                <li key={i} style={{ paddingLeft: `${line.depth}em` }}>
                  {line.text}
                </li>
              ))}
            </ul>
          )}
        </Field>
      )}
      {facts.fillValue !== undefined && (
        <Field label="Fill value" name="fill_value">
          <code>{prettyJSON(facts.fillValue)}</code>
        </Field>
      )}
    </>
  );
}

/** Stored size, chunk files and compression of the whole dataset. */
export function StorageFields(props: {
  figures: IStorageFigures;
  /** Whether the files are shards (Zarr v3 sharding), each holding many chunks. */
  sharded?: boolean;
}): JSX.Element {
  const { figures } = props;
  const missing = figures.chunks_missing;
  const files = props.sharded ? 'Shard files' : 'Chunk files';
  return (
    <>
      <Field label="Stored size" name="stored_bytes">
        {bytesText(figures.stored_bytes)}
      </Field>
      <Field label="Files" name="files">
        {countText(figures.files)}
      </Field>
      <Field label={files} name="chunk_files">
        {countText(figures.chunk_files)}
        {figures.chunks_expected !== null && (
          <>
            {' of '}
            {countText(figures.chunks_expected)} expected
          </>
        )}
        {missing !== null && missing > 0 && (
          <span className="jp-Fileglancer-note">
            {' '}
            ({formatCount(missing)} missing: read as the fill value)
          </span>
        )}
      </Field>
      <Field label="Uncompressed" name="logical_bytes">
        {bytesText(figures.logical_bytes)}
      </Field>
      <Field label="Compression ratio" name="compression_ratio">
        {formatRatio(figures.compression_ratio)}
      </Field>
    </>
  );
}

function StorageBlock(props: {
  stats: LoadState<IStatsResponse>;
  sharded?: boolean;
}): JSX.Element | null {
  const { stats, sharded } = props;
  if (stats.status === 'idle') {
    return null;
  }
  if (stats.status === 'loading') {
    return <Loading what="storage statistics" />;
  }
  if (stats.status === 'error') {
    return <RequestFailure error={stats.error} />;
  }
  const value = stats.value;
  if (value.state === 'computing') {
    return (
      <div
        className="jp-Fileglancer-status"
        aria-busy="true"
        data-state="computing"
      >
        Measuring storage… {formatCount(value.files_seen)} files,{' '}
        {formatBytes(value.bytes_seen)} so far.
      </div>
    );
  }
  const levels = value.levels ?? [];
  return (
    <>
      <dl className="jp-Fileglancer-fields" data-block="storage">
        <StorageFields figures={value} sharded={sharded} />
      </dl>
      {levels.length > 0 && (
        <Table
          name="level-storage"
          head={[
            'Level',
            'Stored',
            sharded ? 'Shard files' : 'Chunk files',
            'Ratio'
          ]}
          rows={levels.map(level => ({
            key: level.path,
            cells: [
              level.path,
              bytesText(level.stored_bytes),
              <>
                {countText(level.chunk_files)}
                {level.chunks_expected !== null && (
                  <> / {countText(level.chunks_expected)}</>
                )}
              </>,
              formatRatio(level.compression_ratio)
            ]
          }))}
        />
      )}
    </>
  );
}

/** The Overview tab. */
export function OverviewSection(props: {
  meta: IMetaResponse;
  stats: LoadState<IStatsResponse>;
  thumbnailUrl: string | null;
  /** Where the share issue's data link toggle goes. */
  linkSlot?: React.ReactNode;
}): JSX.Element {
  const { meta, stats, thumbnailUrl } = props;
  const facts = arrayFacts(meta);
  return (
    <div className="jp-Fileglancer-overview" data-tab-panel="overview">
      {thumbnailUrl && <Thumbnail url={thumbnailUrl} />}
      {facts && (
        <dl className="jp-Fileglancer-fields" data-block="array">
          {!['array', 'n5', 'tiff'].includes(facts.source) && (
            <Field label="Level" name="level">
              {facts.source} (full resolution)
            </Field>
          )}
          <ArrayFields facts={facts} />
        </dl>
      )}
      <StorageBlock stats={stats} sharded={Boolean(facts?.shards)} />
      {props.linkSlot}
    </div>
  );
}
