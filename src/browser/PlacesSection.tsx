/** Favourites and recent datasets in the browser: one click goes back to each. */
import { closeIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import * as React from 'react';

import { useSignal } from '../common/hooks';
import { kindIcon } from '../kinds';
import { IPlace, placeDetails, PlacesModel } from './placesModel';

function PlaceList(props: {
  name: string;
  places: readonly IPlace[];
  onOpen: (place: IPlace) => void;
  onRemove?: (place: IPlace) => void;
  fullPath?: (place: IPlace) => string;
}): JSX.Element {
  const details = placeDetails(props.places);
  return (
    <ul className="jp-Fileglancer-places" data-places={props.name}>
      {props.places.map((place, index) => {
        const Icon = kindIcon(place.kind);
        return (
          <li
            key={`${place.root}:${place.path}`}
            className="jp-Fileglancer-place"
            data-place={`${place.root}:${place.path}`}
            title={
              props.fullPath?.(place) ??
              `${place.root}:${place.path ? `/${place.path}` : '/'}`
            }
            tabIndex={0}
            onClick={() => props.onOpen(place)}
            onKeyDown={event => {
              if (event.key === 'Enter') {
                props.onOpen(place);
              }
            }}
          >
            <Icon.react tag="span" className="jp-Fileglancer-placeIcon" />
            <span className="jp-Fileglancer-placeName">
              {place.name || place.root}
            </span>
            <span className="jp-Fileglancer-placeDetail">{details[index]}</span>
            {props.onRemove && (
              <ToolbarButtonComponent
                icon={closeIcon}
                tooltip="Remove from favourites"
                dataset={{ action: 'unstar' }}
                onClick={() => props.onRemove?.(place)}
              />
            )}
          </li>
        );
      })}
    </ul>
  );
}

/**
 * Both lists are always there (recent datasets folded), so selecting a dataset, which
 * records it as recent, never moves the listing under the pointer.
 */
export function PlacesSection(props: {
  places: PlacesModel;
  onOpen: (place: IPlace) => void;
  /** The full path shown in a place's tooltip (e.g. the Linux path on the server). */
  fullPath?: (place: IPlace) => string;
}): JSX.Element {
  const { places } = props;
  useSignal(places.changed);
  return (
    <div className="jp-Fileglancer-placesSection">
      <details open data-section="favourites">
        <summary>Favourites ({places.favourites.length})</summary>
        {places.favourites.length > 0 ? (
          <PlaceList
            name="favourites"
            places={places.favourites}
            onOpen={props.onOpen}
            onRemove={place => places.toggleFavourite(place)}
            fullPath={props.fullPath}
          />
        ) : (
          <p className="jp-Fileglancer-placesHint">
            Star a folder or dataset from its context menu.
          </p>
        )}
      </details>
      <details data-section="recent">
        <summary>Recent datasets ({places.recent.length})</summary>
        <PlaceList
          name="recent"
          places={places.recent}
          onOpen={props.onOpen}
          fullPath={props.fullPath}
        />
      </details>
    </div>
  );
}
