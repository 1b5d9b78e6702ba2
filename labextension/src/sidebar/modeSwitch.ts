/** The mode switch: three JupyterLab-styled toggle buttons (a radio group), each with a tooltip. */
import { Mode } from '../protocol.generated';
import { h } from '../dom';

export const MODE_HELP: Readonly<Record<Mode, string>> = {
  warn: 'warn: cells run; findings are shown under the cell and here',
  block: 'block: a call that would leak raises LeakageError before it runs',
  safe: 'safe: exploration and SQL see the training rows only'
};

export class ModeSwitch {
  readonly node: HTMLElement;
  private readonly _buttons = new Map<Mode, HTMLButtonElement>();

  constructor(onPick: (mode: Mode) => void) {
    this.node = h('div', { className: 'lg-mode', attrs: { role: 'radiogroup', 'aria-label': 'leakguard mode' } });
    for (const mode of Object.keys(MODE_HELP) as Mode[]) {
      const button = h(
        'button',
        { className: 'lg-mode-button', title: MODE_HELP[mode], data: { mode }, attrs: { type: 'button', role: 'radio', 'aria-checked': 'false' } },
        mode
      );
      button.addEventListener('click', () => {
        if (button.getAttribute('aria-checked') !== 'true') {
          onPick(mode);
        }
      });
      this._buttons.set(mode, button);
      this.node.append(button);
    }
  }

  set value(mode: Mode | null) {
    for (const [m, button] of this._buttons) {
      button.setAttribute('aria-checked', String(m === mode));
    }
  }

  set disabled(disabled: boolean) {
    for (const button of this._buttons.values()) {
      button.disabled = disabled;
    }
  }
}
