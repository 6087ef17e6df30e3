import type { IHealthWarning, IMetaEdit, IMetaResponse } from '../api';
import { datasetAPI, makeEditable, makeEntry } from './fakes';
import omeMetaFixture from './fixtures/meta-ome-zarr-0.4.json';
import { showInspector, typeInto as type, until } from './render';

const omeMeta = omeMetaFixture as unknown as IMetaResponse;

const fields = makeEditable();

function find<T extends HTMLElement = HTMLElement>(
  root: HTMLElement,
  selector: string
): T {
  const found = root.querySelector<T>(selector);
  if (!found) {
    throw new Error(`nothing matches ${selector}`);
  }
  return found;
}

describe('the Edit mode of the Metadata tab', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  const entry = makeEntry('cells.ome.zarr', { kind: 'ome-zarr' });

  it('edits a pixel size, previews the change and saves only that field', async () => {
    const sent: Array<{ etag: string; edit: IMetaEdit }> = [];
    const api = datasetAPI(
      entry,
      { ...omeMeta, editable: fields },
      {
        editMeta: async (_root, _path, etag, edit) => {
          sent.push({ etag, edit });
          return {
            editable: fields,
            etag: '"e2"',
            changes: [
              {
                field: 'pixel_sizes',
                old: [1, 2, 0.5, 0.5],
                new: [1, 2, 0.7, 0.5]
              }
            ]
          };
        },
        getViewers: () => new Promise(() => undefined)
      }
    );
    const { panel } = await showInspector(entry, api, { tab: 'metadata' });
    await until(() => find(panel.node, '[data-action="edit-metadata"]'));
    find(panel.node, '[data-action="edit-metadata"]').click();
    await until(() => find(panel.node, '[data-edit="pixel_sizes.2"]'));
    // The channel axis has no pixel size field; the colour is a colour picker.
    expect(panel.node.querySelector('[data-edit="pixel_sizes.0"]')).toBeNull();
    expect(
      find<HTMLInputElement>(panel.node, '[data-edit="channels.0.color"]').type
    ).toBe('color');
    type(find(panel.node, '[data-edit="pixel_sizes.2"]'), '0');
    await until(() =>
      expect(
        find(panel.node, '[data-error-for="pixel_sizes.2"]').textContent
      ).toBe('A pixel size is a number above 0.')
    );
    type(find(panel.node, '[data-edit="pixel_sizes.2"]'), '0.7');
    await until(() =>
      expect(panel.node.querySelector('[data-error-for]')).toBeNull()
    );
    find(panel.node, '[data-action="preview-edit"]').click();
    await until(() =>
      expect(find(panel.node, '[data-change="pixel_sizes"]').textContent).toBe(
        'pixel_sizes: [1,2,0.5,0.5] → [1,2,0.7,0.5]'
      )
    );
    // Previewing wrote nothing.
    expect(sent).toHaveLength(1);
    find(panel.node, '[data-action="save-edit"]').click();
    await until(() => expect(sent).toHaveLength(2));
    expect(sent).toEqual([
      { etag: '"e1"', edit: { pixel_sizes: [1, 2, 0.7, 0.5], dry_run: true } },
      { etag: '"e1"', edit: { pixel_sizes: [1, 2, 0.7, 0.5] } }
    ]);
    // Saved: back to the metadata, read again.
    await until(() =>
      expect(panel.node.querySelector('[data-mode="edit"]')).toBeNull()
    );
    panel.dispose();
  });

  it('shows Edit disabled with the reason when the image cannot be written', async () => {
    const api = datasetAPI(entry, {
      ...omeMeta,
      editable: {
        ...fields,
        writable: false,
        reason_not_writable: 'You cannot write to this folder.'
      }
    });
    const { panel } = await showInspector(entry, api, { tab: 'metadata' });
    await until(() => find(panel.node, '[data-action="edit-metadata"]'));
    const button = find<HTMLButtonElement>(
      panel.node,
      '[data-action="edit-metadata"]'
    );
    expect(button.disabled).toBe(true);
    expect(find(panel.node, '[data-field="not-writable"]').textContent).toBe(
      'You cannot write to this folder.'
    );
    panel.dispose();
  });

  it("opens the editor at a health warning's field, and auto contrasts in one click", async () => {
    const health: IHealthWarning[] = [
      {
        code: 'missing-pixel-sizes',
        severity: 'warning',
        message: 'The pixel sizes are all 1.',
        fix: { action: 'edit', field: 'pixel_sizes' }
      },
      {
        code: 'channels-without-windows',
        severity: 'warning',
        message: 'Channels have no windows.',
        fix: { action: 'auto_contrast' }
      }
    ];
    const sent: IMetaEdit[] = [];
    const api = datasetAPI(
      entry,
      { ...omeMeta, editable: fields, health },
      {
        editMeta: async (_root, _path, _etag, edit) => {
          sent.push(edit);
          return { editable: fields, etag: '"e2"', changes: [] };
        },
        getViewers: () => new Promise(() => undefined)
      }
    );
    const { panel, model } = await showInspector(entry, api, {
      tab: 'validation'
    });
    await until(() => find(panel.node, '[data-fix="edit"]'));
    expect(find(panel.node, '[data-fix="auto_contrast"]').textContent).toBe(
      'Fix: auto contrast'
    );
    find(panel.node, '[data-fix="edit"]').click();
    await until(() =>
      expect(document.activeElement?.getAttribute('data-edit')).toBe(
        'pixel_sizes.1'
      )
    );
    model.stopEditing();
    model.tab = 'validation';
    await until(() => find(panel.node, '[data-fix="auto_contrast"]'));
    find(panel.node, '[data-fix="auto_contrast"]').click();
    await until(() => expect(sent).toEqual([{ auto_contrast: true }]));
    panel.dispose();
  });
});
