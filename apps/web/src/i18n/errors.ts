import { ApiError } from '../api/endpoints';
import type { Translate } from './index';

/** A failed request as a sentence in the UI language; server messages themselves are never shown. */
export function errorText(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.code === 'VALIDATION_FAILED') return t('error.VALIDATION_FAILED', { details: error.message });
    return t(`error.${error.code}`);
  }
  return t('error.UNKNOWN');
}
