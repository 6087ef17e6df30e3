import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import {
  ChannelHistogram,
  HISTOGRAM_DELAY_MS,
  IHistogram,
  IHistogramAPI,
  IRegion,
  useViewHistograms
} from '../viewer/histogram';
import { IViewState } from '../viewer/viewerState';
import { show, until } from './render';

const VIEW: IViewState = {
  z: 3,
  t: 0,
  labels: [],
  channels: [
    {
      index: 0,
      name: 'DAPI',
      color: '0000FF',
      visible: true,
      start: 10,
      end: 20,
      min: 0,
      max: 255
    }
  ]
};

/** An answer whose channel 0 counted `count` values. */
function answer(count: number): IHistogram {
  return {
    level: 1,
    region: { x0: 0, y0: 0, x1: 1, y1: 1 },
    z: 3,
    t: 0,
    dtype: 'uint8',
    channels: [
      {
        channel: 0,
        name: 'DAPI',
        range: [0, 100],
        counts: [count],
        min: 0,
        max: 99,
        count,
        ignored: 0,
        outside: [0, 0],
        suggested: { start: 2, end: count }
      }
    ]
  };
}

/** A fake server: every request waits until the test answers it. */
function fakeAPI() {
  const asked: {
    query: string;
    reply: (found: IHistogram) => void;
    fail: (error: Error) => void;
  }[] = [];
  const api: IHistogramAPI = {
    histogram: (_root, _path, query) =>
      new Promise((resolve, reject) =>
        asked.push({ query, reply: resolve, fail: reject })
      )
  };
  return { api, asked };
}

function Probe(props: {
  api: IHistogramAPI;
  region: IRegion;
  onAuto: (start: number, end: number) => void;
}): JSX.Element {
  const shown = useViewHistograms(
    props.api,
    'lab',
    'a.zarr',
    VIEW,
    props.region
  );
  return (
    <ChannelHistogram
      channel={VIEW.channels[0]}
      histogram={shown.histogram?.channels[0]}
      level={shown.histogram?.level}
      error={shown.error}
      onAuto={props.onAuto}
    />
  );
}

class ProbeWidget extends ReactWidget {
  region: IRegion = { x0: 0, y0: 0, x1: 100, y1: 100 };
  autos: [number, number][] = [];
  constructor(private readonly _api: IHistogramAPI) {
    super();
  }
  render(): JSX.Element {
    return (
      <Probe
        api={this._api}
        region={this.region}
        onAuto={(start, end) => this.autos.push([start, end])}
      />
    );
  }
}

const rest = () =>
  new Promise(resolve => setTimeout(resolve, HISTOGRAM_DELAY_MS + 100));

describe('the histograms of the view', () => {
  beforeEach(() => {
    // jsdom has no 2D canvas: nothing is drawn here (the UI test reads the pixels).
    jest.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    document.body.innerHTML = '';
  });

  it('are asked for once the view rests, and a late older answer is dropped', async () => {
    const { api, asked } = fakeAPI();
    const widget = new ProbeWidget(api);
    await show(widget);
    for (const x1 of [90, 80, 70]) {
      widget.region = { x0: 0, y0: 0, x1, y1: 100 };
      widget.update();
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    await rest();
    expect(
      asked.map(({ query }) => new URLSearchParams(query).get('x1'))
    ).toEqual(['70']);
    expect(new URLSearchParams(asked[0].query).get('z')).toBe('3');

    widget.region = { x0: 0, y0: 0, x1: 50, y1: 50 };
    widget.update();
    await rest();
    expect(asked).toHaveLength(2);
    asked[1].reply(answer(2500));
    asked[0].reply(answer(7000)); // the older region's answer arrives last
    const element = () =>
      widget.node.querySelector(
        '[data-testid="viewer-histogram"]'
      ) as HTMLElement;
    await until(() => expect(element().dataset.count).toBe('2500'));
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(element().dataset.count).toBe('2500');
    expect(element().dataset.level).toBe('1');

    (
      widget.node.querySelector(
        '[data-action="auto-window"]'
      ) as HTMLButtonElement
    ).click();
    expect(widget.autos).toEqual([[2, 2500]]);
  });

  it('has auto disabled until there is a suggested window', async () => {
    const { api } = fakeAPI();
    const widget = new ProbeWidget(api);
    await show(widget);
    const button = widget.node.querySelector(
      '[data-action="auto-window"]'
    ) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
  });

  it('shows no counts of an older view when the server refuses the new one', async () => {
    const { api, asked } = fakeAPI();
    const widget = new ProbeWidget(api);
    await show(widget);
    await rest();
    asked[0].reply(answer(10000));
    const element = () =>
      widget.node.querySelector(
        '[data-testid="viewer-histogram"]'
      ) as HTMLElement;
    await until(() => expect(element().dataset.count).toBe('10000'));
    widget.region = { x0: 0, y0: 0, x1: 60, y1: 60 };
    widget.update();
    await rest();
    asked[1].fail(new Error("the image's chunks are too large for the viewer"));
    await until(() => expect(element().dataset.error).toContain('too large'));
    expect(element().dataset.count).toBe('');
    expect(
      (
        widget.node.querySelector(
          '[data-action="auto-window"]'
        ) as HTMLButtonElement
      ).disabled
    ).toBe(true);
  });
});
