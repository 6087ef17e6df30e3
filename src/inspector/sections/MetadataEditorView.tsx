/**
 * The Metadata tab's Edit mode: the form of a `MetadataEditor` (image name, axes, pixel
 * sizes, time spacing, translation, channels with colour pickers, windows and active
 * flags), auto contrast, a preview of the change (old -> new, from a dry run) and saving.
 * The toolbar above the read-only metadata opens it, or undoes the last change.
 */
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { JSONValue } from '../../api';
import { useSignal } from '../../common/hooks';
import { unitSymbol } from '../format';
import {
  AXIS_TYPES,
  geometryEditable,
  IEditorDraft,
  MetadataEditor,
  unitsFor,
  windowRange
} from '../metadataEditor';
import { Section } from './common';

/** The problem with one field, under it. */
function FieldError(props: {
  editor: MetadataEditor;
  name: string;
}): JSX.Element | null {
  const error = props.editor.error(props.name);
  return error ? (
    <span
      className="jp-Fileglancer-fieldError"
      role="alert"
      data-error-for={props.name}
    >
      {error}
    </span>
  ) : null;
}

/** A text or number input bound to one string of the draft. */
function DraftInput(props: {
  editor: MetadataEditor;
  name: string;
  label: string;
  value: string;
  set: (draft: IEditorDraft, value: string) => void;
  type?: 'text' | 'number';
  min?: number;
  max?: number;
  disabled: boolean;
}): JSX.Element {
  const { editor, name } = props;
  return (
    <input
      className="jp-mod-styled"
      data-edit={name}
      aria-label={props.label}
      aria-invalid={editor.error(name) ? true : undefined}
      type={props.type ?? 'text'}
      step="any"
      min={props.min}
      max={props.max}
      value={props.value}
      disabled={props.disabled}
      onChange={event => {
        const value = event.target.value;
        editor.update(draft => props.set(draft, value));
      }}
    />
  );
}

/** "old -> new" of one change, values as compact JSON. */
function changeText(value: JSONValue): string {
  if (value === null || value === undefined) {
    return '—';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The changes a save would make, from the server's dry run. */
export function ChangePreview(props: {
  editor: MetadataEditor;
}): JSX.Element | null {
  const changes = props.editor.preview;
  if (!changes || changes.length === 0) {
    return null;
  }
  return (
    <div className="jp-Fileglancer-editPreview" data-section="edit-preview">
      <h4 className="jp-Fileglancer-subTitle">Saving will change</h4>
      <ul>
        {changes.map(change => (
          <li key={change.field} data-change={change.field}>
            <code>{change.field}</code>: {changeText(change.old)} →{' '}
            <strong>{changeText(change.new)}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The Edit / Undo buttons above the metadata (the Edit one disabled with the reason). */
export function EditToolbar(props: {
  editor: MetadataEditor;
  onEdit: () => void;
}): JSX.Element {
  const { editor } = props;
  useSignal(editor.changed);
  const reason = editor.readOnlyReason;
  const busy = editor.status !== 'idle';
  return (
    <div className="jp-Fileglancer-editToolbar">
      <Button
        type="button"
        small
        data-action="edit-metadata"
        disabled={reason !== null}
        title={reason ?? 'Change the name, axes, pixel sizes and channels'}
        onClick={props.onEdit}
      >
        Edit
      </Button>
      {editor.original.can_undo && reason === null && (
        <Button
          type="button"
          small
          minimal
          data-action="undo-edit"
          disabled={busy}
          onClick={() => void editor.undo()}
        >
          {editor.status === 'undoing' ? 'Undoing…' : 'Undo last edit'}
        </Button>
      )}
      {reason !== null && (
        <span className="jp-Fileglancer-note" data-field="not-writable">
          {reason}
        </span>
      )}
      <EditorMessage editor={editor} />
    </div>
  );
}

function EditorMessage(props: {
  editor: MetadataEditor;
  onReload?: () => void;
}): JSX.Element | null {
  const message = props.editor.message;
  if (!message) {
    return null;
  }
  return (
    <p
      className={
        message.level === 'error'
          ? 'jp-Fileglancer-formProblem'
          : 'jp-Fileglancer-note'
      }
      role={message.level === 'error' ? 'alert' : 'status'}
      data-field="edit-message"
    >
      {message.text}
      {props.editor.stale && props.onReload && (
        <>
          {' '}
          <Button
            type="button"
            small
            minimal
            data-action="reload-entry"
            onClick={props.onReload}
          >
            Reload
          </Button>
        </>
      )}
    </p>
  );
}

/** The form of the editor; `focus` is a field key to focus first (a health fix's). */
export function MetadataEditorView(props: {
  editor: MetadataEditor;
  focus?: string | null;
  onDone: () => void;
  onReload: () => void;
}): JSX.Element {
  const { editor } = props;
  useSignal(editor.changed);
  const form = React.useRef<HTMLFormElement>(null);
  React.useEffect(() => {
    const focus = props.focus;
    if (focus && form.current) {
      const target = form.current.querySelector<HTMLElement>(
        `[data-edit="${focus}"], [data-edit^="${focus}."]`
      );
      target?.focus();
      target?.scrollIntoView?.({ block: 'nearest' });
    }
  }, [props.focus]);
  const draft = editor.draft;
  const original = editor.original;
  const busy = editor.status !== 'idle';
  const disabled = busy || editor.readOnlyReason !== null;
  const input = (
    name: string,
    label: string,
    value: string,
    set: (draft: IEditorDraft, value: string) => void,
    extra: {
      type?: 'text' | 'number';
      min?: number;
      max?: number;
      disabled?: boolean;
    } = {}
  ) => (
    <DraftInput
      editor={editor}
      name={name}
      label={label}
      value={value}
      set={set}
      type={extra.type}
      min={extra.min}
      max={extra.max}
      disabled={disabled || extra.disabled === true}
    />
  );
  const unitOf = (i: number) => draft.axes[i]?.unit || '';
  const geometry = geometryEditable(original);
  const scaled = draft.axes
    .map((axis, i) => ({ axis, i }))
    .filter(({ axis }) => axis.type !== 'channel');
  const onSave = async (event: React.FormEvent) => {
    event.preventDefault();
    if (await editor.save()) {
      props.onDone();
    }
  };
  return (
    <form
      ref={form}
      className="jp-Fileglancer-metaEditor"
      data-section="metadata-editor"
      onSubmit={event => void onSave(event)}
    >
      <Section title="Image" name="edit-image">
        <label className="jp-Fileglancer-formRow">
          <span>Name</span>
          {input('name', 'Image name', draft.name, (d, v) => (d.name = v))}
          <FieldError editor={editor} name="name" />
        </label>
      </Section>
      <Section title="Axes" name="edit-axes">
        <div className="jp-Fileglancer-editGrid" data-columns="3">
          <span>Name</span>
          <span>Type</span>
          <span>Unit</span>
          {draft.axes.map((axis, i) => {
            const units = unitsFor(axis.type);
            const types =
              AXIS_TYPES.includes(axis.type) || !axis.type
                ? AXIS_TYPES
                : [...AXIS_TYPES, axis.type];
            return (
              <React.Fragment key={i}>
                {input(
                  `axes.${i}.name`,
                  `Name of axis ${i + 1}`,
                  axis.name,
                  (d, v) => (d.axes[i].name = v)
                )}
                <select
                  className="jp-mod-styled"
                  data-edit={`axes.${i}.type`}
                  aria-label={`Type of axis ${axis.name}`}
                  value={axis.type}
                  disabled={disabled}
                  onChange={event => {
                    const type = event.target.value;
                    editor.update(d => {
                      d.axes[i].type = type;
                      if (!unitsFor(type).includes(d.axes[i].unit)) {
                        d.axes[i].unit = '';
                      }
                    });
                  }}
                >
                  <option value="">none</option>
                  {types.map(type => (
                    <option key={type}>{type}</option>
                  ))}
                </select>
                <select
                  className="jp-mod-styled"
                  data-edit={`axes.${i}.unit`}
                  aria-label={`Unit of axis ${axis.name}`}
                  value={axis.unit}
                  disabled={disabled || units.length === 0}
                  onChange={event => {
                    const unit = event.target.value;
                    editor.update(d => (d.axes[i].unit = unit));
                  }}
                >
                  <option value="">none</option>
                  {axis.unit && !units.includes(axis.unit) && (
                    <option>{axis.unit}</option>
                  )}
                  {units.map(unit => (
                    <option key={unit}>{unit}</option>
                  ))}
                </select>
                <FieldError editor={editor} name={`axes.${i}.name`} />
                <FieldError editor={editor} name={`axes.${i}.unit`} />
              </React.Fragment>
            );
          })}
        </div>
        <FieldError editor={editor} name="axes" />
      </Section>
      <Section title="Pixel size and position" name="edit-scale">
        <p className="jp-Fileglancer-note">
          {geometry
            ? 'Of the full-resolution level; every other level keeps its factor.'
            : `OME-NGFF ${original.version ?? ''} stores no pixel sizes: convert to 0.4 or later to set them.`}
        </p>
        <div className="jp-Fileglancer-editGrid" data-columns="3">
          <span>Axis</span>
          <span>Pixel size</span>
          <span>Translation</span>
          {scaled.map(({ axis, i }) => (
            <React.Fragment key={i}>
              <span data-axis={axis.name}>
                {axis.type === 'time' ? 'Time spacing' : axis.name}
                {unitOf(i) && (
                  <span className="jp-Fileglancer-note">
                    {' '}
                    ({unitSymbol(unitOf(i))})
                  </span>
                )}
              </span>
              {input(
                `pixel_sizes.${i}`,
                `Pixel size of ${axis.name}`,
                draft.pixelSizes[i] ?? '',
                (d, v) => (d.pixelSizes[i] = v),
                { type: 'number', min: 0, disabled: !geometry }
              )}
              {input(
                `translation.${i}`,
                `Translation of ${axis.name}`,
                draft.translation[i] ?? '',
                (d, v) => (d.translation[i] = v),
                { type: 'number', disabled: !geometry }
              )}
              <FieldError editor={editor} name={`pixel_sizes.${i}`} />
              <FieldError editor={editor} name={`translation.${i}`} />
            </React.Fragment>
          ))}
        </div>
        <FieldError editor={editor} name="pixel_sizes" />
        <FieldError editor={editor} name="translation" />
      </Section>
      {draft.channels.length > 0 && (
        <Section title="Channels" name="edit-channels">
          <Button
            type="button"
            small
            data-action="auto-contrast"
            disabled={disabled}
            title="Set every channel's window from the data (a sample of the smallest level)"
            onClick={() => void editor.suggestContrast()}
          >
            {editor.status === 'auto-contrast' ? 'Computing…' : 'Auto contrast'}
          </Button>
          {draft.channels.map((channel, i) => {
            const range = windowRange(original, i);
            return (
              <fieldset
                key={i}
                className="jp-Fileglancer-editChannel"
                data-channel={i}
              >
                <legend>Channel {i}</legend>
                <div className="jp-Fileglancer-editChannelRow">
                  <input
                    type="color"
                    data-edit={`channels.${i}.color`}
                    aria-label={`Colour of channel ${i}`}
                    value={`#${channel.color || 'FFFFFF'}`}
                    disabled={disabled}
                    onChange={event => {
                      const color = event.target.value
                        .replace(/^#/, '')
                        .toUpperCase();
                      editor.update(d => (d.channels[i].color = color));
                    }}
                  />
                  {input(
                    `channels.${i}.label`,
                    `Label of channel ${i}`,
                    channel.label,
                    (d, v) => (d.channels[i].label = v)
                  )}
                  <label className="jp-Fileglancer-formCheck">
                    <input
                      type="checkbox"
                      data-edit={`channels.${i}.active`}
                      checked={channel.active}
                      disabled={disabled}
                      onChange={event => {
                        const active = event.target.checked;
                        editor.update(d => (d.channels[i].active = active));
                      }}
                    />
                    active
                  </label>
                </div>
                <div className="jp-Fileglancer-editChannelRow">
                  <span>Window</span>
                  {(['start', 'end'] as const).map(end => (
                    <React.Fragment key={end}>
                      {end === 'end' && <span>to</span>}
                      {input(
                        `channels.${i}.window.${end}`,
                        `Window ${end} of channel ${i}`,
                        channel[end],
                        (d, v) => (d.channels[i][end] = v),
                        { type: 'number', min: range?.min, max: range?.max }
                      )}
                    </React.Fragment>
                  ))}
                </div>
                {range && (
                  <span className="jp-Fileglancer-note">
                    range {range.min}–{range.max}
                  </span>
                )}
                <FieldError editor={editor} name={`channels.${i}.label`} />
                <FieldError editor={editor} name={`channels.${i}.color`} />
                {['window', 'window.start', 'window.end'].map(part => (
                  <FieldError
                    key={part}
                    editor={editor}
                    name={`channels.${i}.${part}`}
                  />
                ))}
              </fieldset>
            );
          })}
        </Section>
      )}
      <ChangePreview editor={editor} />
      <EditorMessage editor={editor} onReload={props.onReload} />
      <div className="jp-Fileglancer-editActions">
        <Button
          type="button"
          small
          data-action="preview-edit"
          disabled={disabled || !editor.dirty}
          onClick={() => void editor.previewChanges()}
        >
          {editor.status === 'previewing' ? 'Previewing…' : 'Preview'}
        </Button>
        <Button
          small
          type="submit"
          data-action="save-edit"
          disabled={disabled || !editor.dirty}
        >
          {editor.status === 'saving' ? 'Saving…' : 'Save'}
        </Button>
        <Button
          type="button"
          small
          minimal
          data-action="cancel-edit"
          disabled={busy}
          onClick={props.onDone}
        >
          Cancel
        </Button>
      </div>
    </form>
  );
}
