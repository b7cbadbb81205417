// Headless Chromium for the end-to-end suite: Debian's chromium package driven by playwright-core (no browser download).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Where Debian's `chromium` package puts the browser; CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Each view's screenshot, for a person to look at after a run (`npm run screenshots` copies a few to docs/). */
export const SCREENSHOT_DIR = join(".runs", "e2e");

/**
 * The flags that work on these machines: no sandbox (root), no GPU, and nothing that reaches for Google's hosts
 * (background networking, component updates, sync, QUIC), which a closed network refuses at every start.
 */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  // playwright-core gives each launch a fresh, temporary user-data dir.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
