/**
 * The main-area image viewer: OpenSeadragon over the server's PNG tiles (the tiles route
 * reads only the visible region of the level that fits the zoom), with z and t sliders,
 * channel toggles in their colours, per-channel contrast and a scale bar.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import type OpenSeadragon from 'openseadragon';
import { ISignal, Signal } from '@lumino/signaling';
import React, { useEffect, useRef, useState } from 'react';

import {
  ChannelHistogram,
  defaultHistogramAPI,
  IHistogramAPI,
  IRegion,
  useViewHistograms,
  visibleRegion
} from './histogram';
import { IImageViewerAPI, IPixelValues } from './viewerApi';
import {
  IViewerInfo,
  IViewState,
  initialState,
  levelForScale,
  osdLevels,
  scaleBar,
  scaleForZoom,
  unitSymbol,
  setLabel,
  setPlane,
  setVisible,
  setWindow,
  tileQuery
} from './viewerState';
import {
  ISavedView,
  restoreView,
  saveView,
  viewerErrorText
} from './viewerTarget';

/** How long contrast and plane changes wait for the next one before tiles reload. */
const RELOAD_DELAY_MS = 120;
/** How long the cursor rests before the values under it are asked for. */
const PIXEL_DELAY_MS = 200;

interface IViewerProps {
  api: IImageViewerAPI;
  root: string;
  path: string;
  /** The visible region's histograms (the server's by default). */
  histograms?: IHistogramAPI;
  /** The state a reload restores (applied where it fits the image). */
  saved?: ISavedView | null;
  onViewChange?: (view: IViewState) => void;
}

/** The viewer for one image; `ImageViewerWidget` shows it in the main area. */
export function ImageViewerView(props: IViewerProps): JSX.Element {
  const { api, root, path, saved, onViewChange } = props;
  const [info, setInfo] = useState<IViewerInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<IViewState | null>(null);
  const [zoom, setZoom] = useState(0);
  const [cursor, setCursor] = useState<string>('');
  const [values, setValues] = useState<string>('');
  const pointed = useRef<number | undefined>(undefined);
  const element = useRef<HTMLDivElement>(null);
  const viewer = useRef<OpenSeadragon.Viewer | null>(null);
  const current = useRef<IViewState | null>(null);
  const [region, setRegion] = useState<IRegion | null>(null);
  const shown = useViewHistograms(
    props.histograms ?? defaultHistogramAPI(),
    root,
    path,
    view,
    region
  );

  useEffect(() => {
    let cancelled = false;
    setInfo(null);
    setError(null);
    api.viewerInfo(root, path).then(
      found => {
        if (!cancelled) {
          setInfo(found);
          setView(restoreView(found, saved));
        }
      },
      (reason: unknown) => {
        if (!cancelled) {
          setError(viewerErrorText(path, reason, Boolean(saved)));
        }
      }
    );
    return () => {
      cancelled = true;
    };
  }, [api, root, path]);

  useEffect(() => {
    current.current = view;
    if (view) {
      onViewChange?.(view);
    }
  }, [view]);

  useEffect(() => {
    if (!info || !element.current) {
      return;
    }
    const { minLevel, maxLevel } = osdLevels(info);
    const container = element.current;
    let cancelled = false;
    let teardown = () => {
      cancelled = true;
    };
    // OpenSeadragon (~340 KiB) loads with the first viewer, not with JupyterLab.
    void import('openseadragon').then(({ default: OpenSeadragon }) => {
      if (cancelled) {
        return;
      }
      const osd = OpenSeadragon({
        element: container,
        // A 2D canvas: no WebGL needed (headless browsers), and its pixels can be read.
        drawer: 'canvas',
        showNavigationControl: false,
        showNavigator: true,
        navigatorPosition: 'BOTTOM_RIGHT',
        maxZoomPixelRatio: 8,
        imageSmoothingEnabled: false,
        // A busy server answers 503 (fileglancer_ext/tiles/drawing.py): ask again shortly.
        tileRetryMax: 3,
        tileRetryDelay: 500,
        crossOriginPolicy: api.crossOrigin?.(root) ?? false,
        tileSources: {
          width: info.width,
          height: info.height,
          tileSize: info.tileSize,
          tileOverlap: 0,
          minLevel,
          maxLevel,
          // A getter, read each time the tile loads: after `resetItems` the same tile
          // objects load again, with the state of that moment.
          getTileUrl: (level: number, x: number, y: number) => () =>
            api.tileURL(
              root,
              path,
              tileQuery(
                current.current ?? initialState(info),
                maxLevel - level,
                x,
                y
              )
            )
        } as unknown as OpenSeadragon.TileSourceOptions
      });
      const updateZoom = () => {
        const viewportZoom = osd.viewport.getZoom(true);
        setZoom(osd.viewport.viewportToImageZoom(viewportZoom));
      };
      osd.addHandler('open', updateZoom);
      osd.addHandler('animation', updateZoom);
      // The visible region, for its histograms (`useViewHistograms` waits for a rest).
      const updateRegion = () =>
        setRegion(
          visibleRegion(
            info,
            osd.viewport.viewportToImageRectangle(osd.viewport.getBounds(true))
          )
        );
      osd.addHandler('open', updateRegion);
      osd.addHandler('viewport-change', updateRegion);
      const tracker = new OpenSeadragon.MouseTracker({
        element: container,
        moveHandler: event => {
          const point = osd.viewport.viewerElementToImageCoordinates(
            (event as unknown as { position: OpenSeadragon.Point }).position
          );
          setCursor(positionText(info, point.x, point.y));
          // The values under a resting cursor (one small request, not one per move).
          window.clearTimeout(pointed.current);
          setValues('');
          const x = Math.floor(point.x);
          const y = Math.floor(point.y);
          const state = current.current;
          if (!state || x < 0 || y < 0 || x >= info.width || y >= info.height) {
            return;
          }
          pointed.current = window.setTimeout(() => {
            api
              .pixelValues(root, path, { x, y, z: state.z, t: state.t })
              .then(found => setValues(valuesText(found)))
              .catch(() => setValues(''));
          }, PIXEL_DELAY_MS);
        }
      });
      viewer.current = osd;
      teardown = () => {
        window.clearTimeout(pointed.current);
        tracker.destroy();
        osd.destroy();
        viewer.current = null;
      };
    });
    return () => teardown();
  }, [info, api, root, path]);

  // Redraw every tile when what they show changes (debounced: sliders move fast).
  useEffect(() => {
    if (!viewer.current || !view) {
      return;
    }
    const timer = window.setTimeout(() => {
      const osd = viewer.current;
      osd?.world.resetItems();
      osd?.navigator?.world.resetItems();
      osd?.forceRedraw();
    }, RELOAD_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [view]);

  if (error) {
    return (
      <div className="jp-Fileglancer-viewer" role="alert">
        <p className="jp-Fileglancer-error">{error}</p>
      </div>
    );
  }
  const scale = info ? scaleForZoom(info, zoom) : 0;
  const bar = info ? scaleBar(info, zoom) : null;
  return (
    <div className="jp-Fileglancer-viewer" data-loaded={info !== null}>
      <div
        className="jp-Fileglancer-viewerCanvas"
        ref={element}
        data-testid="viewer-canvas"
      />
      {info && view && (
        <div className="jp-Fileglancer-viewerControls">
          {info.z > 1 && (
            <PlaneSlider
              axis="z"
              value={view.z}
              count={info.z}
              onChange={z => setView(setPlane(info, view, z, view.t))}
            />
          )}
          {info.t > 1 && (
            <PlaneSlider
              axis="t"
              value={view.t}
              count={info.t}
              onChange={t => setView(setPlane(info, view, view.z, t))}
            />
          )}
          {view.channels.map(channel => (
            <fieldset
              key={channel.index}
              className="jp-Fileglancer-viewerChannel"
              data-channel={channel.index}
            >
              <label>
                <input
                  type="checkbox"
                  checked={channel.visible}
                  data-action="toggle-channel"
                  onChange={event =>
                    setView(
                      setVisible(view, channel.index, event.target.checked)
                    )
                  }
                />
                <span
                  className="jp-Fileglancer-viewerSwatch"
                  style={{ background: `#${channel.color}` }}
                />
                {channel.name}
              </label>
              {(['start', 'end'] as const).map(edge => (
                <input
                  key={edge}
                  type="range"
                  aria-label={`${channel.name} window ${edge}`}
                  data-action={`window-${edge}`}
                  min={channel.min}
                  max={channel.max}
                  step={(channel.max - channel.min) / 1000 || 1}
                  value={channel[edge]}
                  onChange={event => {
                    const value = Number(event.target.value);
                    setView(
                      edge === 'start'
                        ? setWindow(view, channel.index, value, channel.end)
                        : setWindow(view, channel.index, channel.start, value)
                    );
                  }}
                />
              ))}
              <span className="jp-Fileglancer-viewerWindow">
                {round(channel.start)}–{round(channel.end)}
              </span>
              <ChannelHistogram
                channel={channel}
                histogram={shown.histogram?.channels.find(
                  found => found.channel === channel.index
                )}
                level={shown.histogram?.level}
                error={shown.error}
                onAuto={(start, end) =>
                  setView(setWindow(view, channel.index, start, end))
                }
              />
            </fieldset>
          ))}
          {info.labels.map(name => (
            <label
              key={name}
              className="jp-Fileglancer-viewerLabel"
              data-label={name}
            >
              <input
                type="checkbox"
                checked={view.labels.includes(name)}
                data-action="toggle-label"
                onChange={event =>
                  setView(setLabel(view, name, event.target.checked))
                }
              />
              labels: {name}
            </label>
          ))}
          <div className="jp-Fileglancer-viewerStatus">
            <span data-testid="viewer-level">
              level {levelForScale(info, scale)} of {info.levels.length}
            </span>
            {cursor && <span data-testid="viewer-cursor">{cursor}</span>}
            {values && <span data-testid="viewer-values">{values}</span>}
          </div>
        </div>
      )}
      {bar && (
        <div className="jp-Fileglancer-viewerScaleBar" data-testid="scale-bar">
          <div style={{ width: `${bar.pixels}px` }} />
          <span>{bar.label}</span>
        </div>
      )}
    </div>
  );
}

function PlaneSlider(props: {
  axis: string;
  value: number;
  count: number;
  onChange: (value: number) => void;
}): JSX.Element {
  return (
    <label className="jp-Fileglancer-viewerPlane">
      {props.axis}
      <input
        type="range"
        aria-label={`${props.axis} plane`}
        data-action={`${props.axis}-plane`}
        min={0}
        max={props.count - 1}
        step={1}
        value={props.value}
        onChange={event => props.onChange(Number(event.target.value))}
      />
      <span>
        {props.value + 1} / {props.count}
      </span>
    </label>
  );
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** "x 120, y 40 (60 µm, 20 µm)": the pixel and, with a pixel size, the position. */
function positionText(info: IViewerInfo, x: number, y: number): string {
  if (x < 0 || y < 0 || x >= info.width || y >= info.height) {
    return '';
  }
  const px = Math.floor(x);
  const py = Math.floor(y);
  const size = info.pixelSize;
  if (!size) {
    return `x ${px}, y ${py}`;
  }
  const unit = unitSymbol(size.unit);
  return `x ${px}, y ${py} (${round(px * size.x)} ${unit}, ${round(py * size.y)} ${unit})`;
}

/** "DAPI 812 · GFP 1450": each channel's value. */
function valuesText(found: IPixelValues): string {
  return found.values
    .map(({ name, value }) =>
      typeof value === 'number' ? `${name} ${round(value)}` : `${name} ${value}`
    )
    .join(' · ');
}

/** The viewer as a main-area widget's content. */
export class ImageViewerWidget extends ReactWidget {
  constructor(
    private readonly _api: IImageViewerAPI,
    private _root: string,
    private _path: string,
    private _saved: ISavedView | null = null
  ) {
    super();
    this.addClass('jp-Fileglancer-viewerPanel');
  }

  /** The state shown now, as a reload keeps it (null until the image is read). */
  get savedView(): ISavedView | null {
    return this._view;
  }

  /** Emitted when the image or its view state changes (for the layout restorer). */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get root(): string {
    return this._root;
  }

  get path(): string {
    return this._path;
  }

  /** Show another image in this viewer. */
  showImage(root: string, path: string, saved: ISavedView | null = null): void {
    this._root = root;
    this._path = path;
    this._saved = saved;
    this._view = null;
    this._stateChanged.emit();
    this.update();
  }

  render(): JSX.Element {
    return (
      <ImageViewerView
        key={`${this._root}/${this._path}`}
        api={this._api}
        root={this._root}
        path={this._path}
        saved={this._saved}
        onViewChange={view => {
          this._view = saveView(view);
          this._stateChanged.emit();
        }}
      />
    );
  }

  private _view: ISavedView | null = null;
  private _stateChanged = new Signal<this, void>(this);
}
