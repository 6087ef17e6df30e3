import { ServerConnection } from '@jupyterlab/services';

import {
  createFileglancerAPI,
  FileglancerAPIError,
  IEditable,
  IEditResponse,
  IMetaEdit,
  IMetaResponse
} from '../api';
import { InspectorModel } from '../inspector/inspectorModel';
import {
  buildEdit,
  draftOf,
  fieldKey,
  MetadataEditor,
  normalizeColor,
  STALE_MESSAGE,
  validate
} from '../inspector/metadataEditor';
import { SelectionModel } from '../selection';
import {
  datasetAPI,
  fakeAPI,
  makeEditable as editable,
  makeEntry,
  makeRoot,
  settle
} from './fakes';

/** A server's answer to a write: the fields after it, under a new ETag. */
function answer(
  after: Partial<IEditable>,
  etag = '"e2"',
  changes: IEditResponse['changes'] = []
): IEditResponse {
  return { editable: editable({ ...after, etag }), etag, changes };
}

/** An editor whose PATCHes are recorded (with their If-Match) and answered by `respond`. */
function editorWith(
  respond: (edit: IMetaEdit) => Promise<IEditResponse>,
  fields: IEditable = editable()
): {
  editor: MetadataEditor;
  calls: Array<{ etag: string; edit: IMetaEdit }>;
} {
  const calls: Array<{ etag: string; edit: IMetaEdit }> = [];
  const api = fakeAPI({
    editMeta: (_root, _path, etag, edit) => {
      calls.push({ etag, edit });
      return respond(edit);
    }
  });
  return {
    editor: new MetadataEditor(api, 'demo', 'cells.ome.zarr', fields),
    calls
  };
}

function httpError(
  status: number,
  message: string,
  body: { [key: string]: string } | null = null
): FileglancerAPIError {
  return new FileglancerAPIError(status, body?.error ?? 'x', message, body);
}

describe('the editor draft', () => {
  it('holds the fields as the inputs show them', () => {
    const draft = draftOf(editable());
    expect(draft.name).toBe('cells');
    expect(draft.pixelSizes).toEqual(['1', '2', '0.5', '0.5']);
    expect(draft.translation).toEqual(['', '', '', '']);
    expect(draft.axes[0]).toEqual({ name: 'c', type: 'channel', unit: '' });
    expect(draft.channels[1]).toEqual({
      label: 'GFP',
      color: '00FF00',
      start: '10',
      end: '2000',
      active: true
    });
  });

  it('normalises colours to RRGGBB in upper case', () => {
    expect(normalizeColor('#00ff00')).toBe('00FF00');
    expect(normalizeColor('00FF00FF')).toBe('00FF00');
    expect(normalizeColor('green')).toBe('');
    expect(normalizeColor(null)).toBe('');
  });

  it("reads a server's field names as the form's keys", () => {
    expect(fieldKey('channels[1].color')).toBe('channels.1.color');
    expect(fieldKey('/pixel_sizes/2')).toBe('pixel_sizes.2');
    expect(fieldKey('name')).toBe('name');
  });
});

describe('validate', () => {
  const original = editable();
  const problems = (change: (d: ReturnType<typeof draftOf>) => void) => {
    const draft = draftOf(original);
    change(draft);
    return Object.fromEntries(validate(draft, original));
  };

  it('accepts the fields as read', () => {
    expect(problems(() => undefined)).toEqual({});
  });

  it.each([['0'], ['-1'], [''], ['abc']])('refuses the pixel size %p', text => {
    expect(problems(d => (d.pixelSizes[2] = text))).toEqual({
      'pixel_sizes.2': 'A pixel size is a number above 0.'
    });
  });

  it('takes units from the lists of OME-NGFF for the axis type', () => {
    expect(problems(d => (d.axes[1].unit = 'nanometer'))).toEqual({});
    expect(problems(d => (d.axes[1].unit = 'um'))).toEqual({
      'axes.1.unit': '"um" is not an OME-NGFF space unit.'
    });
    expect(
      problems(d => {
        d.axes[1].type = 'time';
        d.axes[1].unit = 'micrometer';
      })['axes.1.unit']
    ).toBe('"micrometer" is not an OME-NGFF time unit.');
    expect(problems(d => (d.axes[0].unit = 'second'))).toEqual({
      'axes.0.unit': 'A channel axis has no unit.'
    });
  });

  it('wants named, distinct axes and two or three space axes', () => {
    expect(problems(d => (d.axes[2].name = ' '))).toEqual({
      'axes.2.name': 'An axis needs a name.'
    });
    expect(problems(d => (d.axes[2].name = 'x'))).toEqual({
      'axes.3.name': 'Two axes are named "x".'
    });
    expect(problems(d => (d.axes[0].type = 'space'))).toEqual({
      axes: 'An image has two or three space axes.'
    });
    expect(
      problems(d => {
        d.axes[1].type = 'channel';
        d.axes[1].unit = '';
      })
    ).toEqual({ axes: 'An image has at most one channel axis.' });
  });

  it('keeps the label a channel has', () => {
    expect(problems(d => (d.channels[1].label = ' '))).toEqual({
      'channels.1.label': 'A channel keeps a label.'
    });
  });

  it('wants RRGGBB colours and windows within their range', () => {
    expect(problems(d => (d.channels[0].color = 'blue'))).toEqual({
      'channels.0.color': 'A colour is RRGGBB in hexadecimal.'
    });
    expect(problems(d => (d.channels[0].end = '70000'))).toEqual({
      'channels.0.window': 'The window lies within 0–65535.'
    });
    expect(
      problems(d => {
        d.channels[0].start = '500';
        d.channels[0].end = '100';
      })
    ).toEqual({ 'channels.0.window': 'The window starts after its end.' });
    expect(problems(d => (d.channels[0].end = ''))).toEqual({
      'channels.0.window': 'A window is two numbers.'
    });
  });

  it('takes the range of a window not yet set from the data type', () => {
    const fields = editable({
      dtype_range: [0, 255],
      channels: [{ label: null, color: null, window: null, active: null }]
    });
    const draft = draftOf(fields);
    draft.channels[0].start = '0';
    draft.channels[0].end = '300';
    expect(Object.fromEntries(validate(draft, fields))).toEqual({
      'channels.0.window': 'The window lies within 0–255.'
    });
  });

  it('lets an image without pixel sizes keep none on an axis', () => {
    const fields = editable({ pixel_sizes: null });
    const draft = draftOf(fields);
    expect(Object.fromEntries(validate(draft, fields))).toEqual({});
    expect(buildEdit(draft, fields)).toEqual({});
    draft.pixelSizes[1] = '2';
    expect(buildEdit(draft, fields)).toEqual({
      pixel_sizes: [null, 2, null, null]
    });
  });

  it('takes a translation of numbers, blank axes not moved when there was none', () => {
    expect(problems(d => (d.translation[1] = '3'))).toEqual({});
    expect(problems(d => (d.translation[1] = 'abc'))).toEqual({
      'translation.1': 'A translation is a number.'
    });
    const moved = editable({ translation: [0, 1, 2, 3] });
    const draft = draftOf(moved);
    draft.translation[2] = '';
    expect(Object.fromEntries(validate(draft, moved))).toEqual({
      'translation.2': 'A translation is a number.'
    });
  });
});

describe('buildEdit', () => {
  const original = editable();
  const edited = (change: (d: ReturnType<typeof draftOf>) => void) => {
    const draft = draftOf(original);
    change(draft);
    return buildEdit(draft, original);
  };

  it('is empty when nothing changed', () => {
    expect(edited(() => undefined)).toEqual({});
  });

  it('carries only the changed fields, whole lists for per-axis values', () => {
    expect(
      edited(d => {
        d.pixelSizes[1] = '3';
        d.name = 'nuclei';
      })
    ).toEqual({ name: 'nuclei', pixel_sizes: [1, 3, 0.5, 0.5] });
    expect(edited(d => (d.axes[3].unit = 'nanometer'))).toEqual({
      axes: [
        { name: 'c', type: 'channel', unit: null },
        { name: 'z', type: 'space', unit: 'micrometer' },
        { name: 'y', type: 'space', unit: 'micrometer' },
        { name: 'x', type: 'space', unit: 'nanometer' }
      ]
    });
    expect(edited(d => (d.translation[1] = '5'))).toEqual({
      translation: [0, 5, 0, 0]
    });
  });

  it('sends a changed channel by index with only its changed keys', () => {
    expect(
      edited(d => {
        d.channels[1].color = 'FF00FF';
        d.channels[1].end = '3000';
        d.channels[0].active = false;
      })
    ).toEqual({
      channels: [
        { index: 0, active: false },
        { index: 1, color: 'FF00FF', window: { start: 10, end: 3000 } }
      ]
    });
  });

  it('does not count a colour spelled differently as a change', () => {
    // The server said "00ff00"; the form holds "00FF00".
    expect(edited(d => (d.channels[1].color = '00FF00'))).toEqual({});
  });
});

describe('the edit calls', () => {
  /** An API whose server answers `body` to every request, which it records. */
  function server(body: unknown, status = 200) {
    const requests: Request[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://lab.test/',
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        requests.push(new Request(input, init));
        return new Response(JSON.stringify(body), { status });
      }) as typeof window.fetch,
      Request: Request
    });
    return { api: createFileglancerAPI(settings), requests };
  }

  it('sends a change as PATCH with If-Match, and an undo as POST', async () => {
    const { api, requests } = server(answer({}));
    await api.editMeta('demo', 'a b/c.zarr', '"e1"', { name: 'n' });
    await api.undoMetaEdit('demo', 'a b/c.zarr', '"e2"');
    expect(requests.map(r => [r.method, new URL(r.url).pathname])).toEqual([
      ['PATCH', '/fileglancer/api/meta/demo/a%20b/c.zarr'],
      ['POST', '/fileglancer/api/meta-undo/demo/a%20b/c.zarr']
    ]);
    expect(requests.map(r => r.headers.get('If-Match'))).toEqual([
      '"e1"',
      '"e2"'
    ]);
    expect(await requests[0].json()).toEqual({ name: 'n' });
  });

  it("keeps a 400's field in the error", async () => {
    const { api } = server(
      { error: 'invalid_value', field: 'name', message: 'too long' },
      400
    );
    const error = await api
      .editMeta('demo', 'c.zarr', '"e1"', { name: 'n' })
      .catch(e => e as FileglancerAPIError);
    expect(error).toBeInstanceOf(FileglancerAPIError);
    expect((error as FileglancerAPIError).body?.field).toBe('name');
  });

  it('reads suggested windows flat or nested in `window`', async () => {
    const flat = { index: 0, start: 1, end: 9, min: 0, max: 255 };
    const nested = {
      index: 1,
      window: { start: 2, end: 8, min: 0, max: 255 }
    };
    const { api } = server({ level: '2', channels: [flat, nested] });
    await expect(api.getAutoContrast('demo', 'c.zarr')).resolves.toEqual({
      channels: [flat, { index: 1, start: 2, end: 8, min: 0, max: 255 }]
    });
  });
});

describe('MetadataEditor', () => {
  it('previews with a dry run under the ETag it read, and writes nothing', async () => {
    const changes = [{ field: 'pixel_sizes', old: [1, 2], new: [1, 3] }];
    const { editor, calls } = editorWith(async () =>
      answer({}, '"e1"', changes)
    );
    editor.update(d => (d.pixelSizes[1] = '3'));
    expect(editor.dirty).toBe(true);
    await expect(editor.previewChanges()).resolves.toBe(true);
    expect(calls).toEqual([
      {
        etag: '"e1"',
        edit: { pixel_sizes: [1, 3, 0.5, 0.5], dry_run: true }
      }
    ]);
    expect(editor.preview).toEqual(changes);
    // Any further change makes the preview out of date.
    editor.update(d => (d.pixelSizes[1] = '4'));
    expect(editor.preview).toBeNull();
  });

  it('saves, then starts again from what was written under the new ETag', async () => {
    const { editor, calls } = editorWith(async edit =>
      answer({ pixel_sizes: edit.pixel_sizes, can_undo: true })
    );
    const saved: IEditResponse[] = [];
    editor.saved.connect((_, value) => saved.push(value));
    editor.update(d => (d.pixelSizes[1] = '3'));
    await expect(editor.save()).resolves.toBe(true);
    expect(calls[0].edit).toEqual({ pixel_sizes: [1, 3, 0.5, 0.5] });
    expect(saved).toHaveLength(1);
    expect(editor.etag).toBe('"e2"');
    expect(editor.original.can_undo).toBe(true);
    expect(editor.draft.pixelSizes[1]).toBe('3');
    expect(editor.dirty).toBe(false);
    expect(editor.message).toEqual({ text: 'Saved.', level: 'info' });
  });

  it('sends nothing while a field is invalid or nothing changed', async () => {
    const { editor, calls } = editorWith(async () => answer({}));
    await expect(editor.save()).resolves.toBe(false);
    expect(editor.message?.text).toBe('Nothing has changed.');
    editor.update(d => (d.channels[0].color = 'nope'));
    await expect(editor.save()).resolves.toBe(false);
    expect(editor.message?.text).toBe('Correct the marked fields first.');
    expect(editor.error('channels.0.color')).toBe(
      'A colour is RRGGBB in hexadecimal.'
    );
    expect(calls).toHaveLength(0);
  });

  it("puts a 400's message beside the field it names", async () => {
    const { editor } = editorWith(() =>
      Promise.reject(
        httpError(400, 'z must not be coarser than its level 1', {
          error: 'invalid_value',
          field: 'pixel_sizes[1]',
          message: 'z must not be coarser than its level 1'
        })
      )
    );
    editor.update(d => (d.pixelSizes[1] = '300'));
    await expect(editor.save()).resolves.toBe(false);
    expect(editor.error('pixel_sizes.1')).toBe(
      'z must not be coarser than its level 1'
    );
    expect(editor.message?.level).toBe('error');
    // Editing the value again clears the server's complaint.
    editor.update(d => (d.pixelSizes[1] = '3'));
    expect(editor.error('pixel_sizes.1')).toBeUndefined();
  });

  it('says a 412 means someone else changed it, and stops writing until a reload', async () => {
    const { editor, calls } = editorWith(() =>
      Promise.reject(httpError(412, 'changed since read'))
    );
    editor.update(d => (d.name = 'mine'));
    await expect(editor.save()).resolves.toBe(false);
    expect(editor.stale).toBe(true);
    expect(editor.message).toEqual({ text: STALE_MESSAGE, level: 'error' });
    await expect(editor.save()).resolves.toBe(false);
    expect(calls).toHaveLength(1);
  });

  it('says why a 403 refused the change', async () => {
    const { editor } = editorWith(() =>
      Promise.reject(httpError(403, 'The folder is read-only for you.'))
    );
    editor.update(d => (d.name = 'mine'));
    await editor.save();
    expect(editor.message?.text).toBe(
      'You cannot change this image: The folder is read-only for you.'
    );
  });

  it('is read-only, with the reason, when the server says it cannot write', async () => {
    const { editor, calls } = editorWith(async () => answer({}), {
      ...editable(),
      writable: false,
      reason_not_writable: 'You cannot write to this folder.'
    });
    expect(editor.readOnlyReason).toBe('You cannot write to this folder.');
    editor.update(d => (d.name = 'mine'));
    await expect(editor.save()).resolves.toBe(false);
    expect(editor.message?.text).toBe('You cannot write to this folder.');
    expect(calls).toHaveLength(0);
  });

  it('undoes under its ETag, and says when there is nothing to undo', async () => {
    const undone: string[] = [];
    let refuse = false;
    const api = fakeAPI({
      undoMetaEdit: async (_root, _path, etag) => {
        undone.push(etag);
        if (refuse) {
          throw httpError(409, 'nothing to undo');
        }
        return answer({ pixel_sizes: [1, 2, 0.5, 0.5] }, '"e3"');
      }
    });
    const editor = new MetadataEditor(
      api,
      'demo',
      'cells.ome.zarr',
      editable({ can_undo: true, etag: '"e2"' })
    );
    await expect(editor.undo()).resolves.toBe(true);
    expect(undone).toEqual(['"e2"']);
    expect(editor.etag).toBe('"e3"');
    refuse = true;
    await expect(editor.undo()).resolves.toBe(false);
    expect(editor.message?.text).toBe('There is nothing to undo.');
    expect(editor.original.can_undo).toBe(false);
  });

  it('fills the windows from auto contrast, for the user to preview or save', async () => {
    const api = fakeAPI({
      getAutoContrast: async () => ({
        channels: [
          { index: 0, start: 100, end: 900, min: 0, max: 65535 },
          { index: 1, start: 50, end: 4000, min: 0, max: 65535 }
        ]
      })
    });
    const editor = new MetadataEditor(api, 'demo', 'c.zarr', editable());
    await expect(editor.suggestContrast()).resolves.toBe(true);
    expect(editor.edit).toEqual({
      channels: [
        { index: 0, window: { start: 100, end: 900 } },
        { index: 1, window: { start: 50, end: 4000 } }
      ]
    });
  });

  it('applies auto contrast in one request (a health warning fix)', async () => {
    const { editor, calls } = editorWith(async () => answer({}));
    await expect(editor.applyAutoContrast()).resolves.toBe(true);
    expect(calls).toEqual([{ etag: '"e1"', edit: { auto_contrast: true } }]);
  });
});

describe('InspectorModel with an editable image', () => {
  const entry = makeEntry('cells.ome.zarr', {
    kind: 'ome-zarr',
    previewable: true
  });
  const meta = (fields: IEditable) =>
    ({ kind: 'ome-zarr', editable: fields }) as unknown as IMetaResponse;

  it('reads the metadata, viewers and a new preview again after a save', async () => {
    let version = editable();
    const reads: string[] = [];
    const api = datasetAPI(entry, meta(version), {
      getMeta: async () => {
        reads.push('meta');
        return meta(version);
      },
      getViewers: async () => {
        reads.push('viewers');
        return new Promise(() => undefined);
      },
      thumbnailURL: (root, path, size, v) => `/thumb/${path}?v=${v ?? ''}`,
      editMeta: async (_root, _path, _etag, edit) => {
        version = editable({
          pixel_sizes: edit.pixel_sizes,
          etag: '"e2"',
          can_undo: true
        });
        return { editable: version, etag: '"e2"', changes: [] };
      }
    });
    const selection = new SelectionModel();
    const model = new InspectorModel(selection, api);
    selection.select(makeRoot('demo'), entry);
    await settle();
    expect(model.thumbnailUrl).toBe('/thumb/cells.ome.zarr?v=');
    model.startEditing('pixel_sizes');
    expect(model.editing).toBe(true);
    expect(model.editFocus).toBe('pixel_sizes');
    expect(model.tab).toBe('metadata');
    reads.length = 0;
    model.editor!.update(d => (d.pixelSizes[1] = '3'));
    await model.editor!.save();
    await settle();
    expect(model.editing).toBe(false);
    expect(reads.sort()).toEqual(['meta', 'viewers']);
    expect(model.editor!.original.pixel_sizes).toEqual([1, 3, 0.5, 0.5]);
    expect(model.editor!.original.can_undo).toBe(true);
    expect(model.thumbnailUrl).toBe('/thumb/cells.ome.zarr?v="e2"');
    model.dispose();
  });

  it('has no editor for a dataset the server offers no edit of', async () => {
    const selection = new SelectionModel();
    const model = new InspectorModel(
      selection,
      datasetAPI(entry, { kind: 'ome-zarr' } as unknown as IMetaResponse)
    );
    selection.select(makeRoot('demo'), entry);
    await settle();
    expect(model.editor).toBeNull();
    model.startEditing();
    expect(model.editing).toBe(false);
    model.dispose();
  });
});
