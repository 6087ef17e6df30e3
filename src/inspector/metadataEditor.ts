/**
 * The metadata editor's model (no React): the editable fields the server read, the
 * user's draft of them (as typed, so a half-typed number is an error beside its field, not
 * lost), their validation (OME-NGFF units, positive pixel sizes, RRGGBB colours, windows
 * inside their range), the `PATCH` body of only what changed, a preview of that change,
 * saving, undoing and auto contrast. The ETag read with the fields goes with every write:
 * a change made meanwhile by someone else is refused by the server and said so here.
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  FileglancerAPIError,
  IChannelEdit,
  IEditable,
  IEditableAxis,
  IEditChange,
  IEditResponse,
  IFileglancerAPI,
  IMetaEdit
} from '../api';

/** The calls the editor makes. */
export type MetadataEditorAPI = Pick<
  IFileglancerAPI,
  'editMeta' | 'undoMetaEdit' | 'getAutoContrast'
>;

/** The space units of OME-NGFF (UDUNITS-2 names). */
export const SPACE_UNITS = [
  'angstrom',
  'attometer',
  'centimeter',
  'decimeter',
  'exameter',
  'femtometer',
  'foot',
  'gigameter',
  'hectometer',
  'inch',
  'kilometer',
  'megameter',
  'meter',
  'micrometer',
  'mile',
  'millimeter',
  'nanometer',
  'parsec',
  'petameter',
  'picometer',
  'terameter',
  'yard',
  'yoctometer',
  'yottameter',
  'zeptometer',
  'zettameter'
];

/** The time units of OME-NGFF (UDUNITS-2 names). */
export const TIME_UNITS = [
  'attosecond',
  'centisecond',
  'day',
  'decisecond',
  'exasecond',
  'femtosecond',
  'gigasecond',
  'hectosecond',
  'hour',
  'kilosecond',
  'megasecond',
  'microsecond',
  'millisecond',
  'minute',
  'nanosecond',
  'petasecond',
  'picosecond',
  'second',
  'terasecond',
  'yoctosecond',
  'yottasecond',
  'zeptosecond',
  'zettasecond'
];

/** The axis types OME-NGFF names ("" is none; other types are kept as they are). */
export const AXIS_TYPES = ['space', 'time', 'channel'];

/** The units an axis of `type` may have (none for a channel axis or a custom type). */
export function unitsFor(type: string): string[] {
  if (type === 'space') {
    return SPACE_UNITS;
  }
  if (type === 'time') {
    return TIME_UNITS;
  }
  return [];
}

/** One axis as the form holds it: "" for no type or no unit. */
export interface IAxisDraft {
  name: string;
  type: string;
  unit: string;
}

/** One channel as the form holds it; a window is two texts ("" when it has none). */
export interface IChannelDraft {
  label: string;
  /** RRGGBB, upper case ("" when it has none). */
  color: string;
  start: string;
  end: string;
  active: boolean;
}

/** Everything the form holds, as typed. */
export interface IEditorDraft {
  name: string;
  axes: IAxisDraft[];
  /** One per axis (level 0's scale): the time axis's is the time spacing. */
  pixelSizes: string[];
  /** One per axis, all "" when the image has no translation. */
  translation: string[];
  channels: IChannelDraft[];
}

/** What the editor is doing, for the buttons and the message line. */
export type EditorStatus =
  'idle' | 'previewing' | 'saving' | 'undoing' | 'auto-contrast';

/**
 * A field's key in `errors`: "name", "axes.1.unit", "pixel_sizes.2", "translation.0",
 * "channels.1.color", "channels.1.window"; a whole list is "axes", "pixel_sizes"...
 */
export type FieldKey = string;

/** A draft number: the number, or null when the text is not one. */
function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') {
    return null;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** The text of a number in an input (no exponent noise for ordinary values). */
function numberText(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/** "00FF00" from "#00ff00", "00ff00" or "00FF00FF"; "" for anything else. */
export function normalizeColor(color: string | null | undefined): string {
  const match = /^#?([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$/.exec(color ?? '');
  return match ? match[1].toUpperCase() : '';
}

/** The draft of the fields as the server read them. */
export function draftOf(editable: IEditable): IEditorDraft {
  const axes = editable.axes;
  return {
    name: editable.name ?? '',
    axes: axes.map(axis => ({
      name: axis.name,
      type: axis.type ?? '',
      unit: axis.unit ?? ''
    })),
    pixelSizes: axes.map((_, i) => numberText(editable.pixel_sizes?.[i])),
    translation: axes.map((_, i) => numberText(editable.translation?.[i])),
    channels: editable.channels.map(channel => ({
      label: channel.label ?? '',
      color: normalizeColor(channel.color),
      start: numberText(channel.window?.start),
      end: numberText(channel.window?.end),
      active: channel.active ?? true
    }))
  };
}

/**
 * A server's field name as a key of `errors`: "channels[1].color" and
 * "channels/1/color" are "channels.1.color".
 */
export function fieldKey(field: string): FieldKey {
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\//g, '.')
    .replace(/^\.+/, '');
}

/** The range a channel's window lies in: its own, else the data type's; null unknown. */
export function windowRange(
  editable: IEditable,
  index: number
): { min: number; max: number } | null {
  const window = editable.channels[index]?.window;
  const min = window?.min ?? editable.dtype_range?.[0] ?? null;
  const max = window?.max ?? editable.dtype_range?.[1] ?? null;
  return min === null || max === null ? null : { min, max };
}

/** Whether the image's version stores pixel sizes and translations (0.4 on). */
export function geometryEditable(editable: IEditable): boolean {
  return editable.geometry_editable !== false;
}

/** The problems of a draft, by field; none when it can be sent. */
export function validate(
  draft: IEditorDraft,
  original: IEditable
): Map<FieldKey, string> {
  const errors = new Map<FieldKey, string>();
  const seen = new Set<string>();
  draft.axes.forEach((axis, i) => {
    const name = axis.name.trim();
    if (!name) {
      errors.set(`axes.${i}.name`, 'An axis needs a name.');
    } else if (seen.has(name)) {
      errors.set(`axes.${i}.name`, `Two axes are named "${name}".`);
    }
    seen.add(name);
    const units = unitsFor(axis.type);
    if (axis.unit && axis.type === 'channel') {
      errors.set(`axes.${i}.unit`, 'A channel axis has no unit.');
    } else if (axis.unit && units.length > 0 && !units.includes(axis.unit)) {
      errors.set(
        `axes.${i}.unit`,
        `"${axis.unit}" is not an OME-NGFF ${axis.type} unit.`
      );
    }
  });
  for (const type of ['time', 'channel']) {
    if (draft.axes.filter(axis => axis.type === type).length > 1) {
      errors.set('axes', `An image has at most one ${type} axis.`);
    }
  }
  const spatial = draft.axes.filter(axis => axis.type === 'space').length;
  const hadSpatial = original.axes.filter(axis => axis.type === 'space').length;
  if (spatial !== hadSpatial && (spatial < 2 || spatial > 3)) {
    errors.set('axes', 'An image has two or three space axes.');
  }
  draft.pixelSizes.forEach((text, i) => {
    const value = parseNumber(text);
    const hadNone = original.pixel_sizes?.[i] === null || !original.pixel_sizes;
    if (text.trim() === '' && hadNone) {
      return; // left as it is: none
    }
    if (value === null || value <= 0) {
      errors.set(`pixel_sizes.${i}`, 'A pixel size is a number above 0.');
    }
  });
  const translated = draft.translation.some(text => text.trim() !== '');
  if (translated) {
    draft.translation.forEach((text, i) => {
      // An image without a translation: the axes left blank are not moved (0).
      const blankIsZero = original.translation === null && text.trim() === '';
      if (!blankIsZero && parseNumber(text) === null) {
        errors.set(`translation.${i}`, 'A translation is a number.');
      }
    });
  }
  draft.channels.forEach((channel, i) => {
    if (!channel.label.trim() && original.channels[i]?.label) {
      errors.set(`channels.${i}.label`, 'A channel keeps a label.');
    }
    if (channel.color && !/^[0-9A-F]{6}$/.test(channel.color)) {
      errors.set(`channels.${i}.color`, 'A colour is RRGGBB in hexadecimal.');
    }
    const range = windowRange(original, i);
    const hasWindow = channel.start.trim() !== '' || channel.end.trim() !== '';
    if (!hasWindow) {
      return;
    }
    const start = parseNumber(channel.start);
    const end = parseNumber(channel.end);
    if (start === null || end === null) {
      errors.set(`channels.${i}.window`, 'A window is two numbers.');
    } else if (start > end) {
      errors.set(`channels.${i}.window`, 'The window starts after its end.');
    } else if (range && (start < range.min || end > range.max)) {
      errors.set(
        `channels.${i}.window`,
        `The window lies within ${range.min}–${range.max}.`
      );
    }
  });
  return errors;
}

function sameNumbers(
  a: Array<number | null> | null,
  b: Array<number | null> | null
): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/**
 * The `PATCH` body for `draft` (assumed valid): only the fields that differ from
 * `original`; a changed channel carries only its changed keys. Empty when nothing changed.
 */
export function buildEdit(draft: IEditorDraft, original: IEditable): IMetaEdit {
  const edit: IMetaEdit = {};
  const name = draft.name.trim();
  if (name !== (original.name ?? '') && !(name === '' && !original.name)) {
    edit.name = name;
  }
  const axes: IEditableAxis[] = draft.axes.map(axis => ({
    name: axis.name.trim(),
    type: axis.type || null,
    unit: axis.unit || null
  }));
  const axesChanged = axes.some((axis, i) => {
    const old = original.axes[i];
    return (
      !old ||
      axis.name !== old.name ||
      axis.type !== (old.type ?? null) ||
      axis.unit !== (old.unit ?? null)
    );
  });
  if (axesChanged) {
    edit.axes = axes;
  }
  const sizes = draft.pixelSizes.map(text =>
    text.trim() === '' ? null : Number(text.trim())
  );
  const before = original.pixel_sizes ?? draft.pixelSizes.map(() => null);
  if (!sameNumbers(sizes, before)) {
    edit.pixel_sizes = sizes;
  }
  if (draft.translation.some(text => text.trim() !== '')) {
    const translation = draft.translation.map(text => Number(text.trim()));
    // Number('') is 0: an axis left blank is not moved.
    if (!sameNumbers(translation, original.translation)) {
      edit.translation = translation;
    }
  }
  const channels: IChannelEdit[] = [];
  draft.channels.forEach((channel, index) => {
    const old = original.channels[index];
    const change: IChannelEdit = { index };
    const label = channel.label.trim();
    if (label !== (old?.label ?? '')) {
      change.label = label;
    }
    if (channel.color && channel.color !== normalizeColor(old?.color)) {
      change.color = channel.color;
    }
    if (channel.start.trim() !== '' || channel.end.trim() !== '') {
      const start = Number(channel.start.trim());
      const end = Number(channel.end.trim());
      if (start !== old?.window?.start || end !== old?.window?.end) {
        change.window = { start, end };
      }
    }
    if (channel.active !== (old?.active ?? true)) {
      change.active = channel.active;
    }
    if (Object.keys(change).length > 1) {
      channels.push(change);
    }
  });
  if (channels.length > 0) {
    edit.channels = channels;
  }
  return edit;
}

/** The editor of one image's metadata, bound to where it is and the ETag it was read at. */
export class MetadataEditor {
  constructor(
    private readonly _api: MetadataEditorAPI,
    readonly root: string,
    readonly path: string,
    editable: IEditable
  ) {
    this._original = editable;
    this._draft = draftOf(editable);
  }

  /** The fields as the server last reported them. */
  get original(): IEditable {
    return this._original;
  }

  /** The ETag every write is conditional on. */
  get etag(): string {
    return this._original.etag;
  }

  get draft(): IEditorDraft {
    return this._draft;
  }

  /** Why the user cannot save here, or null when they can. */
  get readOnlyReason(): string | null {
    if (this._original.writable) {
      return null;
    }
    return (
      this._original.reason_not_writable || 'You cannot change this image.'
    );
  }

  /** Problems by field: the draft's own, then the server's answer to the last write. */
  get errors(): ReadonlyMap<FieldKey, string> {
    const errors = validate(this._draft, this._original);
    for (const [key, message] of this._serverErrors) {
      if (!errors.has(key)) {
        errors.set(key, message);
      }
    }
    return errors;
  }

  /** The problem with `key`, if any. */
  error(key: FieldKey): string | undefined {
    return this.errors.get(key);
  }

  /** What to change, or null when the draft has problems. */
  get edit(): IMetaEdit | null {
    if (validate(this._draft, this._original).size > 0) {
      return null;
    }
    return buildEdit(this._draft, this._original);
  }

  /** The draft differs from what was read. */
  get dirty(): boolean {
    const edit = this.edit;
    return edit === null || Object.keys(edit).length > 0;
  }

  /** The last preview's changes (old -> new), or null when none is current. */
  get preview(): IEditChange[] | null {
    return this._preview;
  }

  get status(): EditorStatus {
    return this._status;
  }

  /** One sentence about the last action (a failure, "Saved."...), or null. */
  get message(): { text: string; level: 'error' | 'info' } | null {
    return this._message;
  }

  /** The metadata changed on disk since it was read: only a reload helps. */
  get stale(): boolean {
    return this._stale;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted with the server's answer after a save, an undo or an auto contrast. */
  get saved(): ISignal<this, IEditResponse> {
    return this._saved;
  }

  /** Change the draft (the function edits the draft it is given). */
  update(change: (draft: IEditorDraft) => void): void {
    const draft = structuredCloneDraft(this._draft);
    change(draft);
    this._draft = draft;
    this._preview = null;
    this._serverErrors.clear();
    if (!this._stale) {
      this._message = null;
    }
    this._changed.emit();
  }

  /** Back to what was read. */
  reset(): void {
    this._draft = draftOf(this._original);
    this._preview = null;
    this._serverErrors.clear();
    this._message = null;
    this._changed.emit();
  }

  /** Ask the server what saving would change (a dry run: nothing is written). */
  async previewChanges(): Promise<boolean> {
    const edit = this._sendable();
    if (!edit) {
      return false;
    }
    const answer = await this._run('previewing', () =>
      this._api.editMeta(this.root, this.path, this.etag, {
        ...edit,
        dry_run: true
      })
    );
    if (!answer) {
      return false;
    }
    this._preview = answer.changes;
    if (answer.changes.length === 0) {
      this._message = { text: 'Nothing would change.', level: 'info' };
    }
    this._changed.emit();
    return true;
  }

  /** Write the draft; on success the editor starts again from what was written. */
  async save(): Promise<boolean> {
    const edit = this._sendable();
    if (!edit) {
      return false;
    }
    const answer = await this._run('saving', () =>
      this._api.editMeta(this.root, this.path, this.etag, edit)
    );
    return this._accept(answer, 'Saved.');
  }

  /** Restore the metadata as it was before the last saved change. */
  async undo(): Promise<boolean> {
    const answer = await this._run('undoing', () =>
      this._api.undoMetaEdit(this.root, this.path, this.etag)
    );
    return this._accept(answer, 'The last change was undone.');
  }

  /** Fill the channel windows in the draft with those computed from the data. */
  async suggestContrast(): Promise<boolean> {
    const answer = await this._run('auto-contrast', () =>
      this._api.getAutoContrast(this.root, this.path)
    );
    if (!answer) {
      return false;
    }
    this.update(draft => {
      for (const suggestion of answer.channels) {
        const channel = draft.channels[suggestion.index];
        if (channel) {
          channel.start = numberText(suggestion.start);
          channel.end = numberText(suggestion.end);
        }
      }
    });
    this._message = {
      text: 'Windows computed from the data: preview or save them.',
      level: 'info'
    };
    this._changed.emit();
    return true;
  }

  /** Compute and write every channel's window at once (a health warning's fix). */
  async applyAutoContrast(): Promise<boolean> {
    const answer = await this._run('auto-contrast', () =>
      this._api.editMeta(this.root, this.path, this.etag, {
        auto_contrast: true
      })
    );
    return this._accept(answer, 'Channel windows set from the data.');
  }

  /** The edit to send, or null (with a message) when there is nothing valid to send. */
  private _sendable(): IMetaEdit | null {
    const reason = this.readOnlyReason;
    if (reason) {
      this._message = { text: reason, level: 'error' };
    } else if (this._stale) {
      this._message = {
        text: STALE_MESSAGE,
        level: 'error'
      };
    } else {
      const edit = this.edit;
      if (edit === null) {
        this._message = {
          text: 'Correct the marked fields first.',
          level: 'error'
        };
      } else if (Object.keys(edit).length === 0) {
        this._message = { text: 'Nothing has changed.', level: 'info' };
      } else {
        return edit;
      }
    }
    this._changed.emit();
    return null;
  }

  private _accept(answer: IEditResponse | null, text: string): boolean {
    if (!answer) {
      return false;
    }
    this._original = { ...answer.editable, etag: answer.etag };
    this._draft = draftOf(this._original);
    this._preview = null;
    this._serverErrors.clear();
    this._message = { text, level: 'info' };
    this._changed.emit();
    this._saved.emit(answer);
    return true;
  }

  /** Run one request with `status` set, turning its failure into messages. */
  private async _run<T>(
    status: EditorStatus,
    request: () => Promise<T>
  ): Promise<T | null> {
    if (this._status !== 'idle') {
      return null;
    }
    this._status = status;
    this._message = null;
    this._serverErrors.clear();
    this._changed.emit();
    try {
      return await request();
    } catch (error) {
      this._failed(error);
      return null;
    } finally {
      this._status = 'idle';
      this._changed.emit();
    }
  }

  private _failed(error: unknown): void {
    if (!(error instanceof FileglancerAPIError)) {
      this._message = {
        text: error instanceof Error ? error.message : String(error),
        level: 'error'
      };
      return;
    }
    switch (error.status) {
      case 400: {
        const field = error.body?.field;
        if (typeof field === 'string' && field) {
          this._serverErrors.set(fieldKey(field), error.message);
        }
        this._message = { text: error.message, level: 'error' };
        return;
      }
      case 403:
        this._message = {
          text: `You cannot change this image: ${error.message}`,
          level: 'error'
        };
        return;
      case 409:
        this._message = { text: 'There is nothing to undo.', level: 'info' };
        this._original = { ...this._original, can_undo: false };
        return;
      case 412:
      case 428:
        this._stale = true;
        this._message = { text: STALE_MESSAGE, level: 'error' };
        return;
      default:
        this._message = { text: error.message, level: 'error' };
    }
  }

  private _original: IEditable;
  private _draft: IEditorDraft;
  private _preview: IEditChange[] | null = null;
  private _status: EditorStatus = 'idle';
  private _message: { text: string; level: 'error' | 'info' } | null = null;
  private _stale = false;
  private _serverErrors = new Map<FieldKey, string>();
  private _changed = new Signal<this, void>(this);
  private _saved = new Signal<this, IEditResponse>(this);
}

/** What a 412 means to the user. */
export const STALE_MESSAGE =
  'The metadata was changed by someone else since you opened it: reload to see it, then edit again.';

function structuredCloneDraft(draft: IEditorDraft): IEditorDraft {
  return {
    name: draft.name,
    axes: draft.axes.map(axis => ({ ...axis })),
    pixelSizes: [...draft.pixelSizes],
    translation: [...draft.translation],
    channels: draft.channels.map(channel => ({ ...channel }))
  };
}
