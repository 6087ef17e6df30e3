/**
 * The viewer's state without the DOM: what the server said about the image
 * (`viewer-info`), the channels as the user set them, and the arithmetic that maps a zoom
 * to a tile scale and a pyramid level, a state to a tile URL, and a zoom to a scale bar.
 * The tile grid is the server's (fileglancer_ext/tiles/service.py): a tile at scale s
 * covers `tileSize * 2**s` pixels of level 0 per side.
 */

/** A channel's display window and the range its slider spans. */
export interface IWindowInfo {
  start: number | null;
  end: number | null;
  min: number | null;
  max: number | null;
}

/** `GET viewer-info/{root}/{path}`. */
export interface IViewerInfo {
  root: string;
  path: string;
  width: number;
  height: number;
  tileSize: number;
  /** The coarsest tile scale the server draws. */
  maxScale: number;
  levels: { width: number; height: number; downsample: number }[];
  z: number;
  t: number;
  dtype: string;
  channels: {
    name: string;
    color: string;
    active: boolean;
    window: IWindowInfo;
  }[];
  pixelSize: { x: number; y: number; unit: string | null } | null;
  /** The image's label images (OME-Zarr `labels/`), drawn over the channels on demand. */
  labels: string[];
}

/** One channel as the user sees it. */
export interface IChannelState {
  index: number;
  name: string;
  /** "RRGGBB" */
  color: string;
  visible: boolean;
  start: number;
  end: number;
  /** The contrast slider's range. */
  min: number;
  max: number;
}

/** What the tiles show. */
export interface IViewState {
  z: number;
  t: number;
  channels: IChannelState[];
  /** The label images drawn over the channels. */
  labels: string[];
}

/** The viewer's starting state: the middle z plane, t 0, the metadata's channels. */
export function initialState(info: IViewerInfo): IViewState {
  return {
    z: Math.floor(info.z / 2),
    t: 0,
    labels: [],
    channels: info.channels.map((channel, index) => {
      const { start, end, min, max } = channel.window;
      const low = start ?? min ?? 0;
      const high = end ?? max ?? 1;
      return {
        index,
        name: channel.name,
        color: channel.color,
        visible: channel.active,
        start: low,
        end: high > low ? high : low + 1,
        min: Math.min(min ?? low, low),
        max: Math.max(max ?? high, high)
      };
    })
  };
}

/** The state with one channel's window set, kept inside its range and start < end. */
export function setWindow(
  state: IViewState,
  index: number,
  start: number,
  end: number
): IViewState {
  return {
    ...state,
    channels: state.channels.map(channel => {
      if (channel.index !== index) {
        return channel;
      }
      const low = clamp(start, channel.min, channel.max);
      const high = clamp(end, channel.min, channel.max);
      return high > low
        ? { ...channel, start: low, end: high }
        : {
            ...channel,
            start: low,
            end: low + Number.EPSILON * Math.max(1, Math.abs(low))
          };
    })
  };
}

/** The state with one channel shown or hidden. */
export function setVisible(
  state: IViewState,
  index: number,
  visible: boolean
): IViewState {
  return {
    ...state,
    channels: state.channels.map(channel =>
      channel.index === index ? { ...channel, visible } : channel
    )
  };
}

/** The state with the label image `name` drawn over the channels or not. */
export function setLabel(
  state: IViewState,
  name: string,
  shown: boolean
): IViewState {
  const others = state.labels.filter(label => label !== name);
  return { ...state, labels: shown ? [...others, name] : others };
}

/** The state at plane z and time point t, each kept inside the image. */
export function setPlane(
  info: IViewerInfo,
  state: IViewState,
  z: number,
  t: number
): IViewState {
  return {
    ...state,
    z: clamp(Math.round(z), 0, info.z - 1),
    t: clamp(Math.round(t), 0, info.t - 1)
  };
}

/** OpenSeadragon's levels: `maxLevel` is level 0 at full resolution, a level below it
 * halves; `minLevel` is the coarsest the server draws (`maxScale`). */
export function osdLevels(info: IViewerInfo): {
  minLevel: number;
  maxLevel: number;
} {
  const longer = Math.max(info.width, info.height, 1);
  const maxLevel = Math.ceil(Math.log2(longer));
  return { minLevel: Math.max(0, maxLevel - info.maxScale), maxLevel };
}

/** The tile scale the server draws at `zoom` screen pixels per level-0 pixel. */
export function scaleForZoom(info: IViewerInfo, zoom: number): number {
  if (!(zoom > 0)) {
    return info.maxScale;
  }
  const scale = Math.floor(Math.log2(1 / zoom));
  return clamp(scale, 0, info.maxScale);
}

/** The pyramid level the server reads for tiles of `scale`: the coarsest one whose
 * downsampling is at most 2**scale (as the server picks it). */
export function levelForScale(info: IViewerInfo, scale: number): number {
  let chosen = 0;
  info.levels.forEach((level, index) => {
    if (level.downsample <= 2 ** scale * 1.01) {
      chosen = index;
    }
  });
  return chosen;
}

/** The query of the tile (x, y) at `scale` for this state: only the visible channels. */
export function tileQuery(
  state: IViewState,
  scale: number,
  x: number,
  y: number
): string {
  const shown = state.channels.filter(channel => channel.visible);
  const params = new URLSearchParams({
    scale: String(scale),
    x: String(x),
    y: String(y),
    z: String(state.z),
    t: String(state.t),
    channels: shown.map(channel => channel.index).join(','),
    windows: shown.map(channel => `${channel.start}:${channel.end}`).join(','),
    colors: shown.map(channel => channel.color).join(',')
  });
  if (state.labels.length > 0) {
    params.set('labels', state.labels.join(','));
  }
  return params.toString();
}

const UNIT_SYMBOLS: Record<string, string> = {
  micrometer: 'µm',
  um: 'µm',
  nanometer: 'nm',
  millimeter: 'mm',
  centimeter: 'cm',
  meter: 'm',
  angstrom: 'Å'
};

/** How a unit is written beside a number: "µm" for "micrometer" (or "um"). */
export function unitSymbol(unit: string | null): string {
  return unit ? (UNIT_SYMBOLS[unit] ?? unit) : '';
}

/** A scale bar of a round length (1, 2 or 5 times a power of ten) about `target` screen
 * pixels long, at `zoom` screen pixels per level-0 pixel; null without a pixel size. */
export function scaleBar(
  info: IViewerInfo,
  zoom: number,
  target = 100
): { pixels: number; label: string } | null {
  const size = info.pixelSize;
  if (!size || !(size.x > 0) || !(zoom > 0)) {
    return null;
  }
  const perScreenPixel = size.x / zoom;
  const wanted = perScreenPixel * target;
  const power = 10 ** Math.floor(Math.log10(wanted));
  const length =
    [5, 2, 1].map(step => step * power).find(step => step <= wanted) ?? power;
  const unit = size.unit ? unitSymbol(size.unit) : 'px';
  return {
    pixels: length / perScreenPixel,
    label: `${Number(length.toPrecision(3))} ${unit}`
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
