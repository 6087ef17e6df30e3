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
    expect(buildMetadata(NO_METADATA)).toEqual({});
    const request = buildRequest(ROOT, TIFF, initialValues(TIFF));
    const options = (request as ISubmitJobRequest).options;
    for (const name of ['pixel_sizes', 'units', 'axis_names', 'image_name']) {
      expect(options).not.toHaveProperty(name);
    }
    expect(options).not.toHaveProperty('channel_labels');
  });

  it('reads pixel sizes, units, axis names and channels as people type them', () => {
    expect(
      buildMetadata({
        pixelSizes: 'z=2, y=0.5, x=0.5',
        units: 'micrometer',
        axisNames: 'c, z, y, x',
        imageName: ' nuclei ',
        channels: [
          { label: 'DAPI', color: '0000ff' },
          { label: 'GFP', color: '#00FF00' }
        ]
      })
    ).toEqual({
      pixel_sizes: { z: 2, y: 0.5, x: 0.5 },
      units: { space: 'micrometer' },
      axis_names: 'czyx',
      image_name: 'nuclei',
      channel_labels: ['DAPI', 'GFP'],
      channel_colors: ['0000FF', '00FF00']
    });
    expect(
      buildMetadata({ ...NO_METADATA, units: 'z=micrometer; t=second' })
    ).toEqual({ units: { z: 'micrometer', t: 'second' } });
  });

  it.each([
    [{ pixelSizes: 'z 2' }, 'Pixel sizes: write them as z=2, y=0.5, x=0.5.'],
    [{ pixelSizes: 'z=0' }, 'Pixel sizes: z=0 is not a number above 0.'],
    [
      { pixelSizes: 'c=1' },
      'Pixel sizes: c is not one of the axes t, z, y, x.'
    ],
    [
      { units: 'um' },
      'Units: "um" is not an OME-NGFF length unit (micrometer, ...).'
    ],
    [
      { units: 't=micrometer' },
      'Units: "micrometer" is not an OME-NGFF time unit (second, ...).'
    ],
    [
      { axisNames: 'x, y' },
      'Axis names: letters of t, c, z, y, x, each once, in that order.'
    ],
    [
      { channels: [{ label: '', color: '0000FF' }] },
      'Channel 0: give it a label.'
    ],
    [
      { channels: [{ label: 'A', color: 'blue' }] },
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

  it('fills the form from a preset and back to the same options', () => {
    const options = {
      pixel_sizes: { z: 2, x: 0.5 },
      units: { space: 'micrometer' },
      axis_names: 'zyx',
      channel_labels: ['DAPI', 'GFP'],
      channel_colors: ['0000FF', '00FF00']
    };
    const values = metadataValues(options);
    expect(values.pixelSizes).toBe('z=2, x=0.5');
    expect(values.units).toBe('micrometer');
    expect(buildMetadata(values)).toEqual(options);
    const preset = initialValues(TIFF, { kind: 'tiff-to-ome-zarr', options });
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
    expect(submitted[0].options).toMatchObject({
      pixel_sizes: { z: 2, y: 0.5, x: 0.5 },
      units: { space: 'micrometer' },
      channel_labels: ['DAPI'],
      channel_colors: ['0000FF']
    });
    widget.dispose();
  });
});
