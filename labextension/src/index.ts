/** leakguard's JupyterLab plugins (declarations only; the logic lives in the modules imported). */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { activateSidebar } from './activate';

const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'leakguard:sidebar',
  description: 'leakguard: findings per cell, cell badges, provenance, mode and export for notebooks.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, registry: ISettingRegistry | null) =>
    activateSidebar(app, tracker, registry)
};

export default [sidebarPlugin];
