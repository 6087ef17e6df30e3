/**
 * The Convert form: what to convert to (from `conversionChoices`), where (a path of the
 * same root, editable), and the options that apply, with the server's defaults left
 * unset; an import to OME-Zarr also takes metadata (pixel sizes, units, axis names,
 * channel labels and colours) over the source's. Submitting starts a background job;
 * errors in the form are said beside it.
 */
import { Notification } from '@jupyterlab/apputils';
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import type {
  IConversionOptions,
  IEntry,
  IHealthFix,
  IJob,
  IRoot,
  ISubmitJobRequest
} from '../api';
import { errorMessage } from '../share/ShareTab';
import { conversionChoices, parseSizes } from './conversionChoices';
import {
  buildMetadata,
  defaultChannelColor,
  IChannelValues,
  IMetadataValues,
  metadataValues,
  NO_METADATA
} from './metadataOptions';

const CODECS = ['blosc-zstd', 'blosc-lz4', 'zstd', 'gzip', 'none'];
const TIFF_COMPRESSIONS = ['zlib', 'zstd', 'lzw', 'none'];

/** Conversions from a microscope's files, which build a pyramid of their own. */
function isImport(kind: string): boolean {
  return (
    kind === 'tiff-to-ome-zarr' ||
    kind === 'czi-to-ome-zarr' ||
    kind === 'series-to-ome-zarr'
  );
}

/** The request the form's values stand for, or the first problem with them. */
export function buildRequest(
  root: IRoot,
  entry: IEntry,
  values: IConvertValues
): ISubmitJobRequest | string {
  const choice = conversionChoices(entry)[values.choice];
  if (!choice) {
    return 'Pick what to convert to.';
  }
  const destination = values.destination.trim().replace(/^\/+/, '');
  if (!destination || destination === entry.path) {
    return 'Give the new file or folder a name.';
  }
  const options: IConversionOptions = { overwrite: values.overwrite };
  if (choice.writesZarr) {
    options.ngff_version = values.ngffVersion;
    options.codec = values.codec;
    options.compression_level = values.compressionLevel;
    const chunks = parseSizes(values.chunks);
    if (typeof chunks === 'string') {
      return `Chunks: ${chunks}`;
    }
    options.chunks = chunks;
    const shards = parseSizes(values.shards);
    if (typeof shards === 'string') {
      return `Shards: ${shards}`;
    }
    if (shards && values.ngffVersion !== '0.5') {
      return 'Shards need OME-NGFF 0.5 (Zarr v3).';
    }
    options.shards = shards;
  }
  if (choice.kind === 'series-to-ome-zarr') {
    options.pattern = values.pattern.trim() || null;
  }
  if (isImport(choice.kind)) {
    options.levels = values.levels ? Number(values.levels) : null;
    options.labels = values.labels;
    options.downsampling = values.downsampling || null;
    const metadata = buildMetadata(values.metadata);
    if (typeof metadata === 'string') {
      return metadata;
    }
    Object.assign(options, metadata);
  }
  if (choice.kind === 'zarr-to-tiff') {
    options.tiff_compression = values.tiffCompression;
    options.ome_tiff = /\.ome\.tiff?$/i.test(destination);
  }
  if (choice.perLevel) {
    options.level = values.level === '' ? null : Number(values.level);
    if (choice.kind === 'extract-level' && options.level === null) {
      return 'Pick the level to extract.';
    }
  }
  return {
    kind: choice.kind,
    source: { root: root.name, path: entry.path },
    destination: { root: root.name, path: destination },
    options
  };
}

export interface IConvertValues {
  choice: number;
  destination: string;
  ngffVersion: '0.4' | '0.5';
  codec: string;
  compressionLevel: number;
  levels: string;
  downsampling: '' | 'mean' | 'mode' | 'nearest';
  labels: boolean;
  chunks: string;
  shards: string;
  tiffCompression: string;
  level: string;
  overwrite: boolean;
  /** A file series' file names, e.g. "img_z{z}_c{c}.tif" ("": the server guesses). */
  pattern: string;
  /** Metadata over the source's (imports to OME-Zarr). */
  metadata: IMetadataValues;
}

/** The form's starting values; `preset` (a health warning's fix) picks the conversion
 * and fills in its options. */
export function initialValues(
  entry: IEntry,
  preset: IHealthFix | null = null,
  pattern = ''
): IConvertValues {
  const choices = conversionChoices(entry);
  const index = preset
    ? Math.max(
        0,
        choices.findIndex(choice => choice.kind === preset.kind)
      )
    : 0;
  const base = initialDefaults(choices[index]?.destination ?? '', index);
  const options = preset?.options ?? {};
  return {
    ...base,
    pattern,
    ngffVersion: options.ngff_version ?? base.ngffVersion,
    codec: options.codec ?? base.codec,
    compressionLevel: options.compression_level ?? base.compressionLevel,
    levels:
      options.levels === undefined || options.levels === null
        ? base.levels
        : String(options.levels),
    downsampling: options.downsampling ?? base.downsampling,
    labels: options.labels ?? base.labels,
    chunks: options.chunks ? options.chunks.join(', ') : base.chunks,
    shards: options.shards ? options.shards.join(', ') : base.shards,
    tiffCompression: options.tiff_compression ?? base.tiffCompression,
    level:
      options.level === undefined || options.level === null
        ? base.level
        : String(options.level),
    metadata: metadataValues(options)
  };
}

function initialDefaults(destination: string, choice: number): IConvertValues {
  return {
    choice,
    destination,
    // What the health notes recommend: Zarr v2 is flagged, v3-only viewers need 0.5.
    ngffVersion: '0.5',
    codec: 'blosc-zstd',
    compressionLevel: 5,
    levels: '',
    downsampling: '',
    labels: false,
    chunks: '',
    shards: '',
    tiffCompression: 'zlib',
    level: '',
    overwrite: false,
    pattern: '',
    metadata: NO_METADATA
  };
}

/** The fields of the form that hold text (or one of a few strings). */
type TextField = {
  [K in keyof IConvertValues]: IConvertValues[K] extends string ? K : never;
}[keyof IConvertValues];

/** The fields of the form that are a yes or no. */
type CheckField = {
  [K in keyof IConvertValues]: IConvertValues[K] extends boolean ? K : never;
}[keyof IConvertValues];

/** One option a value, each shown as itself. */
function Options(props: { names: string[] }): JSX.Element {
  return (
    <>
      {props.names.map(name => (
        <option key={name}>{name}</option>
      ))}
    </>
  );
}

function Row(props: { label: string; children: React.ReactNode }): JSX.Element {
  return (
    <label className="jp-Fileglancer-formRow">
      <span>{props.label}</span>
      {props.children}
    </label>
  );
}

/** The text fields of the optional metadata, named as in the job's option. */
const METADATA_TEXT_FIELDS: Array<{
  label: string;
  name: string;
  field: 'pixelSizes' | 'units' | 'axisNames' | 'imageName';
  placeholder: string;
}> = [
  {
    label: 'Pixel sizes',
    name: 'pixel_sizes',
    field: 'pixelSizes',
    placeholder: 'e.g. z=2, y=0.5, x=0.5'
  },
  {
    label: 'Units',
    name: 'units',
    field: 'units',
    placeholder: 'e.g. micrometer (every space axis), or z=micrometer, t=second'
  },
  {
    label: 'Axis names (of t, c, z, y, x, in order)',
    name: 'axis_names',
    field: 'axisNames',
    placeholder: "the source's, e.g. c, y, x"
  },
  {
    label: 'Image name',
    name: 'image_name',
    field: 'imageName',
    placeholder: "the source's"
  }
];

/** The optional metadata of an import: pixel sizes, units, axis names and channels. */
function MetadataFields(props: {
  values: IMetadataValues;
  set: (values: IMetadataValues) => void;
}): JSX.Element {
  const { values, set } = props;
  const text = (field: 'pixelSizes' | 'units' | 'axisNames' | 'imageName') => ({
    value: values[field],
    onChange: (event: React.ChangeEvent<HTMLInputElement>) =>
      set({ ...values, [field]: event.target.value })
  });
  const setChannel = (index: number, change: Partial<IChannelValues>) =>
    set({
      ...values,
      channels: values.channels.map((channel, i) =>
        i === index ? { ...channel, ...change } : channel
      )
    });
  return (
    <details
      className="jp-Fileglancer-more"
      data-section="convert-metadata"
      open={
        values.channels.length > 0 ||
        METADATA_TEXT_FIELDS.some(({ field }) => values[field] !== '')
      }
    >
      <summary>Metadata (optional, over the source's)</summary>
      {values.channels.length > 0 && (
        <p className="jp-Fileglancer-note">
          Channels from the first: a label and a colour each.
        </p>
      )}
      {METADATA_TEXT_FIELDS.map(({ label, name, field, placeholder }) => (
        <Row key={name} label={label}>
          <input name={name} placeholder={placeholder} {...text(field)} />
        </Row>
      ))}
      {values.channels.map((channel, i) => (
        <div key={i} className="jp-Fileglancer-editChannelRow" data-channel={i}>
          <input
            type="color"
            name={`channel-color-${i}`}
            aria-label={`Colour of channel ${i}`}
            value={`#${channel.color || 'FFFFFF'}`}
            onChange={event =>
              setChannel(i, {
                color: event.target.value.replace(/^#/, '').toUpperCase()
              })
            }
          />
          <input
            name={`channel-label-${i}`}
            aria-label={`Label of channel ${i}`}
            placeholder={`Channel ${i}`}
            value={channel.label}
            onChange={event => setChannel(i, { label: event.target.value })}
          />
          <Button
            type="button"
            small
            minimal
            title="Remove this channel's row (the rows below move up)"
            onClick={() =>
              set({
                ...values,
                channels: values.channels.filter((_, j) => j !== i)
              })
            }
          >
            ×
          </Button>
        </div>
      ))}
      <Button
        type="button"
        small
        minimal
        data-action="add-channel"
        onClick={() =>
          set({
            ...values,
            channels: [
              ...values.channels,
              {
                label: '',
                color: defaultChannelColor(values.channels.length)
              }
            ]
          })
        }
      >
        Name the next channel
      </Button>
    </details>
  );
}

export function ConvertForm(props: {
  root: IRoot;
  entry: IEntry;
  /** The level paths of a multiscale source, in declared order. */
  levels?: string[];
  /** Start from this conversion (a health warning's fix). */
  preset?: IHealthFix | null;
  /** A file series' pattern as the inspector read it (guessed from the names). */
  pattern?: string;
  submit: (request: ISubmitJobRequest) => Promise<IJob>;
  onSubmitted?: (job: IJob) => void;
}): JSX.Element {
  const { root, entry } = props;
  const choices = conversionChoices(entry);
  const preset = props.preset ?? null;
  const [values, setValues] = React.useState(() =>
    initialValues(entry, preset, props.pattern)
  );
  const [problem, setProblem] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  React.useEffect(() => {
    setValues(initialValues(entry, preset, props.pattern));
    setProblem(null);
  }, [root.name, entry.path, preset, props.pattern]);
  if (choices.length === 0) {
    return (
      <p className="jp-Fileglancer-note">
        Fileglancer converts TIFF, OME-TIFF and CZI files and folders of TIFF
        planes to OME-Zarr, and OME-Zarr or Zarr arrays to TIFF or recompressed
        Zarr.
      </p>
    );
  }
  const choice = choices[values.choice] ?? choices[0];
  const set = (changes: Partial<IConvertValues>) =>
    setValues(current => ({ ...current, ...changes }));
  /** The props that tie an input or a select (named as in the request) to a field. */
  const bind = (name: string, field: TextField) => ({
    name,
    value: values[field],
    onChange: (
      event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>
    ) => set({ [field]: event.target.value } as Partial<IConvertValues>)
  });
  /** A checkbox tied to a yes/no field, with its text beside it. */
  const check = (name: string, field: CheckField, text: string) => (
    <label className="jp-Fileglancer-formCheck">
      <input
        name={name}
        type="checkbox"
        checked={values[field]}
        onChange={event => set({ [field]: event.target.checked })}
      />
      {text}
    </label>
  );
  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    const request = buildRequest(root, entry, values);
    if (typeof request === 'string') {
      setProblem(request);
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const job = await props.submit(request);
      Notification.info(
        `Converting ${entry.name} to ${request.destination.path} in the background.`,
        { autoClose: 4000 }
      );
      props.onSubmitted?.(job);
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="jp-Fileglancer-convertForm"
      onSubmit={event => void onSubmit(event)}
    >
      <Row label="Convert to">
        <select
          name="choice"
          value={values.choice}
          onChange={event => {
            const index = Number(event.target.value);
            set({ choice: index, destination: choices[index].destination });
          }}
        >
          {choices.map((option, i) => (
            <option key={option.kind} value={i}>
              {option.label}
            </option>
          ))}
        </select>
      </Row>
      <Row label={`Save as (in ${root.title})`}>
        <input {...bind('destination', 'destination')} />
      </Row>
      {choice.kind === 'series-to-ome-zarr' && (
        <Row label="File names (axes in braces)">
          <input
            placeholder="guessed, e.g. img_t{t}_z{z}_c{c}.tif"
            {...bind('pattern', 'pattern')}
          />
        </Row>
      )}
      {choice.perLevel && props.levels && props.levels.length > 0 && (
        <Row label="Resolution level">
          <select {...bind('level', 'level')}>
            {choice.kind === 'zarr-to-tiff' && (
              <option value="">Whole pyramid (SubIFDs)</option>
            )}
            {choice.kind === 'extract-level' && (
              <option value="" disabled>
                Pick a level…
              </option>
            )}
            {props.levels.map((path, i) => (
              <option key={path} value={String(i)}>
                {path}
                {i === 0 ? ' (full resolution)' : ''}
              </option>
            ))}
          </select>
        </Row>
      )}
      {choice.writesZarr && (
        <>
          <Row label="Format">
            <select {...bind('ngff_version', 'ngffVersion')}>
              <option value="0.4">OME-NGFF 0.4 (Zarr v2)</option>
              <option value="0.5">OME-NGFF 0.5 (Zarr v3)</option>
            </select>
          </Row>
          <Row label="Compression">
            <select {...bind('codec', 'codec')}>
              <Options names={CODECS} />
            </select>
            <input
              name="compression_level"
              type="number"
              min={0}
              max={22}
              aria-label="Compression level"
              value={values.compressionLevel}
              onChange={event =>
                set({ compressionLevel: Number(event.target.value) })
              }
            />
          </Row>
          <Row label="Chunks (trailing axes)">
            <input
              placeholder="default, e.g. 64, 256, 256"
              {...bind('chunks', 'chunks')}
            />
          </Row>
          {values.ngffVersion === '0.5' && (
            <Row label="Shards (optional)">
              <input
                placeholder="none, e.g. 128, 1024, 1024"
                {...bind('shards', 'shards')}
              />
            </Row>
          )}
        </>
      )}
      {isImport(choice.kind) && (
        <>
          <Row label="Pyramid levels">
            <input
              type="number"
              min={1}
              placeholder="until one chunk"
              {...bind('levels', 'levels')}
            />
          </Row>
          <Row label="Downsampling">
            <select {...bind('downsampling', 'downsampling')}>
              <option value="">mean (mode for labels)</option>
              <option value="mean">mean</option>
              <option value="mode">mode</option>
              <option value="nearest">nearest</option>
            </select>
          </Row>
          {check('labels', 'labels', 'This is a label image')}
          <MetadataFields
            values={values.metadata}
            set={metadata => set({ metadata })}
          />
        </>
      )}
      {choice.kind === 'zarr-to-tiff' && (
        <Row label="TIFF compression">
          <select {...bind('tiff_compression', 'tiffCompression')}>
            <Options names={TIFF_COMPRESSIONS} />
          </select>
        </Row>
      )}
      {check('overwrite', 'overwrite', 'Replace the destination if it exists')}
      {problem && (
        <p className="jp-Fileglancer-formProblem" role="alert">
          {problem}
        </p>
      )}
      <Button type="submit" disabled={busy} data-action="start-conversion">
        {busy ? 'Starting…' : 'Convert'}
      </Button>
    </form>
  );
}
