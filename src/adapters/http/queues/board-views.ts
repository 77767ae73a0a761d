import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const GOOGLE_FONTS_LINK = /<link href="https:\/\/fonts\.googleapis\.com\/[^"]*" rel="stylesheet">/;

/** The faces bull-board's page asks Google Fonts for, from the @fontsource packages instead. */
const FACES = [
  { family: "IBM Plex Sans", pkg: "@fontsource/ibm-plex-sans", file: "ibm-plex-sans-latin", weights: [400, 500, 600] },
  { family: "IBM Plex Mono", pkg: "@fontsource/ibm-plex-mono", file: "ibm-plex-mono-latin", weights: [400, 500] },
];

export interface BoardViews {
  /** A folder holding bull-board's index.ejs with its Google Fonts link replaced by ours. */
  readonly viewsDir: string;
  /** File name -> bytes: fonts.css and the woff2 files it names, served under /admin/queues/fonts/. */
  readonly fonts: ReadonlyMap<string, Buffer>;
}

/**
 * bull-board's page links fonts.googleapis.com: every visit would tell Google who opened the
 * dashboard, and offline it waits on a host it cannot reach. Its template is copied with that link
 * pointing at fonts served by the gateway. A bull-board upgrade that changes the link fails here,
 * at start, rather than quietly loading from the internet again.
 */
export function selfHostedBoardViews(): BoardViews {
  const template = readFileSync(join(dirname(require.resolve("@bull-board/ui/package.json")), "dist", "index.ejs"), "utf8");
  if (!GOOGLE_FONTS_LINK.test(template))
    throw new Error("bull-board's index.ejs no longer has the Google Fonts link this gateway replaces: check board-views.ts");
  const fonts = new Map<string, Buffer>();
  const css: string[] = [];
  for (const face of FACES) {
    const dir = join(dirname(require.resolve(`${face.pkg}/package.json`)), "files");
    for (const weight of face.weights) {
      const name = `${face.file}-${weight}-normal.woff2`;
      fonts.set(name, readFileSync(join(dir, name)));
      css.push(`@font-face{font-family:'${face.family}';font-style:normal;font-display:swap;font-weight:${weight};src:url(${name}) format('woff2')}`);
    }
  }
  fonts.set("fonts.css", Buffer.from(css.join("\n")));
  const viewsDir = mkdtempSync(join(tmpdir(), "parlor-board-views-"));
  writeFileSync(join(viewsDir, "index.ejs"), template.replace(GOOGLE_FONTS_LINK, '<link href="fonts/fonts.css" rel="stylesheet">'));
  return { viewsDir, fonts };
}
