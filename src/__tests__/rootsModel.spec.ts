import { fakeAPI } from './fakes';
import { IRoot, IRootsResponse } from '../api';
import { RootsModel } from '../browser/rootsModel';

function root(name: string, available = true): IRoot {
  return {
    name,
    title: name.toUpperCase(),
    path: `/data/${name}`,
    smb_url: null,
    unc_path: null,
    available,
    problem: available ? null : `/data/${name} does not exist`
  };
}

/** A fetch whose answers the test releases one by one, in any order. */
function deferredFetches(): {
  fetch: () => Promise<IRootsResponse>;
  pending: Array<{
    resolve: (r: IRootsResponse) => void;
    reject: (e: Error) => void;
  }>;
} {
  const pending: Array<{
    resolve: (r: IRootsResponse) => void;
    reject: (e: Error) => void;
  }> = [];
  const fetch = () =>
    new Promise<IRootsResponse>((resolve, reject) =>
      pending.push({ resolve, reject })
    );
  return { fetch, pending };
}

describe('RootsModel', () => {
  it('starts loading and becomes ready with the roots', async () => {
    const model = new RootsModel(
      fakeAPI({
        getRoots: async () => ({
          roots: [root('home'), root('scratch')]
        })
      })
    );
    expect(model.state.status).toBe('loading');
    await model.refresh();
    expect(model.state).toEqual({
      status: 'ready',
      roots: [root('home'), root('scratch')]
    });
  });

  it('emits changed for loading and for the answer', async () => {
    const model = new RootsModel(
      fakeAPI({ getRoots: async () => ({ roots: [root('home')] }) })
    );
    const seen: string[] = [];
    model.changed.connect(() => seen.push(model.state.status));
    await model.refresh();
    expect(seen).toEqual(['loading', 'ready']);
  });

  it('keeps the error message when the server fails', async () => {
    const model = new RootsModel(
      fakeAPI({
        getRoots: async () => {
          throw new Error('Forbidden');
        }
      })
    );
    await model.refresh();
    expect(model.state).toEqual({ status: 'error', message: 'Forbidden' });
  });

  it('lets the newest refresh win when answers arrive out of order', async () => {
    const { fetch, pending } = deferredFetches();
    const model = new RootsModel(fakeAPI({ getRoots: fetch }));
    const first = model.refresh();
    const second = model.refresh();
    pending[1].resolve({ roots: [root('new')] });
    pending[0].resolve({ roots: [root('old')] });
    await Promise.all([first, second]);
    expect(model.state).toEqual({ status: 'ready', roots: [root('new')] });
  });

  it('selects available roots only', async () => {
    const model = new RootsModel(
      fakeAPI({
        getRoots: async () => ({
          roots: [root('home'), root('gone', false)]
        })
      })
    );
    await model.refresh();
    model.select('gone');
    expect(model.selected).toBeNull();
    model.select('nope');
    expect(model.selected).toBeNull();
    model.select('home');
    expect(model.selected).toBe('home');
  });

  it('drops the selection when its root disappears on refresh', async () => {
    let roots = [root('home'), root('scratch')];
    const model = new RootsModel(
      fakeAPI({ getRoots: async () => ({ roots }) })
    );
    await model.refresh();
    model.select('scratch');
    roots = [root('home')];
    await model.refresh();
    expect(model.selected).toBeNull();
  });
});
