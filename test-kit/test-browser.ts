import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium (bash .ci/run installs it); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Where browser tests write the screenshots of each page they visit. */
export const SCREENSHOTS = "test-results/screenshots";

/**
 * Headless Chromium as this machine allows it: no sandbox as root, and no background networking
 * (the closed network refuses Google's hosts, many connections at a time).
 */
export async function launchTestBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A page that records script errors and CSP refusals (network 4xx lines are expected: a wrong key is a 401). */
export async function openRecordedPage(
  browser: Browser,
  viewport: { width: number; height: number },
  options: { ignoreHTTPSErrors?: boolean } = {},
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport, ...options });
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

/** Opens the console at `hash` and signs in with `apiKey`, waiting for the signed-in shell. */
export async function signInToConsole(page: Page, baseUrl: string, apiKey: string, hash = ""): Promise<void> {
  await page.goto(`${baseUrl}/console${hash}`);
  await page.locator("#api-key").waitFor();
  await page.fill("#api-key", apiKey);
  await page.click("#login-submit");
  await page.locator("#shell").waitFor();
}
