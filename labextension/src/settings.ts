/** The sidebar's settings (schema/sidebar.json), read with safe defaults. */
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Mode } from './protocol.generated';

export interface Settings {
  defaultMode: Mode;
  autoload: boolean;
}

export const DEFAULTS: Settings = { defaultMode: 'warn', autoload: false };

const MODES: ReadonlyArray<string> = ['warn', 'block', 'safe'];

/** Settings from a registry entry; anything malformed falls back to the default. */
export function readSettings(settings: ISettingRegistry.ISettings | null): Settings {
  const mode = settings?.get('defaultMode').composite;
  const autoload = settings?.get('autoload').composite;
  return {
    defaultMode: typeof mode === 'string' && MODES.includes(mode) ? (mode as Mode) : DEFAULTS.defaultMode,
    autoload: typeof autoload === 'boolean' ? autoload : DEFAULTS.autoload
  };
}
