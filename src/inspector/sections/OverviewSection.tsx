/**
 * Overview: a preview (a click opens a larger one saying which level and plane it shows)
 * with the pixel sizes and channels beside it, the figures of the main array (shape with axis names, dtype,
 * chunks, shards, codecs), and how it is stored (size on disk, chunk files present vs.
 * expected, uncompressed size, compression ratio), per level for a pyramid.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import type { IMetaResponse, IStatsResponse, IStorageFigures } from '../../api';
import {
  arrayFacts,
  fullResolutionPixelSize,
  IArrayFacts,
  imageChannels
} from '../facts';
import {
  exactBytes,
  formatBytes,
  formatCount,
  formatExact
} from '../../common/format';
import { codecLines, formatRatio, formatShape, prettyJSON } from '../format';
import type { LoadState } from '../inspectorModel';
import {
  Aside,
  Field,
  Figure,
  Loading,
  Parts,
  RequestFailure,
  Table
} from './common';

/** The header of the thumbnail route that says which level and plane a preview shows. */
export const PREVIEW_HEADER = 'X-Fileglancer-Preview';

/**
 * The larger preview in a dialog: fetched (not just an <img>) to read the route's header
 * saying which level and plane it is, shown as the caption.
 */
export function LargePreview(props: { url: string }): JSX.Element {
  const [state, setState] = React.useState<
    | { status: 'loading' }
    | { status: 'ready'; src: string; shown: string | null }
    | { status: 'error'; message: string }
  >({ status: 'loading' });
  React.useEffect(() => {
    let src: string | null = null;
    let live = true;
    fetch(props.url, { credentials: 'same-origin' })
      .then(async response => {
        if (!response.ok) {
          const body = await response.json().catch(() => null);
          throw new Error(body?.message ?? `HTTP ${response.status}`);
        }
        const header = response.headers.get(PREVIEW_HEADER);
        const blob = await response.blob();
        src = URL.createObjectURL(blob);
        if (live) {
          setState({
            status: 'ready',
            src,
            shown: header ? decodeURIComponent(header) : null
          });
        }
      })
      .catch(error => {
        if (live) {
          setState({
            status: 'error',
            message: String(error.message ?? error)
          });
        }
      });
    return () => {
      live = false;
      if (src) {
        URL.revokeObjectURL(src);
      }
    };
  }, [props.url]);
  if (state.status === 'loading') {
    return (
      <div className="jp-Fileglancer-status">Drawing a larger preview…</div>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="jp-Fileglancer-status" role="alert">
        No larger preview: {state.message}
      </div>
    );
  }
  return (
    <figure className="jp-Fileglancer-largePreview">
      <img src={state.src} alt="Larger preview of the dataset" />
      {state.shown && (
        <figcaption data-field="preview-shown">Shows {state.shown}.</figcaption>
      )}
    </figure>
  );
}

/** Open the larger preview of `name` in JupyterLab's dialog. */
export function showLargePreview(url: string, name: string): void {
  void showDialog({
    title: `Preview of ${name}`,
    body: ReactWidget.create(<LargePreview url={url} />),
    buttons: [Dialog.okButton({ label: 'Close' })]
  });
}

/** How long a click on the preview waits for a second one (a double-click) before the
 * larger preview opens. */
const DOUBLE_CLICK_MS = 250;

/**
 * A PNG preview from the server; says so plainly when there is nothing to draw. With
 * `largeUrl`, a click opens a larger one; with `onOpen`, a double-click opens the viewer.
 */
export function Thumbnail(props: {
  url: string;
  largeUrl?: string | null;
  name?: string;
  onOpen?: () => void;
}): JSX.Element {
  const [failed, setFailed] = React.useState(false);
  const [loaded, setLoaded] = React.useState(false);
  const pending = React.useRef<number | undefined>(undefined);
  React.useEffect(() => {
    setFailed(false);
    setLoaded(false);
  }, [props.url]);
  React.useEffect(() => () => window.clearTimeout(pending.current), []);
  if (failed) {
    return (
      <div className="jp-Fileglancer-thumbnail" data-state="none">
        No preview for this dataset.
      </div>
    );
  }
  const image = (
    <img
      src={props.url}
      alt="Preview of the dataset"
      onLoad={() => setLoaded(true)}
      onError={() => setFailed(true)}
    />
  );
  const { largeUrl, onOpen } = props;
  const showLarge = () =>
    largeUrl && showLargePreview(largeUrl, props.name ?? 'the dataset');
  return (
    <div
      className="jp-Fileglancer-thumbnail"
      data-state={loaded ? 'loaded' : 'loading'}
      title={onOpen ? 'Double-click to open in the viewer' : undefined}
      onDoubleClick={
        onOpen &&
        (() => {
          window.clearTimeout(pending.current);
          onOpen();
        })
      }
    >
      {largeUrl ? (
        <button
          type="button"
          className="jp-Fileglancer-thumbnailButton"
          title={
            onOpen
              ? 'Open a larger preview (double-click: open in the viewer)'
              : 'Open a larger preview'
          }
          data-action="large-preview"
          onClick={event => {
            window.clearTimeout(pending.current);
            if (!onOpen) {
              showLarge();
            } else if (event.detail <= 1) {
              pending.current = window.setTimeout(showLarge, DOUBLE_CLICK_MS);
            }
          }}
        >
          {image}
        </button>
      ) : (
        image
      )}
    </div>
  );
}

/** Pixel sizes and channels: what a scientist looks for first, beside the preview. */
export function ImageFacts(props: { meta: IMetaResponse }): JSX.Element | null {
  const pixelSize = fullResolutionPixelSize(props.meta);
  const channels = imageChannels(props.meta);
  if (!pixelSize && channels.length === 0) {
    return null;
  }
  return (
    <dl className="jp-Fileglancer-fields" data-block="image">
      {pixelSize && (
        <Field
          label={`Pixel size (${pixelSize.axes.join(', ')})`}
          name="pixel_size"
        >
          <Parts text={pixelSize.text} />
        </Field>
      )}
      {channels.length > 0 && (
        <Field label="Channels" name="channels">
          <ul className="jp-Fileglancer-channelList">
            {channels.map((channel, i) => (
              <li key={i} data-channel={channel.name}>
                <span
                  className="jp-Fileglancer-swatch"
                  data-color={channel.color ?? ''}
                  title={channel.color ?? 'no colour'}
                  style={
                    channel.color
                      ? { backgroundColor: channel.color }
                      : undefined
                  }
                />{' '}
                {channel.name}
              </li>
            ))}
          </ul>
        </Field>
      )}
    </dl>
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
        <Parts text={formatShape(facts.shape, facts.dimensionNames)} />
      </Field>
      <Field label="Data type" name="dtype">
        {facts.dtype ?? '—'}
      </Field>
      <Field label="Chunks" name="chunks">
        <Parts text={formatShape(facts.chunks, facts.dimensionNames)} />
      </Field>
      {facts.shards && (
        <Field label="Shards" name="shards">
          <Parts text={formatShape(facts.shards, facts.dimensionNames)} />
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
  /** A pyramid's totals: the expected files are its levels', the files the whole tree's. */
  expectedInLevels?: boolean;
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
            {props.expectedInLevels ? ' in all, ' : ' of '}
            {countText(figures.chunks_expected)} expected
            {props.expectedInLevels && ' in the levels'}
          </>
        )}
        {missing !== null && missing > 0 && (
          <Aside>{formatCount(missing)} missing: read as the fill value</Aside>
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
        <StorageFields
          figures={value}
          sharded={sharded}
          expectedInLevels={levels.length > 0}
        />
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
  /** The larger preview the thumbnail opens on click. */
  largeThumbnailUrl?: string | null;
  /** The dataset's name, for the larger preview's title. */
  name?: string;
  /** Where the share issue's data link toggle goes. */
  linkSlot?: React.ReactNode;
  /** Opens the image in the viewer (a double-click on the preview). */
  onOpenViewer?: () => void;
}): JSX.Element {
  const { meta, stats, thumbnailUrl } = props;
  const facts = arrayFacts(meta);
  return (
    <div className="jp-Fileglancer-overview" data-tab-panel="overview">
      <div className="jp-Fileglancer-overviewTop">
        {thumbnailUrl && (
          <Thumbnail
            url={thumbnailUrl}
            largeUrl={props.largeThumbnailUrl}
            name={props.name}
            onOpen={props.onOpenViewer}
          />
        )}
        <ImageFacts meta={meta} />
      </div>
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
