/**
 * The extension's settings as the server sees them (`iptables.*` in VS Code), their defaults,
 * and the validation of whatever value the client sends (a user's settings.json may hold anything).
 */
import type { Family } from '../service/model';

/** Which iptables flavour the simulator and the checks emulate. */
export type Backend = 'nft' | 'legacy';

/** The `iptables` configuration section. */
export interface IptablesSettings {
  validate: {
    /** Publish diagnostics at all. */
    enable: boolean;
    /** Milliseconds to wait after the last edit before validating a document. */
    delay: number;
  };
  backend: Backend;
  /** `auto`: from the file name and content; otherwise force the family of iptables-save files. */
  family: 'auto' | Family;
}

export const DEFAULT_SETTINGS: IptablesSettings = {
  validate: { enable: true, delay: 200 },
  backend: 'nft',
  family: 'auto',
};

/** Longest accepted debounce delay; a larger value is clamped (a typo must not silence validation). */
export const MAX_DELAY_MS = 10_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Turns whatever the client sent for the `iptables` section into complete settings: unknown or
 * ill-typed values fall back to the defaults, numbers are clamped.
 */
export function normalizeSettings(raw: unknown): IptablesSettings {
  const s = isRecord(raw) ? raw : {};
  const validate = isRecord(s.validate) ? s.validate : {};
  const enable = typeof validate.enable === 'boolean' ? validate.enable : DEFAULT_SETTINGS.validate.enable;
  let delay = DEFAULT_SETTINGS.validate.delay;
  if (typeof validate.delay === 'number' && Number.isFinite(validate.delay)) {
    delay = Math.min(MAX_DELAY_MS, Math.max(0, Math.round(validate.delay)));
  }
  const backend: Backend = s.backend === 'legacy' || s.backend === 'nft' ? s.backend : DEFAULT_SETTINGS.backend;
  let family: IptablesSettings['family'] = 'auto';
  if (s.family === 4 || s.family === '4') family = 4;
  else if (s.family === 6 || s.family === '6') family = 6;
  return { validate: { enable, delay }, backend, family };
}
