/** leakguard's JupyterLab plugins (declarations only; the logic lives in the modules imported). */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { activateSidebar } from './activate';

const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'leakguard:sidebar',
  description: 'leakguard: findings per cell, cell badges, provenance, mode and export for notebooks.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    registry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ) => activateSidebar(app, tracker, registry, restorer, palette)
};

export default [sidebarPlugin];
