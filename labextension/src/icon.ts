/** leakguard's own icon: a shield with a drop (the debugger already uses the bug). */
import { LabIcon } from '@jupyterlab/ui-components';

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M12 1.5 3.5 5v6.2c0 5.3 3.6 10.2 8.5 11.3 4.9-1.1 8.5-6 8.5-11.3V5L12 1.5zm0 2.2 6.5 2.7v4.8c0 4.2-2.7 8.2-6.5 9.2-3.8-1-6.5-5-6.5-9.2V6.4L12 3.7z"/>
  <path class="jp-icon3" fill="#616161" d="M12 7.2c-.2 0-3.4 3.8-3.4 6a3.4 3.4 0 0 0 6.8 0c0-2.2-3.2-6-3.4-6z"/>
</svg>`;

export const shieldIcon = new LabIcon({ name: 'leakguard:shield', svgstr: SVG });
