import { ReactWidget } from '@jupyterlab/apputils';
import * as React from 'react';

import type { ISubmitJobRequest } from '../api';
import {
  buildRequest,
  ConvertForm,
  initialValues
} from '../convert/ConvertForm';
import {
  buildMetadata,
  metadataValues,
  NO_METADATA
} from '../convert/metadataOptions';
import { makeEntry, makeRoot } from './fakes';
import { show, typeInto, until } from './render';

const ROOT = makeRoot('demo');
const TIFF = makeEntry('raw/stack.tif', { kind: 'tiff' });

describe('the metadata of a conversion', () => {
  it('is left out when nothing is given', () => {
    expect(buildMetadata(NO_METADATA)).toBeUndefined();
    const request = buildRequest(ROOT, TIFF, initialValues(TIFF));
    expect((request as ISubmitJobRequest).options.metadata).toBeUndefined();
  });

  it('reads pixel sizes, units, axis names and channels as people type them', () => {
    expect(
      buildMetadata({
        pixelSizes: 'z=2, y=0.5, x=0.5',
        units: 'micrometer',
        axisNames: 'c z y x',
        channels: [
          { label: 'DAPI', color: '0000ff' },
          { label: '', color: '' },
          { label: 'GFP', color: '' }
        ]
      })
    ).toEqual({
      pixel_sizes: { z: 2, y: 0.5, x: 0.5 },
      units: { z: 'micrometer', y: 'micrometer', x: 'micrometer' },
      axis_names: ['c', 'z', 'y', 'x'],
      channels: [
        { index: 0, label: 'DAPI', color: '0000FF' },
        { index: 2, label: 'GFP' }
      ]
    });
    expect(
      buildMetadata({ ...NO_METADATA, units: 'z=micrometer; t=second' })
    ).toEqual({ units: { z: 'micrometer', t: 'second' } });
  });

  it.each([
    [{ pixelSizes: 'z 2' }, 'Pixel sizes: write them as z=2, y=0.5, x=0.5.'],
    [{ pixelSizes: 'z=0' }, 'Pixel sizes: z=0 is not a number above 0.'],
    [
      { pixelSizes: 'x=1', units: 'um' },
      'Units: "um" is not an OME-NGFF unit (micrometer, nanometer, second...).'
    ],
    [
      { units: 'micrometer' },
      'Units: name the axes (z=micrometer), or give pixel sizes.'
    ],
    [{ axisNames: 'y, y' }, 'Axis names: each name once.'],
    [
      { channels: [{ label: '', color: 'blue' }] },
      'Channel 0: a colour is RRGGBB in hexadecimal.'
    ]
  ])('says what is wrong with %p', (values, problem) => {
    expect(buildMetadata({ ...NO_METADATA, ...values })).toBe(problem);
    expect(
      buildRequest(ROOT, TIFF, {
        ...initialValues(TIFF),
        metadata: { ...NO_METADATA, ...values }
      })
    ).toBe(problem);
  });

  it('fills the form from a preset and back to the same option', () => {
    const metadata = {
      pixel_sizes: { z: 2, x: 0.5 },
      units: { z: 'micrometer' },
      axis_names: ['z', 'y', 'x'],
      channels: [{ index: 1, label: 'GFP', color: '00FF00' }]
    };
    const values = metadataValues(metadata);
    expect(values.pixelSizes).toBe('z=2, x=0.5');
    expect(buildMetadata(values)).toEqual(metadata);
    const preset = initialValues(TIFF, {
      kind: 'tiff-to-ome-zarr',
      options: { metadata }
    });
    expect(preset.metadata).toEqual(values);
  });

  it('sends what the form says in the job', async () => {
    const submitted: ISubmitJobRequest[] = [];
    const widget = ReactWidget.create(
      <ConvertForm
        root={ROOT}
        entry={TIFF}
        submit={async request => {
          submitted.push(request);
          return new Promise<never>(() => undefined);
        }}
      />
    );
    await show(widget);
    const node = widget.node;
    const type = (selector: string, text: string) =>
      typeInto(node.querySelector<HTMLInputElement>(selector)!, text);
    await until(() =>
      expect(
        node.querySelector('[data-section="convert-metadata"]')
      ).not.toBeNull()
    );
    type('input[name="pixel_sizes"]', 'z=2, y=0.5, x=0.5');
    type('input[name="units"]', 'micrometer');
    node.querySelector<HTMLElement>('[data-action="add-channel"]')!.click();
    await until(() =>
      expect(node.querySelector('input[name="channel-label-0"]')).not.toBeNull()
    );
    type('input[name="channel-label-0"]', 'DAPI');
    // Let React render the typed label before the form is submitted.
    await new Promise(resolve => setTimeout(resolve, 0));
    node
      .querySelector<HTMLElement>('[data-action="start-conversion"]')!
      .click();
    await until(() => expect(submitted).toHaveLength(1));
    expect(submitted[0].options.metadata).toEqual({
      pixel_sizes: { z: 2, y: 0.5, x: 0.5 },
      units: { z: 'micrometer', y: 'micrometer', x: 'micrometer' },
      channels: [{ index: 0, label: 'DAPI' }]
    });
    widget.dispose();
  });
});
