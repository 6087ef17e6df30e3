import { ListingModel } from '../browser/listingModel';
import { apiError, FakeDirectory, makeEntry, settle } from './fakes';

function names(model: ListingModel): string[] {
  return model.entries.map(entry => entry.name);
}

/** A listing of `count` files whose later pages wait for the test, its first page shown. */
async function firstPageShown(
  count: number,
  firstPageSize: number,
  pageSize: number
): Promise<{ server: FakeDirectory; model: ListingModel }> {
  const server = new FakeDirectory(count);
  const model = new ListingModel(server.fetch, { firstPageSize, pageSize });
  const first = model.navigate('demo', '');
  server.answerNext();
  await first;
  return { server, model };
}

describe('ListingModel', () => {
  it('is idle until a directory is chosen', () => {
    const server = new FakeDirectory(3, { autoAnswer: true });
    const model = new ListingModel(server.fetch);
    expect(model.status).toBe('idle');
    expect(model.entries).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('shows the first page of a directory with the server total', async () => {
    const server = new FakeDirectory(1000, { autoAnswer: true });
    const model = new ListingModel(server.fetch, { firstPageSize: 200 });
    const statuses: string[] = [];
    model.changed.connect(() => statuses.push(model.status));

    await model.navigate('demo', 'many-files/');

    expect(statuses).toEqual(['loading', 'ready']);
    expect(model.root).toBe('demo');
    expect(model.path).toBe('many-files');
    expect(model.contentsPath).toBe('demo/many-files');
    expect(model.total).toBe(1000);
    expect(model.entries.length).toBe(200);
    expect(model.entryAt(0)?.path).toBe('many-files/item-00001.txt');
    expect(model.hasMore).toBe(true);
    expect(server.requests[0]).toMatchObject({
      root: 'demo',
      path: 'many-files',
      cursor: null,
      limit: 200,
      sort: 'name',
      order: 'asc',
      hidden: false,
      filter: ''
    });
  });

  it('assembles later pages in order, up to the end, when the view asks for their rows', async () => {
    const server = new FakeDirectory(1234, { autoAnswer: true });
    const model = new ListingModel(server.fetch, {
      firstPageSize: 100,
      pageSize: 300
    });
    await model.navigate('demo', '');
    model.ensureLoaded(1233);
    await settle();

    expect(model.entries.length).toBe(1234);
    expect(model.hasMore).toBe(false);
    expect(model.total).toBe(1234);
    const expected = Array.from(
      { length: 1234 },
      (_, i) => `item-${String(i + 1).padStart(5, '0')}.txt`
    );
    expect(names(model)).toEqual(expected);
    expect(model.indexOf('item-01234.txt')).toBe(1233);
  });

  it('fetches only as far as the view needs', async () => {
    const server = new FakeDirectory(10_000, { autoAnswer: true });
    const model = new ListingModel(server.fetch, {
      firstPageSize: 200,
      pageSize: 500
    });
    await model.navigate('demo', '');
    model.ensureLoaded(150); // already loaded: nothing to fetch
    await settle();
    expect(server.requests).toHaveLength(1);

    model.ensureLoaded(450);
    await settle();
    expect(server.requests).toHaveLength(2);
    expect(model.entries.length).toBe(700);
  });

  it('uses big pages to reach a row far ahead (a jump to the end)', async () => {
    const server = new FakeDirectory(100_000, { autoAnswer: true });
    const model = new ListingModel(server.fetch, {
      firstPageSize: 200,
      pageSize: 500,
      maxPageSize: 5000
    });
    await model.navigate('demo', 'big');
    model.ensureLoaded(99_999);
    await settle();
    for (let i = 0; i < 50 && model.hasMore; i++) {
      await settle();
    }
    expect(model.entries.length).toBe(100_000);
    expect(model.entryAt(99_999)?.name).toBe('item-100000.txt');
    // 1 first page + ceil(99,800 / 5000) big pages, not 500 small ones.
    expect(server.requests).toHaveLength(1 + 20);
    const limits = server.requests.slice(1).map(request => request.limit);
    expect(limits.slice(0, -1).every(limit => limit === 5000)).toBe(true);
    expect(limits.at(-1)).toBe(99_800 - 19 * 5000);
  });

  it('never requests the same cursor twice, however often the view asks', async () => {
    const { server, model } = await firstPageShown(2000, 200, 500);

    model.ensureLoaded(600);
    model.ensureLoaded(650);
    model.ensureLoaded(700);
    await settle();
    expect(server.pending).toHaveLength(1); // one page on its way, not three

    server.answerNext();
    await settle();
    model.ensureLoaded(1999);
    model.ensureLoaded(1999);
    await settle();
    while (server.pending.length) {
      server.answerNext();
      await settle();
    }
    const cursors = server.cursors.filter(cursor => cursor !== null);
    expect(new Set(cursors).size).toBe(cursors.length);
    expect(model.entries.length).toBe(2000);
  });

  it('drops the page of a folder left behind', async () => {
    const server = new FakeDirectory(500);
    const model = new ListingModel(server.fetch);
    const toA = model.navigate('demo', 'a');
    const toB = model.navigate('demo', 'b');
    // The answer for "b" arrives first, then the stale one for "a".
    server.pending[1].answer();
    await toB;
    server.pending[0].answer();
    await toA;

    expect(model.path).toBe('b');
    expect(model.entries.every(entry => entry.path.startsWith('b/'))).toBe(
      true
    );
    expect(model.entries.length).toBe(200);
  });

  it('drops a later page that arrives after the sort changed', async () => {
    const { server, model } = await firstPageShown(1000, 200, 200);
    model.ensureLoaded(300); // page 2 (ascending) is now on its way
    await settle();
    expect(server.pending).toHaveLength(1);

    const resorted = model.setSort('name', 'desc');
    expect(model.status).toBe('loading');
    expect(model.entries).toEqual([]);
    const stalePage = server.pending.shift();
    server.answerNext(); // the new first page (descending)
    await resorted;
    stalePage?.answer(); // the old ascending page 2 arrives late
    await settle();

    expect(model.order).toBe('desc');
    expect(model.entries.length).toBe(200);
    expect(model.entryAt(0)?.name).toBe('item-01000.txt');
    expect(model.indexOf('item-00300.txt')).toBe(-1);
  });

  it('never shows an entry twice when pages overlap', async () => {
    const model = new ListingModel(async request => {
      const first = request.cursor === null;
      return {
        path: '',
        contents_path: '',
        entries: first
          ? [makeEntry('a'), makeEntry('b')]
          : [makeEntry('b'), makeEntry('c')],
        total: 3,
        next_cursor: first ? 'next' : null,
        sort: 'name',
        order: 'asc'
      };
    });
    await model.navigate('demo', '');
    model.ensureLoaded(2);
    await settle();
    expect(names(model)).toEqual(['a', 'b', 'c']);
    expect(model.total).toBe(3);
  });

  it('stops at a cursor that points back instead of looping', async () => {
    const fetch = jest.fn(async (request: { cursor?: string | null }) => ({
      path: '',
      contents_path: '',
      entries: [makeEntry(`e-${request.cursor ?? 'first'}`)],
      total: 10,
      next_cursor: 'same',
      sort: 'name' as const,
      order: 'asc' as const
    }));
    const model = new ListingModel(fetch);
    await model.navigate('demo', '');
    model.ensureLoaded(9);
    await settle();
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(model.hasMore).toBe(false);
    expect(model.total).toBe(2);
  });

  it('starts again from a first page when the filter changes', async () => {
    const server = new FakeDirectory(300, { autoAnswer: true });
    const model = new ListingModel(server.fetch, { firstPageSize: 100 });
    await model.navigate('demo', '');
    model.ensureLoaded(250);
    await settle();
    expect(model.entries.length).toBe(300);

    await model.setFilter('  item-0012 ');
    expect(model.filter).toBe('item-0012');
    expect(server.requests.at(-1)).toMatchObject({
      cursor: null,
      filter: 'item-0012'
    });
    expect(names(model)).toEqual(
      Array.from({ length: 10 }, (_, i) => `item-0012${i}.txt`)
    );
    expect(model.total).toBe(10);
  });

  it('treats an unchanged sort, filter or hidden choice as no change', async () => {
    const server = new FakeDirectory(10, { autoAnswer: true });
    const model = new ListingModel(server.fetch);
    await model.navigate('demo', '');
    await model.setSort('name', 'asc');
    await model.setFilter('');
    await model.setShowHidden(false);
    expect(server.requests).toHaveLength(1);
  });

  it('toggles the order of the sorted column and uses each key its own first order', async () => {
    const server = new FakeDirectory(10, { autoAnswer: true });
    const model = new ListingModel(server.fetch);
    await model.navigate('demo', '');
    await model.toggleSort('name');
    expect([model.sort, model.order]).toEqual(['name', 'desc']);
    await model.toggleSort('size');
    expect([model.sort, model.order]).toEqual(['size', 'desc']);
    await model.toggleSort('size');
    expect([model.sort, model.order]).toEqual(['size', 'asc']);
    await model.toggleSort('kind');
    expect([model.sort, model.order]).toEqual(['kind', 'asc']);
    expect(server.requests.at(-1)).toMatchObject({
      sort: 'kind',
      order: 'asc',
      cursor: null
    });
  });

  it('asks for hidden entries when they are shown', async () => {
    const server = new FakeDirectory(10, { autoAnswer: true });
    const model = new ListingModel(server.fetch);
    await model.setShowHidden(true); // no directory yet: nothing to fetch
    expect(server.requests).toHaveLength(0);
    await model.navigate('demo', '');
    expect(server.requests[0].hidden).toBe(true);
  });

  it('clears the filter when another folder is opened', async () => {
    const server = new FakeDirectory(10, { autoAnswer: true });
    const model = new ListingModel(server.fetch);
    await model.navigate('demo', '');
    await model.setFilter('item');
    await model.navigate('demo', 'sub');
    expect(model.filter).toBe('');
    expect(server.requests.at(-1)?.filter).toBe('');
  });

  it.each([
    [403, 'forbidden', 'You do not have permission to open this folder.'],
    [404, 'not_found', 'This folder no longer exists.'],
    [0, 'offline', 'Cannot reach the server.'],
    [400, 'bad_request', 'The server could not read this folder.'],
    [500, 'failed', 'The folder could not be read.']
  ])(
    'maps a first-page failure with status %d to the %s state',
    async (status, kind, title) => {
      const model = new ListingModel(async () => {
        throw apiError(status, 'server words');
      });
      await model.navigate('demo', 'secret');
      expect(model.status).toBe('error');
      expect(model.error).toEqual({
        kind,
        title,
        detail: 'server words',
        status
      });
      expect(model.entries).toEqual([]);
    }
  );

  it('keeps the loaded entries when a later page fails, and retries that page', async () => {
    const { server, model } = await firstPageShown(600, 200, 200);
    model.ensureLoaded(300);
    await settle();
    server.pending.shift()?.fail(apiError(0, 'offline'));
    await settle();

    expect(model.status).toBe('ready');
    expect(model.entries.length).toBe(200);
    expect(model.pageError?.kind).toBe('offline');
    model.ensureLoaded(400); // no retry storm while the error is shown
    await settle();
    expect(server.pending).toHaveLength(0);

    await model.retry();
    expect(model.pageError).toBeNull();
    server.answerNext();
    await settle();
    // The retried page covers everything asked for meanwhile (up to row 400).
    expect(model.entries.length).toBe(401);
    expect(model.entryAt(400)?.name).toBe('item-00401.txt');
    expect(server.cursors).toEqual([null, 'at:200', 'at:200']);
  });

  it('retries a failed first page by loading it again', async () => {
    let fail = true;
    const server = new FakeDirectory(5, { autoAnswer: true });
    const model = new ListingModel(async request => {
      if (fail) {
        throw apiError(0);
      }
      return server.fetch(request);
    });
    await model.navigate('demo', '');
    expect(model.status).toBe('error');
    fail = false;
    await model.retry();
    expect(model.status).toBe('ready');
    expect(model.entries.length).toBe(5);
  });

  it('reports an empty folder as ready with no entries', async () => {
    const server = new FakeDirectory(0, { autoAnswer: true });
    const model = new ListingModel(server.fetch);
    await model.navigate('scratch', '');
    expect(model.status).toBe('ready');
    expect(model.total).toBe(0);
    expect(model.hasMore).toBe(false);
  });

  it('refresh drops the pages and loads the first one again', async () => {
    const server = new FakeDirectory(50, { autoAnswer: true });
    const model = new ListingModel(server.fetch, { firstPageSize: 20 });
    await model.navigate('demo', '');
    const generation = model.generation;
    server.count = 3;
    await model.refresh();
    expect(model.generation).toBeGreaterThan(generation);
    expect(names(model)).toEqual([
      'item-00001.txt',
      'item-00002.txt',
      'item-00003.txt'
    ]);
  });

  it('clear forgets the directory', async () => {
    const server = new FakeDirectory(5, { autoAnswer: true });
    const model = new ListingModel(server.fetch);
    await model.navigate('demo', 'x');
    model.clear();
    expect(model.status).toBe('idle');
    expect(model.root).toBeNull();
    expect(model.entries).toEqual([]);
  });
});
