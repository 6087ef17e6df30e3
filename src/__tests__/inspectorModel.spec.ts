import type { INodeResponse } from '../api';
import { InspectorModel } from '../inspector/inspectorModel';
import { SelectionModel } from '../selection';
import {
  apiError,
  fakeAPI,
  makeEntry,
  makeNode,
  makeRoot,
  settle
} from './fakes';

describe('SelectionModel', () => {
  it('emits only when the selection changes', () => {
    const selection = new SelectionModel();
    const seen: Array<string | null> = [];
    selection.changed.connect((_, value) =>
      seen.push(value?.entry.path ?? null)
    );
    const root = makeRoot('demo');
    const entry = makeEntry('a');
    selection.select(root, entry);
    selection.select(root, entry);
    selection.clear();
    selection.clear();
    expect(seen).toEqual(['a', null]);
  });

  it('knows whether a path of a root is the selected one', () => {
    const selection = new SelectionModel();
    selection.select(makeRoot('demo'), makeEntry('x/y'));
    expect(selection.isSelected('demo', 'x/y')).toBe(true);
    expect(selection.isSelected('scratch', 'x/y')).toBe(false);
  });
});

describe('InspectorModel', () => {
  it.each([
    ['ome-zarr', true],
    ['ome-zarr', false],
    ['zarr-group', true],
    ['file', false]
  ])(
    'asks for a preview of a %s when the server says it can draw one (%s)',
    async (kind, previewable) => {
      const selection = new SelectionModel();
      // The listing's word is re-read from the node: the confirmed entry decides.
      const listed = makeEntry('data', { kind: kind as never });
      const confirmed = { ...listed, previewable };
      const model = new InspectorModel(
        selection,
        fakeAPI({
          getNode: async root => makeNode(root, confirmed),
          getMeta: () => new Promise(() => undefined),
          getStats: () => new Promise(() => undefined),
          thumbnailURL: (root, path) => `/thumb/${root}/${path}`
        })
      );
      selection.select(makeRoot('demo'), listed);
      await settle();
      expect(model.thumbnailUrl).toBe(previewable ? '/thumb/demo/data' : null);
      model.dispose();
    }
  );

  it('is empty without a selection', () => {
    const model = new InspectorModel(
      new SelectionModel(),
      fakeAPI({ getNode: jest.fn() })
    );
    expect(model.state).toEqual({ status: 'empty' });
  });

  it('shows the listed entry while loading, then the confirmed node', async () => {
    const selection = new SelectionModel();
    const listed = makeEntry('tiff/stack.tif', { kind: 'file' });
    const confirmed = makeNode('demo', { ...listed, kind: 'tiff' });
    const fetchNode = jest.fn(async () => confirmed);
    const model = new InspectorModel(
      selection,
      fakeAPI({ getNode: fetchNode })
    );
    const root = makeRoot('demo');

    selection.select(root, listed);
    expect(model.state).toEqual({ status: 'loading', root, entry: listed });
    await settle();
    expect(model.state).toEqual({ status: 'ready', root, entry: confirmed });
    expect(fetchNode).toHaveBeenCalledWith('demo', 'tiff/stack.tif');
  });

  it('lets the newest selection win over a slower earlier answer', async () => {
    const selection = new SelectionModel();
    const answers: Array<(node: INodeResponse) => void> = [];
    const model = new InspectorModel(
      selection,
      fakeAPI({
        getNode: () =>
          new Promise<INodeResponse>(resolve => answers.push(resolve))
      })
    );
    const root = makeRoot('demo');
    const first = makeEntry('first');
    const second = makeEntry('second');
    selection.select(root, first);
    selection.select(root, second);
    answers[1](makeNode('demo', second));
    answers[0](makeNode('demo', first));
    await settle();
    expect(model.state.status).toBe('ready');
    expect(model.state.status === 'ready' ? model.state.entry.path : null).toBe(
      'second'
    );
  });

  it('turns a failed read into an error state that keeps the listed entry', async () => {
    const selection = new SelectionModel();
    const model = new InspectorModel(
      selection,
      fakeAPI({
        getNode: async () => {
          throw apiError(404, 'gone');
        }
      })
    );
    const entry = makeEntry('gone.zarr', { kind: 'zarr-array' });
    selection.select(makeRoot('demo'), entry);
    await settle();
    expect(model.state.status).toBe('error');
    if (model.state.status === 'error') {
      expect(model.state.entry).toBe(entry);
      expect(model.state.error.title).toBe('This entry no longer exists.');
    }
  });

  it('empties when the selection is cleared, dropping an answer still on its way', async () => {
    const selection = new SelectionModel();
    let answer: (node: INodeResponse) => void = () => undefined;
    const model = new InspectorModel(
      selection,
      fakeAPI({
        getNode: () => new Promise<INodeResponse>(resolve => (answer = resolve))
      })
    );
    const entry = makeEntry('a');
    selection.select(makeRoot('demo'), entry);
    selection.clear();
    answer(makeNode('demo', entry));
    await settle();
    expect(model.state).toEqual({ status: 'empty' });
  });
});
