/** Wire the sidebar to JupyterLab: one controller per notebook, the sidebar follows the current one. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { NotebookController } from './controller';
import { shieldIcon } from './icon';
import { DEFAULTS, readSettings, Settings } from './settings';
import { LeakguardSidebar } from './sidebar/sidebar';

export async function activateSidebar(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  registry: ISettingRegistry | null
): Promise<void> {
  let settings: Settings = { ...DEFAULTS };
  if (registry) {
    try {
      const loaded = await registry.load('leakguard:sidebar');
      settings = readSettings(loaded);
      loaded.changed.connect(() => (settings = readSettings(loaded)));
    } catch (e) {
      console.warn('leakguard: could not read settings; using the defaults', e);
    }
  }
  const sidebar = new LeakguardSidebar();
  sidebar.title.icon = shieldIcon;
  app.shell.add(sidebar, 'right', { rank: 900 });

  const controllers = new WeakMap<NotebookPanel, NotebookController>();
  const controllerOf = (panel: NotebookPanel): NotebookController => {
    let controller = controllers.get(panel);
    if (!controller) {
      controller = new NotebookController(panel, {
        autoload: () => settings.autoload,
        defaultMode: () => settings.defaultMode
      });
      controllers.set(panel, controller);
    }
    return controller;
  };
  tracker.widgetAdded.connect((_, panel) => void controllerOf(panel));
  tracker.forEach(panel => void controllerOf(panel));
  tracker.currentChanged.connect((_, panel) => sidebar.follow(panel ? controllerOf(panel) : null));
  sidebar.follow(tracker.currentWidget ? controllerOf(tracker.currentWidget) : null);

}
