/** leakguard's commands (in the command palette under "leakguard"): each acts on the current notebook. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { Mode } from './protocol.generated';
import { MODE_HELP } from './sidebar/modeSwitch';
import { LeakguardSidebar } from './sidebar/sidebar';

export const COMMANDS = {
  toggle: 'leakguard:toggle-sidebar',
  setMode: 'leakguard:set-mode',
  explain: 'leakguard:explain',
  export: 'leakguard:export',
  load: 'leakguard:load'
} as const;

const CATEGORY = 'leakguard';

function modeOf(args: { mode?: unknown }): Mode {
  return args.mode === 'block' || args.mode === 'safe' ? args.mode : 'warn';
}

export function addCommands(app: JupyterFrontEnd, sidebar: LeakguardSidebar, palette: ICommandPalette | null): void {
  const { commands, shell } = app;
  const connected = (): boolean => sidebar.controller?.state.status === 'connected';
  const show = (): void => shell.activateById(sidebar.id);

  commands.addCommand(COMMANDS.toggle, {
    label: 'Toggle leakguard Sidebar',
    caption: 'Show or hide the leakguard sidebar',
    isToggled: () => sidebar.isVisible,
    execute: () => {
      if (sidebar.isVisible) {
        // collapsing the right area hides the sidebar the way its tab does
        (shell as unknown as { collapseRight?: () => void }).collapseRight?.();
      } else {
        show();
      }
    }
  });
  commands.addCommand(COMMANDS.setMode, {
    label: args => `Set leakguard Mode to ${modeOf(args)}`,
    caption: args => MODE_HELP[modeOf(args)],
    isEnabled: connected,
    isToggled: args => sidebar.controller?.state.policy?.mode === modeOf(args),
    execute: args => sidebar.setMode(modeOf(args))
  });
  commands.addCommand(COMMANDS.explain, {
    label: 'Explain a Variable with leakguard…',
    caption: 'Show where a value comes from',
    isEnabled: connected,
    execute: () => {
      show();
      sidebar.focusExplain();
    }
  });
  commands.addCommand(COMMANDS.export, {
    label: 'Export Clean Pipeline with leakguard',
    isEnabled: connected,
    execute: async () => {
      show();
      await sidebar.exportPipeline();
    }
  });
  commands.addCommand(COMMANDS.load, {
    label: 'Load leakguard into This Kernel',
    caption: 'Run %load_ext leakguard in the current notebook kernel',
    isEnabled: () => sidebar.controller !== null && !connected(),
    execute: () => sidebar.controller?.loadLeakguard()
  });

  if (palette) {
    palette.addItem({ command: COMMANDS.toggle, category: CATEGORY });
    for (const mode of ['warn', 'block', 'safe'] as const) {
      palette.addItem({ command: COMMANDS.setMode, category: CATEGORY, args: { mode } });
    }
    palette.addItem({ command: COMMANDS.explain, category: CATEGORY });
    palette.addItem({ command: COMMANDS.export, category: CATEGORY });
    palette.addItem({ command: COMMANDS.load, category: CATEGORY });
  }
}
