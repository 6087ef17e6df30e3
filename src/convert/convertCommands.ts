/**
 * Conversions in JupyterLab: the "Convert…" command (a dialog with the Convert form, from
 * the browser's context menu), the "Conversion jobs" view, and a notification when a job
 * ends, with "Show result" taking the browser to the output.
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, ReactWidget } from '@jupyterlab/apputils';
import { buildIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IJob } from '../api';
import { BrowserModel } from '../browser/browserModel';
import { CommandIDs, ROW_SELECTOR } from '../commands';
import { registerMainAreaView } from '../common/mainAreaView';
import { conversionChoices } from './conversionChoices';
import { ConvertForm } from './ConvertForm';
import { JobsModel, JobsModelAPI } from './jobsModel';
import { JobsPanel } from './JobsPanel';

/** Take the Fileglancer browser to a finished job's output and inspect it. */
function showResult(browser: BrowserModel, job: IJob): void {
  browser.reveal(job.destination.root, job.destination.path).catch(error => {
    Notification.error(`The result cannot be shown: ${String(error)}`);
  });
}

/** Tell the user how a job they started ended. */
function announce(browser: BrowserModel, job: IJob): void {
  const what = `${job.source.path} → ${job.destination.path}`;
  switch (job.state) {
    case 'done':
      Notification.success(`Conversion done: ${what}`, {
        autoClose: 8000,
        actions: [
          { label: 'Show result', callback: () => showResult(browser, job) }
        ]
      });
      break;
    case 'cancelled':
      Notification.info(
        `Conversion cancelled, nothing was left behind: ${what}`,
        {
          autoClose: 5000
        }
      );
      break;
    default:
      Notification.error(
        `Conversion ${job.state}: ${what}. ${job.error?.message ?? ''}`.trim(),
        { autoClose: false }
      );
  }
}

/** Register the conversion commands; returns the jobs model the inspector submits to. */
export function registerConvertCommands(
  app: JupyterFrontEnd,
  browser: BrowserModel,
  restorer: ILayoutRestorer | null,
  api: JobsModelAPI
): JobsModel {
  const jobs = new JobsModel(api);
  jobs.ended.connect((_, job) => {
    announce(browser, job);
    // The output (or its removal) changed a folder the browser may be showing.
    if (browser.listing.root === job.destination.root) {
      void browser.listing.refresh();
    }
  });
  registerMainAreaView(app, restorer, {
    command: CommandIDs.openJobs,
    label: 'Show Conversion Jobs',
    caption: 'Progress, cancel and results of your Fileglancer conversions',
    icon: buildIcon,
    id: 'fileglancer-jobs',
    title: 'Conversion jobs',
    restoreName: 'jobs',
    create: () => new JobsPanel(jobs, job => showResult(browser, job)),
    refresh: () => void jobs.refresh()
  });

  const selected = () => browser.selection.current;
  app.commands.addCommand(CommandIDs.convert, {
    label: 'Convert…',
    caption:
      'Convert TIFF / CZI to OME-Zarr, or OME-Zarr to TIFF or another Zarr',
    icon: buildIcon,
    isVisible: () => {
      const current = selected();
      return current !== null && conversionChoices(current.entry).length > 0;
    },
    execute: () => {
      const current = selected();
      if (!current) {
        return;
      }
      const dialog = new Dialog({
        title: `Convert ${current.entry.name}`,
        body: ReactWidget.create(
          React.createElement(ConvertForm, {
            root: current.root,
            entry: current.entry,
            submit: request => jobs.submit(request),
            onSubmitted: () => {
              dialog.resolve();
              void app.commands.execute(CommandIDs.openJobs);
            }
          })
        ),
        buttons: [Dialog.cancelButton({ label: 'Close' })]
      });
      void dialog.launch();
    }
  });
  app.contextMenu.addItem({
    command: CommandIDs.convert,
    selector: ROW_SELECTOR,
    rank: 4
  });

  void jobs.refresh();
  return jobs;
}
