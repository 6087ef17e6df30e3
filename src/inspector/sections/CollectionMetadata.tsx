/**
 * Metadata of datasets made of other datasets: label images, HCS plates (as a grid of
 * wells) and wells, bioformats2raw layouts with their OME-XML, Zarr group members and
 * N5 groups.
 */
import * as React from 'react';

import { Button } from '@jupyterlab/ui-components';

import type {
  EntryKind,
  IBioformats2raw,
  IGroupMember,
  IGroupMeta,
  IN5Child,
  IOmeLabel,
  IOmePlate,
  IOmeWell,
  IOmeXmlImage,
  JSONValue
} from '../../api';
import { kindName } from '../../kinds';
import { formatFullTime } from '../../common/format';
import { formatMaybeQuantity, formatQuantity, formatShape } from '../format';
import { n5ResolutionText, zyxNames } from '../facts';
import { MemberPages, PageLoader, useMemberPages } from '../memberPages';
import { Aside, Field, Section, Table } from './common';

function labelColorCount(label: IOmeLabel): number | null {
  return Array.isArray(label.colors) ? label.colors.length : null;
}

export function LabelsSection(props: {
  labels: IOmeLabel[] | null;
  imageLabel: IOmeLabel | null;
}): JSX.Element | null {
  const { labels, imageLabel } = props;
  if (!labels?.length && !imageLabel) {
    return null;
  }
  return (
    <Section title="Labels" name="labels">
      {labels && labels.length > 0 && (
        <Table
          name="labels"
          head={['Label image', 'Colours', 'Properties']}
          rows={labels.map(label => ({
            key: label.name,
            cells: [
              label.name,
              labelColorCount(label) ?? '—',
              Array.isArray(label.properties) ? label.properties.length : '—'
            ]
          }))}
        />
      )}
      {imageLabel && (
        <dl className="jp-Fileglancer-fields">
          <Field label="Label colours" name="label-colors">
            {labelColorCount(imageLabel) ?? 'none declared'}
          </Field>
          {imageLabel.source !== undefined && imageLabel.source !== null && (
            <Field label="Source image" name="label-source">
              <code>{JSON.stringify(imageLabel.source)}</code>
            </Field>
          )}
        </dl>
      )}
    </Section>
  );
}

/** A plate as a grid: rows down, columns across, a filled cell per well. */
export function PlateGrid(props: { plate: IOmePlate }): JSX.Element {
  const { plate } = props;
  const filled = new Set(
    plate.wells.map(well => `${well.rowIndex},${well.columnIndex}`)
  );
  return (
    <div className="jp-Fileglancer-tableWrap">
      <table className="jp-Fileglancer-plate" data-table="plate">
        <thead>
          <tr>
            <th />
            {plate.columns.map((column, c) => (
              <th key={c} scope="col">
                {column ?? c + 1}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {plate.rows.map((row, r) => (
            <tr key={r}>
              <th scope="row">{row ?? r + 1}</th>
              {plate.columns.map((column, c) => {
                const has = filled.has(`${r},${c}`);
                return (
                  <td
                    key={c}
                    data-well={has ? 'present' : 'empty'}
                    title={`${row ?? r + 1}${column ?? c + 1}${has ? '' : ' (no well)'}`}
                  />
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PlateSection(props: { plate: IOmePlate }): JSX.Element {
  const { plate } = props;
  const acquisitions = Array.isArray(plate.acquisitions)
    ? plate.acquisitions.length
    : null;
  return (
    <Section title="Plate" name="plate">
      <dl className="jp-Fileglancer-fields">
        {plate.name && (
          <Field label="Name" name="plate-name">
            {plate.name}
          </Field>
        )}
        <Field label="Layout" name="plate-layout">
          {plate.rows.length} rows × {plate.columns.length} columns
        </Field>
        <Field label="Wells" name="plate-wells">
          {plate.wells_total}
        </Field>
        <Field label="Fields per well" name="plate-fields">
          {plate.field_count ?? '—'}
        </Field>
        <Field label="Acquisitions" name="plate-acquisitions">
          {acquisitions ?? '—'}
        </Field>
      </dl>
      <PlateGrid plate={plate} />
    </Section>
  );
}

export function WellSection(props: { well: IOmeWell }): JSX.Element {
  return (
    <Section title="Well" name="well">
      <Table
        name="well-images"
        head={['Field', 'Acquisition']}
        rows={props.well.images.map((image, i) => ({
          key: String(i),
          cells: [image.path ?? '—', image.acquisition ?? '—']
        }))}
      />
    </Section>
  );
}

export function OmeXmlImage(props: { image: IOmeXmlImage }): JSX.Element {
  const { image } = props;
  const objective = image.objective;
  const sizes = Object.entries(image.physical_size)
    .filter(([, size]) => size !== null)
    .map(
      ([axis, size]) => `${axis} ${formatQuantity(size!.value, size!.unit)}`
    );
  return (
    <div className="jp-Fileglancer-omeImage" data-image={image.id ?? ''}>
      <dl className="jp-Fileglancer-fields">
        <Field label="Image" name="xml-name">
          {image.name ?? image.id ?? '—'}
        </Field>
        {image.acquisition_date && (
          <Field label="Acquired" name="xml-acquired">
            {formatFullTime(image.acquisition_date)}
          </Field>
        )}
        <Field label="Pixels" name="xml-pixels">
          {Object.entries(image.size)
            .map(([axis, size]) => `${axis} ${size ?? '?'}`)
            .join(' × ')}
          {image.type ? `, ${image.type}` : ''}
        </Field>
        {sizes.length > 0 && (
          <Field label="Pixel size" name="xml-pixel-size">
            {sizes.join(', ')}
          </Field>
        )}
        {objective && (
          <Field label="Objective" name="xml-objective">
            {[
              objective.manufacturer,
              objective.model,
              objective.nominal_magnification
                ? `${objective.nominal_magnification}×`
                : null,
              objective.lens_na ? `NA ${objective.lens_na}` : null,
              objective.immersion
            ]
              .filter(Boolean)
              .join(' ') || objective.id}
          </Field>
        )}
      </dl>
      {image.channels.length > 0 && (
        <Table
          name="xml-channels"
          head={['Channel', 'Excitation', 'Emission', 'Fluor']}
          rows={image.channels.map((channel, i) => ({
            key: String(i),
            cells: [
              channel.name ?? channel.id ?? `Channel ${i}`,
              formatMaybeQuantity(channel.excitation_wavelength),
              formatMaybeQuantity(channel.emission_wavelength),
              channel.fluor ?? '—'
            ]
          }))}
        />
      )}
    </div>
  );
}

export function Bioformats2rawSection(props: {
  layout: IBioformats2raw;
}): JSX.Element {
  const { layout } = props;
  const xml = layout.ome_xml;
  return (
    <Section title="bioformats2raw layout" name="bioformats2raw">
      <dl className="jp-Fileglancer-fields">
        <Field label="Layout version" name="b2r-layout">
          {String(layout.layout)}
        </Field>
        <Field label="Series" name="b2r-series">
          {layout.series_total}
          {layout.series.length > 0 && (
            <Aside>
              {layout.series.slice(0, 10).join(', ')}
              {layout.series_total > 10 ? ', …' : ''}
            </Aside>
          )}
        </Field>
      </dl>
      {xml?.images.map((image, i) => (
        <OmeXmlImage key={image.id ?? i} image={image} />
      ))}
      {xml && xml.images_total > xml.images.length && (
        <p className="jp-Fileglancer-note">
          Showing {xml.images.length} of {xml.images_total} images.
        </p>
      )}
    </Section>
  );
}

/** The page size the inspector asks for when "Show more" is clicked. */
const MORE_MEMBERS = 200;

/** "Show N more" under a paged table, and why the last page failed. */
function MoreMembers<T>(props: {
  pages: MemberPages<T>;
  noun: string;
}): JSX.Element | null {
  const { pages, noun } = props;
  if (!pages.canLoadMore && !pages.error) {
    return null;
  }
  const next = Math.min(MORE_MEMBERS, pages.total - pages.items.length);
  return (
    <div className="jp-Fileglancer-moreMembers">
      {pages.canLoadMore && (
        <Button
          small
          data-action="more-members"
          disabled={pages.loading}
          onClick={() => void pages.loadMore()}
        >
          {pages.loading ? 'Loading…' : `Show ${next} more ${noun}`}
        </Button>
      )}
      {pages.error && (
        <p className="jp-Fileglancer-error" role="alert">
          More {noun} could not be loaded: {pages.error}
        </p>
      )}
    </div>
  );
}

function countNote(pages: MemberPages<unknown>, noun: string): string {
  return pages.more
    ? `Showing ${pages.items.length} of ${pages.total} ${noun}`
    : `${pages.total} ${pages.total === 1 ? noun.replace(/s$/, '') : noun}`;
}

/** A group's members page by page: name, kind, shape and data type, then `children`
 * (the count), then "Show more". */
function MembersTable<T extends { name: string; kind: string }>(props: {
  name: string;
  head: string[];
  pages: MemberPages<T>;
  noun: string;
  shapeAndType: (member: T) => [number[] | null, string | null];
  children?: React.ReactNode;
}): JSX.Element {
  const { pages, shapeAndType } = props;
  return (
    <>
      <Table
        name={props.name}
        head={props.head}
        rows={pages.items.map(member => {
          const [shape, dtype] = shapeAndType(member);
          return {
            key: member.name,
            cells: [
              member.name,
              kindName(member.kind as EntryKind),
              formatShape(shape),
              dtype ?? '—'
            ]
          };
        })}
      />
      {props.children}
      <MoreMembers pages={pages} noun={props.noun} />
    </>
  );
}

export function GroupMembersSection(props: {
  group: IGroupMeta;
  /** Fetches the members from an offset on; without it, only the first page shows. */
  loadMembers?: PageLoader<IGroupMember>;
}): JSX.Element {
  const { group } = props;
  const pages = useMemberPages(group, props.loadMembers);
  return (
    <Section title="Members" name="members">
      <MembersTable
        name="members"
        head={['Name', 'Kind', 'Shape', 'Data type']}
        pages={pages}
        noun="members"
        shapeAndType={member => [member.shape, member.dtype]}
      >
        <p className="jp-Fileglancer-note" data-field="members-count">
          {countNote(pages, 'members')}
          {group.consolidated ? ', from consolidated metadata.' : '.'}
        </p>
      </MembersTable>
    </Section>
  );
}

interface IN5Group {
  children: IN5Child[];
  children_total: number;
  children_truncated: boolean;
  multiscale: {
    pixel_resolution: {
      dimensions: number[] | null;
      unit: string | null;
    } | null;
    levels: Array<{
      path: string;
      shape_c_order: number[] | null;
      block_shape_c_order?: number[] | null;
      downsampling_factors: number[] | null;
    }>;
  } | null;
}

export function N5Section(props: {
  n5: { [key: string]: JSONValue };
  /** Fetches the children from an offset on; without it, only the first page shows. */
  loadChildren?: PageLoader<IN5Child>;
}): JSX.Element | null {
  const group = props.n5.group as unknown as IN5Group | null;
  if (!group) {
    return null;
  }
  return <N5GroupSection group={group} loadChildren={props.loadChildren} />;
}

function N5GroupSection(props: {
  group: IN5Group;
  loadChildren?: PageLoader<IN5Child>;
}): JSX.Element {
  const { group } = props;
  const first = React.useMemo(
    () => ({
      members: group.children,
      members_total: group.children_total,
      members_truncated: group.children_truncated
    }),
    [group]
  );
  const pages = useMemberPages(first, props.loadChildren);
  const multiscale = group.multiscale;
  const resolution = multiscale?.pixel_resolution;
  return (
    <Section title="N5 group" name="n5">
      {multiscale && (
        <>
          <dl className="jp-Fileglancer-fields">
            <Field
              label={`Pixel size (${zyxNames(resolution?.dimensions?.length).join(', ')})`}
              name="n5-resolution"
            >
              {n5ResolutionText(resolution)}
            </Field>
          </dl>
          <Table
            name="n5-levels"
            head={['Level', 'Shape (C order)', 'Chunks', 'Downsampling']}
            rows={multiscale.levels.map(level => ({
              key: level.path,
              cells: [
                level.path,
                formatShape(level.shape_c_order),
                formatShape(level.block_shape_c_order),
                // Stored x, y, z like N5's dimensions: shown in C order like the shape.
                Array.isArray(level.downsampling_factors)
                  ? [...level.downsampling_factors].reverse().join(' × ')
                  : '—'
              ]
            }))}
          />
        </>
      )}
      <MembersTable
        name="n5-children"
        head={['Name', 'Kind', 'Shape (C order)', 'Type']}
        pages={pages}
        noun="children"
        shapeAndType={child => [child.shape_c_order, child.data_type]}
      >
        {pages.more && (
          <p className="jp-Fileglancer-note" data-field="n5-children-count">
            {countNote(pages, 'children')}.
          </p>
        )}
      </MembersTable>
    </Section>
  );
}
