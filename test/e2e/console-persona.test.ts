import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/app/admin/issue-api-key.js";
import { parsePersonaFile } from "../../src/domain/personas/persona-file.js";
import type { Persona } from "../../src/domain/personas/persona-schema.js";
import { ApiKeyRepository } from "../../src/adapters/storage/admin/api-key-repository.js";
import { launchTestBrowser, openRecordedPage, SCREENSHOTS, signInToConsole } from "../../test-kit/test-browser.js";
import type { TestDatabase } from "../../test-kit/test-database.js";
import { startTestPipeline, type TestPipeline } from "../../test-kit/test-pipeline.js";

// The console's persona form for a creator's fan agent, persona files, concurrent edits and drafts,
// in a real browser (Debian's Chromium) against the real gateway, worker and database.
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
let pipeline: TestPipeline;
let database: TestDatabase;
let browser: Browser;
let baseUrl: string;
let personaId: string;
let personaUrl: string;
let key: string;

beforeAll(async () => {
  pipeline = await startTestPipeline({ settings: { replyMaxTokens: 12 }, businesses: { mia: "fan-creator" } });
  ({ database, baseUrl } = pipeline);
  const businessId = (await database.db.business.findUniqueOrThrow({ where: { slug: "mia" } })).id;
  personaId = (await database.db.persona.findFirstOrThrow({ where: { businessId } })).id;
  personaUrl = `/businesses/${businessId}/personas/${personaId}`;
  key = (await issueApiKey(new ApiKeyRepository(database.db), { businessId, name: "persona test" })).key;
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
});

function openPage(viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[] }> {
  return openRecordedPage(browser, viewport);
}

async function admin<T>(method: "GET" | "POST", path: string, body?: object): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}/api/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const version = async (n: number) => (await admin<{ persona: Persona }>("GET", `${personaUrl}/versions/${n}`)).body.persona;
const versionCount = () => database.db.personaVersion.count({ where: { personaId } });

/** Visible controls of the persona form and its save bar smaller than a 44 px tap target (check boxes and radios count as their card). */
function smallTapTargets(page: Page) {
  return page.evaluate(() =>
    Array.from(
      document.querySelectorAll(
        "#persona-form input, #persona-form select, #persona-form textarea, #persona-form button, #persona-form summary, .save-bar button",
      ),
    )
      .filter((el) => (el as HTMLElement).offsetParent !== null && !(el as HTMLElement).hidden)
      .map((el) => {
        const box = (
          (el as HTMLInputElement).type === "radio" || (el as HTMLInputElement).type === "checkbox" ? el.closest("label")! : el
        ).getBoundingClientRect();
        return { what: el.id || el.className || el.tagName, width: Math.round(box.width), height: Math.round(box.height) };
      })
      .filter((t) => t.width < 44 || t.height < 44),
  );
}

describe("console: persona form", () => {
  it("on a phone: a fan agent needs its disclosure; switching it off is confirmed first; a roll back brings the fan version back whole", async () => {
    const v1 = await version(1);
    const { page, problems } = await openPage(PHONE);
    await signInToConsole(page, baseUrl, key, "#/persona");
    await page.locator("#live-version", { hasText: "version 1" }).waitFor();
    // The form in the fan agent's words; Try it writes as a fan.
    expect(await page.isChecked("#pf-kind-fan")).toBe(true);
    expect(await page.inputValue("#pf-disclosure")).toBe(v1.settings.disclosure);
    expect(await page.locator('label[for="pf-name"]').textContent()).toContain("Creator's name");
    expect(await page.locator("#pf-topics .row").count()).toBe(4);
    expect(await page.locator("#pf-topics .row").last().locator(".row-keywords").inputValue()).toBe(
      "her kids, your kids, your children, tus hijos, your mum, your mom",
    );
    await page.locator("#try-version", { hasText: "You are a fan" }).waitFor();
    expect(await page.getAttribute("#try-text", "placeholder")).toBe("Write as a fan would");
    expect(await smallTapTargets(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-fan-phone.png` });

    // Without the disclosure a fan agent cannot be saved, and the bar says what is missing.
    await page.fill("#pf-disclosure", "");
    expect(await page.isDisabled("#save-version")).toBe(true);
    expect(await page.locator("#save-why").textContent()).toBe("To save, fill in: Saying it is an AI.");
    // A disclosure that does not say it is an AI is refused by the server, next to the field.
    await page.fill("#pf-disclosure", "Hi, I'm Mia's helper.");
    await page.click("#save-version");
    await page.locator('.field[data-field="disclosure"] .field-error', { hasText: "The line must say it is an AI" }).waitFor();
    await page.locator("#persona-problems", { hasText: "Saying it is an AI" }).waitFor();
    expect(await versionCount()).toBe(1);
    await page.fill("#pf-disclosure", "");

    // As a support agent without a disclosure it is valid, but weaker: the owner is asked first.
    await page.check("#pf-kind-support");
    expect(await page.isHidden("#pf-disclosure")).toBe(true);
    await page.click("#save-version");
    const dialog = page.locator("#confirm-weakening");
    await dialog.locator("li", { hasText: "The agent will no longer say that it is an AI in its first reply." }).waitFor();
    await dialog.locator("li", { hasText: "The agent stops being a fan agent" }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-weakened-phone.png` });
    await dialog.getByRole("button", { name: "Keep editing" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.locator("#save-status", { hasText: "Not saved" }).waitFor();
    expect(await versionCount()).toBe(1);
    expect(await page.isChecked("#pf-kind-support")).toBe(true);

    await page.click("#save-version");
    await dialog.getByRole("button", { name: "Save anyway" }).click();
    await page.locator("#save-status", { hasText: "Saved as version 2" }).waitFor();
    const v2 = await version(2);
    expect(v2.settings.kind).toBe("support");
    expect(v2.settings).not.toHaveProperty("disclosure");
    expect(v2.voice).toBe(v1.voice);
    await page.locator("#try-version", { hasText: "You are a customer" }).waitFor();

    // Back to version 1 (this adds rules back: nothing to confirm but the roll back itself).
    await page.locator('#versions li[data-version="1"] button.make-live').click();
    const confirm = page.locator("#confirm-live");
    await confirm.getByText("Its settings and its voice become live, whole").waitFor();
    expect(await confirm.locator(".weakenings").count()).toBe(0);
    await confirm.getByRole("button", { name: "Roll back", exact: true }).click();
    await page.locator("#save-status", { hasText: "version 3 is live, a copy of version 1" }).waitFor();
    expect(await page.isChecked("#pf-kind-fan")).toBe(true);
    expect(await page.inputValue("#pf-disclosure")).toBe(v1.settings.disclosure);
    expect(await page.inputValue("#pf-daily")).toBe("20");
    expect(await page.inputValue("#pf-voice")).toBe(v1.voice);
    await page.locator("#try-version", { hasText: "You are a fan" }).waitFor();
    const live = await database.db.persona.findUniqueOrThrow({ where: { id: personaId }, include: { activeVersion: true } });
    expect(live.activeVersion).toMatchObject({ version: 3, settings: v1.settings, voice: v1.voice });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-fan-phone-full.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it("downloads a version as a file persona:check reads, imports files into the form (a broken one with its lines), and says when someone else saved meanwhile", async () => {
    const { page, problems } = await openPage(DESKTOP);
    await signInToConsole(page, baseUrl, key, "#/persona");
    await page.locator("#live-version", { hasText: "version 3" }).waitFor();

    // Unsaved edits stay while the tab is open, across sections.
    await page.fill("#pf-tone", "sleepy");
    await page.click('a[data-route="inbox"]');
    await page.click('a[data-route="persona"]');
    await page.locator("#save-status", { hasText: "Unsaved changes" }).waitFor();
    expect(await page.inputValue("#pf-tone")).toBe("sleepy");
    await page.click("#discard-edits");
    expect(await page.inputValue("#pf-tone")).toBe((await version(3)).settings.tone);
    expect(await page.isDisabled("#save-version")).toBe(true);

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-live")]);
    expect(download.suggestedFilename()).toBe("mia-v3.md");
    const exported = await readFile((await download.path())!, "utf8");
    expect(parsePersonaFile(exported, "mia-v3.md")).toEqual(await version(3));

    // A broken file: each problem with its line; the form and the versions stay as they were.
    const broken = "---\nkind: fan\nname: Mia\nbusiness: Mia Bakes\nfacts:\n  uploads: 17.00\nowner: {channel: admin, to: mia-team}\n---\n";
    await page.setInputFiles("#import-file", { name: "broken.md", mimeType: "text/markdown", buffer: Buffer.from(broken) });
    const importProblems = page.locator("#import-problems");
    await importProblems.locator("li", { hasText: "Line 6 · facts.uploads: a fact must be text" }).waitFor();
    await importProblems.locator("li", { hasText: "Line 9 · body: the voice text is empty" }).waitFor();
    await importProblems.getByText("broken.md cannot be used").waitFor();
    await importProblems.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-import-problems-desktop.png` });
    expect(await page.isDisabled("#save-version")).toBe(true);
    expect(await versionCount()).toBe(3);

    // A good file fills the form; nothing is saved until Save.
    await page.setInputFiles("#import-file", {
      name: "mia-calm.md",
      mimeType: "text/markdown",
      buffer: Buffer.from(exported.replace(/^tone: .*$/m, "tone: calm and kind")),
    });
    await page.locator("#save-status", { hasText: "mia-calm.md is in the form" }).waitFor();
    expect(await importProblems.isHidden()).toBe(true);
    expect(await page.inputValue("#pf-tone")).toBe("calm and kind");
    expect(await versionCount()).toBe(3);

    // Meanwhile someone else saves version 4: this save is refused, and the page offers to load it.
    const theirs = { ...(await version(3)), voice: "Someone else's voice for Mia's fans." };
    expect((await admin("POST", `${personaUrl}/versions`, { persona: theirs, baseVersion: 3 })).status).toBe(201);
    await page.click("#save-version");
    const concurrent = page.locator("#concurrent-edit");
    await concurrent.getByText("Version 4 was made live while you were editing version 3").waitFor();
    await concurrent.getByRole("button", { name: "Load version 4" }).click();
    await page.locator("#live-version", { hasText: "version 4" }).waitFor();
    expect(await page.inputValue("#pf-voice")).toBe(theirs.voice);
    expect(await page.inputValue("#pf-tone")).toBe(theirs.settings.tone);
    expect(await versionCount()).toBe(4);

    // Or keeps the edit, which then replaces the newer version when saved.
    await page.fill("#pf-tone", "calm and kind");
    expect((await admin("POST", `${personaUrl}/versions`, { persona: { ...theirs, voice: "A third voice." }, baseVersion: 4 })).status).toBe(201);
    await page.click("#save-version");
    await concurrent.getByRole("button", { name: "Keep my edits" }).click();
    await page.locator("#save-status", { hasText: "Saving now replaces version 5" }).waitFor();
    await page.locator("#live-version", { hasText: "version 5" }).waitFor();
    expect(await page.inputValue("#pf-tone")).toBe("calm and kind");
    await page.click("#save-version");
    await page.locator("#save-status", { hasText: "Saved as version 6" }).waitFor();
    expect(await version(6)).toEqual({ settings: { ...theirs.settings, tone: "calm and kind" }, voice: theirs.voice });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SCREENSHOTS}/console-persona-fan-desktop.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it("marks a draft that cannot be used, shows its old text, and starts a working persona from it when it is live", async () => {
    const next = (await database.db.personaVersion.count({ where: { personaId } })) + 1;
    const oldText = "You are Mia's assistant. Be nice to fans. Opening hours 9-17.";
    const draft = await database.db.personaVersion.create({
      data: { personaId, version: next, settings: {}, voice: null, legacyText: oldText, draftReason: "the old text says nothing about being an AI" },
    });
    const { page, problems } = await openPage(DESKTOP);
    await signInToConsole(page, baseUrl, key, "#/persona");
    const row = page.locator(`#versions li[data-version="${next}"]`);
    await row.locator(".draft-badge", { hasText: "cannot be used" }).waitFor();
    await row.locator(".draft-reason", { hasText: "the old text says nothing about being an AI" }).waitFor();
    expect(await row.locator("button.make-live").count()).toBe(0);
    await row.locator("button.view-version").click();
    await page.locator("#version-output pre", { hasText: oldText }).waitFor();
    expect(await page.locator("#copy-version").count()).toBe(0);
    await page.close();

    // The draft live (as a failed conversion leaves it): the page says so, and the form starts from its text.
    await database.db.persona.update({ where: { id: personaId }, data: { activeVersionId: draft.id } });
    const again = await openPage(PHONE);
    await signInToConsole(again.page, baseUrl, key, "#/persona");
    await again.page.locator("#live-version.unusable", { hasText: `version ${next}, which cannot be used` }).waitFor();
    expect(await again.page.inputValue("#pf-voice")).toBe(oldText);
    // Save stays off until what a persona needs is there, and the bar says what that is.
    expect(await again.page.isDisabled("#save-version")).toBe(true);
    expect(await again.page.locator("#save-why").textContent()).toBe(
      "To save, fill in: Agent's name, Business, Where handoffs are announced: address.",
    );
    await again.page.fill("#pf-name", "Mia");
    await again.page.fill("#pf-business", "Mia Bakes");
    await again.page.fill("#pf-ownerTo", "mia-team");
    await again.page.click("#save-version");
    await again.page.locator("#save-status", { hasText: `Saved as version ${next + 1}` }).waitFor();
    expect((await version(next + 1)).voice).toBe(oldText);
    expect(problems.concat(again.problems)).toEqual([]);
    await again.page.close();
  }, 60_000);
});
