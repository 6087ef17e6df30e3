import {
  initialState,
  IViewerInfo,
  levelForScale,
  osdLevels,
  scaleBar,
  scaleForZoom,
  setLabel,
  setPlane,
  setVisible,
  setWindow,
  tileQuery
} from '../viewer/viewerState';

/** A 2048 x 1024 image of three levels (1, 2, 4), 16 z planes and two channels. */
const INFO: IViewerInfo = {
  root: 'lab',
  path: 'cells.ome.zarr',
  width: 2048,
  height: 1024,
  tileSize: 256,
  maxScale: 3,
  levels: [
    { width: 2048, height: 1024, downsample: 1 },
    { width: 1024, height: 512, downsample: 2 },
    { width: 512, height: 256, downsample: 4 }
  ],
  z: 16,
  t: 3,
  dtype: 'uint16',
  channels: [
    {
      name: 'DAPI',
      color: '0000FF',
      active: true,
      window: { start: 100, end: 2000, min: 0, max: 65535 }
    },
    {
      name: 'GFP',
      color: '00FF00',
      active: false,
      window: { start: null, end: null, min: null, max: null }
    }
  ],
  pixelSize: { x: 0.5, y: 0.5, unit: 'micrometer' },
  labels: ['cells', 'nuclei']
};

describe('viewer state', () => {
  it('starts at the middle z, t 0, with the metadata colours, windows and active channels', () => {
    const state = initialState(INFO);
    expect(state.z).toBe(8);
    expect(state.t).toBe(0);
    expect(state.channels.map(c => [c.name, c.color, c.visible])).toEqual([
      ['DAPI', '0000FF', true],
      ['GFP', '00FF00', false]
    ]);
    expect(state.channels[0]).toMatchObject({
      start: 100,
      end: 2000,
      min: 0,
      max: 65535
    });
    // No window and no range (a float image): a usable 0..1 window.
    expect(state.channels[1]).toMatchObject({
      start: 0,
      end: 1,
      min: 0,
      max: 1
    });
  });

  it('keeps contrast windows inside the range and their start below their end', () => {
    let state = setWindow(initialState(INFO), 0, -50, 70000);
    expect(state.channels[0]).toMatchObject({ start: 0, end: 65535 });
    state = setWindow(state, 0, 3000, 1000);
    expect(state.channels[0].start).toBe(3000);
    expect(state.channels[0].end).toBeGreaterThan(3000);
    expect(state.channels[1]).toEqual(initialState(INFO).channels[1]);
  });

  it('keeps z and t inside the image', () => {
    const state = setPlane(INFO, initialState(INFO), 40, -2);
    expect([state.z, state.t]).toEqual([15, 0]);
  });

  it('maps OpenSeadragon levels to the server tile scales', () => {
    expect(osdLevels(INFO)).toEqual({ minLevel: 8, maxLevel: 11 });
  });

  it('picks the tile scale and pyramid level for a zoom', () => {
    expect(scaleForZoom(INFO, 2)).toBe(0); // zoomed in past full resolution
    expect(scaleForZoom(INFO, 1)).toBe(0);
    expect(scaleForZoom(INFO, 0.5)).toBe(1);
    expect(scaleForZoom(INFO, 0.3)).toBe(1);
    expect(scaleForZoom(INFO, 0.01)).toBe(3); // never coarser than the server draws
    expect([0, 1, 2, 3].map(scale => levelForScale(INFO, scale))).toEqual([
      0, 1, 2, 2
    ]);
  });

  it('asks tiles for the visible channels with their windows and colours', () => {
    let state = setVisible(initialState(INFO), 1, true);
    state = setWindow(state, 1, 0.25, 0.75);
    const query = new URLSearchParams(tileQuery(state, 2, 3, 1));
    expect(Object.fromEntries(query)).toEqual({
      scale: '2',
      x: '3',
      y: '1',
      z: '8',
      t: '0',
      channels: '0,1',
      windows: '100:2000,0.25:0.75',
      colors: '0000FF,00FF00'
    });
    const hidden = new URLSearchParams(
      tileQuery(setVisible(state, 0, false), 0, 0, 0)
    );
    expect(hidden.get('channels')).toBe('1');
    expect(hidden.get('colors')).toBe('00FF00');
    expect(hidden.has('labels')).toBe(false);
  });

  it('draws the label images asked for over the channels', () => {
    let state = setLabel(initialState(INFO), 'nuclei', true);
    state = setLabel(state, 'cells', true);
    expect(new URLSearchParams(tileQuery(state, 0, 0, 0)).get('labels')).toBe(
      'nuclei,cells'
    );
    state = setLabel(state, 'nuclei', false);
    expect(state.labels).toEqual(['cells']);
  });

  it('draws a round scale bar in the dataset unit', () => {
    // 1 screen pixel per image pixel of 0.5 µm: 100 px ~ 50 µm.
    expect(scaleBar(INFO, 1)).toEqual({ pixels: 100, label: '50 µm' });
    // Zoomed out 4x: 100 px ~ 200 µm.
    expect(scaleBar(INFO, 0.25)).toEqual({ pixels: 100, label: '200 µm' });
    expect(scaleBar({ ...INFO, pixelSize: null }, 1)).toBeNull();
  });
});
