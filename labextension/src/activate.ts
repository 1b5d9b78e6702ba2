/**
 * Wire the sidebar to JupyterLab: one controller per notebook; the sidebar follows the
 * notebook that is the current document (none when another kind of tab is); the layout
 * restorer brings it back after a reload; commands; badge clicks open it at the cell.
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { addCommands } from './commands';
import { NotebookController } from './controller';
import { shieldIcon } from './icon';
import { DEFAULTS, readSettings, Settings } from './settings';
import { LeakguardSidebar } from './sidebar/sidebar';

export async function activateSidebar(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  registry: ISettingRegistry | null,
  restorer: ILayoutRestorer | null,
  palette: ICommandPalette | null
): Promise<void> {
  const sidebar = new LeakguardSidebar({
    openFile: path => void app.commands.execute('docmanager:open', { path }),
    copy: text => Clipboard.copyToSystem(text)
  });
  sidebar.title.icon = shieldIcon;
  app.shell.add(sidebar, 'right', { rank: 900 });
  // before any await: the restorer must know the widget when it restores the layout
  restorer?.add(sidebar, sidebar.id);
  addCommands(app, sidebar, palette);

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

  const controllers = new WeakMap<NotebookPanel, NotebookController>();
  const controllerOf = (panel: NotebookPanel): NotebookController => {
    let controller = controllers.get(panel);
    if (!controller) {
      controller = new NotebookController(panel, {
        autoload: () => settings.autoload,
        defaultMode: () => settings.defaultMode,
        onBadge: cell => {
          app.shell.activateById(sidebar.id);
          sidebar.follow(controllers.get(panel) ?? null);
          void controllers.get(panel)?.selectCell(cell);
          requestAnimationFrame(() => sidebar.showCell(cell));
        }
      });
      controllers.set(panel, controller);
    }
    return controller;
  };
  tracker.widgetAdded.connect((_, panel) => void controllerOf(panel));
  tracker.forEach(panel => void controllerOf(panel));

  // The tracker keeps its last notebook while a console or a text file is in front;
  // the sidebar follows the document in front instead, so it never shows a hidden notebook.
  const current = (): NotebookController | null => {
    const widget = app.shell.currentWidget;
    if (widget && tracker.has(widget)) {
      return controllerOf(widget as NotebookPanel);
    }
    return widget ? null : tracker.currentWidget ? controllerOf(tracker.currentWidget) : null;
  };
  const followCurrent = (): void => sidebar.follow(current());
  tracker.currentChanged.connect(followCurrent);
  const shellChanged = (app.shell as { currentChanged?: { connect(fn: () => void): void } }).currentChanged;
  shellChanged?.connect(followCurrent);
  followCurrent();
}
