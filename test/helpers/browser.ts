import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

/** Where browser tests leave their screenshots (kept after the run: test artifacts). */
export const SCREENSHOT_DIR = join("test-artifacts", "screenshots");

/**
 * Debian's Chromium (installed by scripts/ensure-chromium.sh, which `npm test` runs), or the
 * browser CTI_CHROMIUM names. Never downloaded: this machine reaches no browser CDN.
 */
export function chromiumPath(): string {
  const path = process.env.CTI_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(path)) throw new Error(`no Chromium at ${path}: run \`bash scripts/ensure-chromium.sh\` (as root, it installs Debian's chromium) or set CTI_CHROMIUM`);
  return path;
}

export async function launchChromium(): Promise<Browser> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // As root there is no sandbox; the rest keeps Chromium from calling home on a closed network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}
