import { Widget } from '@lumino/widgets';

import { IRoot } from '../api';
import { BrowserPanel } from '../browser/BrowserPanel';
import { RootsModel } from '../browser/rootsModel';
import { InspectorPanel } from '../inspector/InspectorPanel';

function root(name: string, available = true): IRoot {
  return {
    name,
    title: `Title ${name}`,
    path: `/data/${name}`,
    smb_url: null,
    unc_path: null,
    available,
    problem: available ? null : `/data/${name} does not exist`
  };
}

/** Attach a widget to the document and wait for React to render it. */
async function show(widget: Widget): Promise<void> {
  if (!widget.isAttached) {
    Widget.attach(widget, document.body);
  }
  await new Promise(resolve => setTimeout(resolve, 0));
  await new Promise(resolve => requestAnimationFrame(resolve));
}

describe('BrowserPanel', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('lists every root with its title and marks unavailable ones with the reason', async () => {
    const model = new RootsModel(async () => ({
      roots: [root('home'), root('gone', false)]
    }));
    await model.refresh();
    const panel = new BrowserPanel(model);
    await show(panel);

    const items = Array.from(
      panel.node.querySelectorAll('.jp-Fileglancer-root')
    );
    expect(items.map(item => item.getAttribute('data-root'))).toEqual([
      'home',
      'gone'
    ]);
    expect(items[0].textContent).toContain('Title home');
    expect(items[1].classList.contains('jp-mod-unavailable')).toBe(true);
    expect(items[1].textContent).toContain('/data/gone does not exist');
    panel.dispose();
  });

  it('shows the server error instead of the list', async () => {
    const model = new RootsModel(async () => {
      throw new Error('The server answered 403 Forbidden');
    });
    await model.refresh();
    const panel = new BrowserPanel(model);
    await show(panel);
    expect(panel.node.querySelector('[role="alert"]')?.textContent).toContain(
      '403 Forbidden'
    );
    panel.dispose();
  });

  it('selects a root when it is clicked', async () => {
    const model = new RootsModel(async () => ({
      roots: [root('home'), root('scratch')]
    }));
    await model.refresh();
    const panel = new BrowserPanel(model);
    await show(panel);
    const scratch = panel.node.querySelector(
      '[data-root="scratch"]'
    ) as HTMLElement;
    scratch.click();
    await show(panel);
    expect(model.selected).toBe('scratch');
    expect(
      panel.node
        .querySelector('[data-root="scratch"]')
        ?.classList.contains('jp-mod-selected')
    ).toBe(true);
    panel.dispose();
  });
});

describe('InspectorPanel', () => {
  it('explains what to do when nothing is selected', async () => {
    const panel = new InspectorPanel();
    await show(panel);
    expect(panel.node.textContent).toContain('No dataset selected');
    panel.dispose();
  });
});
