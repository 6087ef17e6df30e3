import { ReactWidget } from '@jupyterlab/apputils';
import {
  folderIcon,
  moveUpIcon,
  refreshIcon,
  searchIcon,
  ToolbarButtonComponent
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { IRoot } from '../api';
import { useSignal } from '../common/hooks';
import { PanelHeader } from '../common/panelHeader';
import { linuxPath } from '../common/paths';
import { hiddenFilesIcon } from '../common/icons';
import { Breadcrumbs } from './Breadcrumbs';
import { BrowserModel } from './browserModel';
import { ListingModel } from './listingModel';
import { ListingView } from './ListingView';
import { PlacesModel } from './placesModel';
import { PlacesSection } from './PlacesSection';
import { RootsModel } from './rootsModel';

/** How long the filter box waits after the last keystroke before asking the server. */
export const FILTER_DEBOUNCE_MS = 300;

/** The list of configured roots; unavailable roots are shown greyed with the reason. */
export function RootsList(props: {
  model: RootsModel;
  onOpen?: (name: string) => void;
}): JSX.Element {
  const { model } = props;
  const open = props.onOpen ?? ((name: string) => model.select(name));
  const state = model.state;
  if (state.status === 'loading') {
    return <div className="jp-Fileglancer-status">Loading roots…</div>;
  }
  if (state.status === 'error') {
    return (
      <div className="jp-Fileglancer-status jp-Fileglancer-error" role="alert">
        Could not load the roots: {state.message}
      </div>
    );
  }
  if (state.roots.length === 0) {
    return (
      <div className="jp-Fileglancer-status">No roots are configured.</div>
    );
  }
  return (
    <ul className="jp-Fileglancer-roots" aria-label="Roots" role="listbox">
      {state.roots.map(root => (
        <RootItem
          key={root.name}
          root={root}
          selected={model.selected === root.name}
          onSelect={() => {
            if (root.available) {
              open(root.name);
            }
          }}
        />
      ))}
    </ul>
  );
}

function RootItem(props: {
  root: IRoot;
  selected: boolean;
  onSelect: () => void;
}): JSX.Element {
  const { root, selected, onSelect } = props;
  const classes = ['jp-Fileglancer-root'];
  if (selected) {
    classes.push('jp-mod-selected');
  }
  if (!root.available) {
    classes.push('jp-mod-unavailable');
  }
  return (
    <li
      className={classes.join(' ')}
      data-root={root.name}
      title={root.available ? root.path : `Unavailable: ${root.problem}`}
      aria-disabled={!root.available}
      aria-selected={selected}
      role="option"
      tabIndex={0}
      onClick={onSelect}
      onKeyDown={event => {
        if (event.key === 'Enter' || event.key === ' ') {
          onSelect();
        }
      }}
    >
      <folderIcon.react tag="span" className="jp-Fileglancer-rootIcon" />
      <span className="jp-Fileglancer-rootTitle">{root.title}</span>
      <span className="jp-Fileglancer-rootPath">
        {root.available ? root.path : root.problem}
      </span>
    </li>
  );
}

/** The server-side filter: debounced, and cleared when the listing clears its filter. */
export function FilterBox(props: { listing: ListingModel }): JSX.Element {
  const { listing } = props;
  useSignal(listing.changed);
  const [text, setText] = React.useState(listing.filter);
  const committed = React.useRef(listing.filter);

  // The listing dropped its filter (e.g. another folder was opened): show that.
  if (listing.filter !== committed.current) {
    committed.current = listing.filter;
    if (text.trim() !== listing.filter) {
      setText(listing.filter);
    }
  }

  React.useEffect(() => {
    if (text.trim() === listing.filter) {
      return;
    }
    const timer = window.setTimeout(() => {
      committed.current = text.trim();
      void listing.setFilter(text);
    }, FILTER_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text, listing]);

  return (
    <label className="jp-Fileglancer-filter">
      <searchIcon.react tag="span" className="jp-Fileglancer-filterIcon" />
      <input
        className="jp-Fileglancer-filterInput"
        type="search"
        placeholder="Filter by name"
        aria-label="Filter entries by name"
        value={text}
        spellCheck={false}
        onChange={event => setText(event.target.value)}
        onKeyDown={event => {
          if (event.key === 'Escape' && text) {
            event.preventDefault();
            setText('');
          }
        }}
      />
    </label>
  );
}

/** Up, refresh, hidden files and the filter, above the listing. */
function ListingToolbar(props: { model: BrowserModel }): JSX.Element {
  const { model } = props;
  const { listing } = model;
  useSignal(listing.changed);
  return (
    <div className="jp-Fileglancer-toolbar" role="toolbar">
      <ToolbarButtonComponent
        icon={moveUpIcon}
        tooltip="Go to the parent folder (Backspace)"
        enabled={model.canGoToParent}
        dataset={{ action: 'parent' }}
        onClick={() => void model.goToParent()}
      />
      <ToolbarButtonComponent
        icon={refreshIcon}
        tooltip="Refresh the folder"
        dataset={{ action: 'refresh' }}
        onClick={() => void listing.refresh()}
      />
      <ToolbarButtonComponent
        icon={hiddenFilesIcon}
        tooltip="Show hidden files"
        pressedTooltip="Hide hidden files"
        pressed={listing.showHidden}
        dataset={{ action: 'toggle-hidden' }}
        onClick={() => void model.toggleShowHidden()}
      />
      <FilterBox listing={listing} />
    </div>
  );
}

/** The folder part of the browser: shown once a root is chosen. */
function FolderView(props: { model: BrowserModel }): JSX.Element | null {
  const { model } = props;
  useSignal(model.listing.changed);
  if (model.listing.root === null) {
    return (
      <div className="jp-Fileglancer-status jp-Fileglancer-pickRoot">
        Choose a root above to browse it.
      </div>
    );
  }
  return (
    <div className="jp-Fileglancer-folder">
      <Breadcrumbs model={model} />
      <ListingToolbar model={model} />
      <ListingView model={model} />
    </div>
  );
}

/** The roots list, kept current; choosing a root lists its top folder. */
function RootsSection(props: { model: BrowserModel }): JSX.Element {
  const { model } = props;
  useSignal(model.roots.changed);
  return (
    <RootsList
      model={model.roots}
      onOpen={name => void model.navigate(name, '')}
    />
  );
}

/** The left-sidebar panel: the roots, then the folder shown with its breadcrumbs. */
export class BrowserPanel extends ReactWidget {
  constructor(
    readonly model: BrowserModel,
    readonly places: PlacesModel | null = null
  ) {
    super();
    this.addClass('jp-Fileglancer-browser');
  }

  render(): JSX.Element {
    const { model } = this;
    return (
      <>
        <PanelHeader
          title="Fileglancer"
          tooltip="Reload the roots"
          action="reload-roots"
          onRefresh={() => void model.roots.refresh()}
        />
        <RootsSection model={model} />
        {this.places && (
          <PlacesSection
            places={this.places}
            onOpen={place =>
              void model.reveal(place.root, place.path).catch(reason => {
                console.warn('fileglancer-ext: cannot open a place.', reason);
              })
            }
            fullPath={place => {
              const root = model.findRoot(place.root);
              return root
                ? linuxPath(root.path, place.path)
                : `${place.root}:/${place.path}`;
            }}
          />
        )}
        <FolderView model={model} />
      </>
    );
  }
}
