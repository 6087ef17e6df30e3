/**
 * The inspector's tabs for a dataset: Overview, Metadata, Validation and Raw. Each tab
 * renders one part of the metadata summary (`GET meta`) and the storage statistics
 * (`GET stats`); problems with individual metadata files are listed above the tabs.
 */
import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';

import type {
  IEditFix,
  IEntry,
  IGroupMember,
  IHealthFix,
  IHealthWarning,
  IMembersPage,
  IMetaResponse,
  IN5Child,
  IRoot,
  IStatsResponse
} from '../api';
import { HealthWarnings } from './sections/HealthSection';
import { TiffSection } from './sections/TiffSection';
import { FileSeriesSection } from './sections/FileSeriesSection';
import { ConvertForm } from '../convert/ConvertForm';
import { conversionChoices } from '../convert/conversionChoices';
import { firstMultiscale } from './facts';
import type { PageLoader } from './memberPages';
import type { IInspectorActions } from './InspectorPanel';
import { DataLinkToggle, ShareTab } from '../share/ShareTab';
import type { ShareModel } from '../share/shareModel';
import type { LoadState } from './inspectorModel';
import type { MetadataEditor } from './metadataEditor';
import { EditToolbar, MetadataEditorView } from './sections/MetadataEditorView';
import {
  Bioformats2rawSection,
  GroupMembersSection,
  LabelsSection,
  N5Section,
  PlateSection,
  WellSection
} from './sections/CollectionMetadata';
import { Loading, RequestFailure } from './sections/common';
import { ChannelsSection, MultiscaleSection } from './sections/ImageMetadata';
import { OverviewSection } from './sections/OverviewSection';
import { RawSection } from './sections/RawSection';
import {
  ValidationBadge,
  ValidationSection
} from './sections/ValidationSection';

export type InspectorTab =
  'overview' | 'metadata' | 'validation' | 'share' | 'convert' | 'raw';

const TABS: Array<{ id: InspectorTab; label: string }> = [
  { id: 'overview', label: 'Overview' },
  { id: 'metadata', label: 'Metadata' },
  { id: 'validation', label: 'Validation' },
  { id: 'share', label: 'Share' },
  { id: 'convert', label: 'Convert' },
  { id: 'raw', label: 'Raw' }
];

/** What the Metadata tab needs to edit an image (absent: it only shows). */
export interface IMetadataEditing {
  editor: MetadataEditor;
  editing: boolean;
  /** The field to focus when the editor opens. */
  focus: string | null;
  start: () => void;
  stop: () => void;
  /** Read the dataset again (after someone else changed it). */
  reload: () => void;
}

/**
 * Everything the Metadata tab knows how to show; says so when there is nothing. An
 * editable image has an Edit button above, and the editor instead while editing.
 */
export function MetadataTab(props: {
  meta: IMetaResponse;
  /** Fetches more members of a big group (or N5 children) from an offset on. */
  loadMembers?: (offset: number) => Promise<IMembersPage>;
  edit?: IMetadataEditing | null;
}): JSX.Element {
  const { meta, loadMembers, edit } = props;
  if (edit?.editing) {
    return (
      <div data-tab-panel="metadata" data-mode="edit">
        <MetadataEditorView
          editor={edit.editor}
          focus={edit.focus}
          onDone={edit.stop}
          onReload={edit.reload}
        />
      </div>
    );
  }
  const ome = meta.ome;
  const multiscales = ome?.multiscales ?? [];
  const sections: JSX.Element[] = [];
  multiscales.forEach((multiscale, index) =>
    sections.push(
      <MultiscaleSection
        key={`ms-${index}`}
        multiscale={multiscale}
        index={index}
        count={multiscales.length}
      />
    )
  );
  if (ome?.omero && ome.omero.channels.length > 0) {
    sections.push(<ChannelsSection key="channels" omero={ome.omero} />);
  }
  if (ome?.labels?.length || ome?.image_label) {
    sections.push(
      <LabelsSection
        key="labels"
        labels={ome.labels}
        imageLabel={ome.image_label}
      />
    );
  }
  if (ome?.plate) {
    sections.push(<PlateSection key="plate" plate={ome.plate} />);
  }
  if (ome?.well) {
    sections.push(<WellSection key="well" well={ome.well} />);
  }
  if (ome?.bioformats2raw) {
    sections.push(
      <Bioformats2rawSection key="b2r" layout={ome.bioformats2raw} />
    );
  }
  // An image's members are its levels, already listed with their figures.
  if (meta.group && meta.group.members.length > 0 && multiscales.length === 0) {
    sections.push(
      <GroupMembersSection
        key="members"
        group={meta.group}
        loadMembers={loadMembers as PageLoader<IGroupMember> | undefined}
      />
    );
  }
  if (meta.tiff) {
    sections.push(<TiffSection key="tiff" tiff={meta.tiff} />);
  }
  if (meta.series) {
    sections.push(<FileSeriesSection key="series" series={meta.series} />);
  }
  if (meta.n5) {
    sections.push(
      <N5Section
        key="n5"
        n5={meta.n5}
        loadChildren={loadMembers as PageLoader<IN5Child> | undefined}
      />
    );
  }
  return (
    <div data-tab-panel="metadata">
      {edit && <EditToolbar editor={edit.editor} onEdit={edit.start} />}
      {sections.length > 0 ? (
        sections
      ) : (
        <p className="jp-Fileglancer-note">
          No OME-NGFF or group metadata; the Overview has the array's figures.
        </p>
      )}
    </div>
  );
}

const SEVERITY_RANK: { [severity: string]: number } = {
  info: 0,
  warning: 1,
  error: 2
};

/** The most serious severity among `health` ("info" for notes only): the badge's colour. */
export function worstSeverity(health: IHealthWarning[]): string {
  return health.reduce(
    (worst, item) =>
      (SEVERITY_RANK[item.severity] ?? 1) > (SEVERITY_RANK[worst] ?? 1)
        ? item.severity
        : worst,
    'info'
  );
}

/** "2 health warnings", or "1 note" when every item is only informative. */
export function healthBadgeText(health: IHealthWarning[]): string {
  const count = health.length;
  if (worstSeverity(health) === 'info') {
    return `${count} note${count === 1 ? '' : 's'}`;
  }
  return `${count} health warning${count === 1 ? '' : 's'}`;
}

function Problems(props: { meta: IMetaResponse }): JSX.Element | null {
  const { problems } = props.meta;
  if (problems.length === 0) {
    return null;
  }
  return (
    <ul className="jp-Fileglancer-problems" role="alert">
      {problems.map((problem, i) => (
        <li key={i}>
          <code>{problem.file}</code>: {problem.message}
        </li>
      ))}
    </ul>
  );
}

/** The tabs of a dataset whose metadata has been requested. */
export function DatasetDetails(props: {
  meta: LoadState<IMetaResponse>;
  stats: LoadState<IStatsResponse>;
  /** Fetches more members of a big group from an offset on. */
  loadMembers?: (offset: number) => Promise<IMembersPage>;
  thumbnailUrl: string | null;
  /** The larger preview the thumbnail opens on click. */
  largeThumbnailUrl?: string | null;
  tab: InspectorTab;
  onTab: (tab: InspectorTab) => void;
  share: ShareModel;
  root: IRoot;
  entry: IEntry;
  actions: IInspectorActions;
  /** The Convert tab's starting point (a health warning's fix). */
  convertPreset?: IHealthFix | null;
  onFix?: (fix: IHealthFix) => void;
  /** Editing the image's metadata, when it can be edited. */
  edit?: IMetadataEditing | null;
  /** Apply a health warning's fix made in place (auto contrast, an edit). */
  onEditFix?: (fix: IEditFix) => void;
}): JSX.Element | null {
  const { meta, stats } = props;
  const convertible = conversionChoices(props.entry).length > 0;
  // The Convert tab is only there for what can be converted.
  const tab = props.tab === 'convert' && !convertible ? 'overview' : props.tab;
  if (meta.status === 'idle') {
    return null;
  }
  if (meta.status === 'loading') {
    return <Loading what="metadata" />;
  }
  if (meta.status === 'error') {
    return <RequestFailure error={meta.error} />;
  }
  const value = meta.value;
  const health = value.health ?? [];
  return (
    <section
      className="jp-Fileglancer-inspectorTabs"
      aria-label="Dataset metadata"
    >
      <Problems meta={value} />
      {(value.validation || health.length > 0) && (
        <div className="jp-Fileglancer-validationSummary">
          {value.validation && (
            <ValidationBadge validation={value.validation} />
          )}
          {health.length > 0 && (
            <button
              type="button"
              className="jp-Fileglancer-healthBadge"
              data-action="show-health"
              data-severity={worstSeverity(health)}
              onClick={() => props.onTab('validation')}
            >
              {healthBadgeText(health)}
            </button>
          )}
        </div>
      )}
      {props.thumbnailUrl && props.actions.openViewer && (
        <Button
          small
          data-action="open-viewer"
          title="Pan, zoom, step through z and t, set channels and contrast"
          onClick={() =>
            props.actions.openViewer?.(props.root.name, props.entry.path)
          }
        >
          View
        </Button>
      )}
      <div className="jp-Fileglancer-tabBar" role="tablist">
        {TABS.filter(
          ({ id }) =>
            id !== 'convert' || conversionChoices(props.entry).length > 0
        ).map(({ id, label }) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            data-tab={id}
            className="jp-Fileglancer-tab"
            onClick={() => props.onTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="jp-Fileglancer-tabPanel" role="tabpanel">
        {tab === 'overview' && (
          <OverviewSection
            meta={value}
            stats={stats}
            thumbnailUrl={props.thumbnailUrl}
            largeThumbnailUrl={props.largeThumbnailUrl ?? null}
            name={props.entry.name}
            linkSlot={<DataLinkToggle model={props.share} />}
            onOpenViewer={
              props.actions.openViewer &&
              (() =>
                props.actions.openViewer?.(props.root.name, props.entry.path))
            }
          />
        )}
        {tab === 'metadata' && (
          <MetadataTab
            meta={value}
            loadMembers={props.loadMembers}
            edit={props.edit}
          />
        )}
        {tab === 'validation' && (
          <>
            <ValidationSection validation={value.validation} />
            {health.length > 0 && (
              <div data-tab-panel="health">
                <h4 className="jp-Fileglancer-subTitle">Health</h4>
                <HealthWarnings
                  health={health}
                  onFix={
                    convertible && props.actions.submitConversion
                      ? props.onFix
                      : undefined
                  }
                  onEditFix={props.edit ? props.onEditFix : undefined}
                />
              </div>
            )}
          </>
        )}
        {tab === 'share' && (
          <ShareTab
            model={props.share}
            onShowLinks={props.actions.showLinks}
            onInsertSnippet={props.actions.insertSnippet}
          />
        )}
        {tab === 'convert' && (
          <div data-tab-panel="convert">
            {props.actions.submitConversion ? (
              <ConvertForm
                root={props.root}
                entry={props.entry}
                levels={firstMultiscale(value)?.datasets.map(
                  level => level.path
                )}
                pattern={value.series?.pattern}
                preset={props.convertPreset}
                submit={props.actions.submitConversion}
                onSubmitted={props.actions.conversionStarted}
              />
            ) : (
              <p className="jp-Fileglancer-note">
                Conversions are not available here.
              </p>
            )}
          </div>
        )}
        {tab === 'raw' && <RawSection raw={value.raw} />}
      </div>
    </section>
  );
}
