import type { BrowserType, LaunchOptions } from '@playwright/test';

/**
 * A Chromium of its own for one test: the shared launch options with one switch set differently
 * (`--name=value` replaces whatever the shared flags say for `--name`).
 */
export function launchWithSwitch(chromium: BrowserType, launchOptions: LaunchOptions, flag: string) {
  const name = flag.split('=')[0]!;
  return chromium.launch({ ...launchOptions, args: [...(launchOptions.args ?? []).filter((a) => !a.startsWith(name)), flag] });
}
