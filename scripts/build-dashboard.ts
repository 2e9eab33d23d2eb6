/**
 * Builds the dashboard (node/dashboard/src) into node/dashboard/dist: one JavaScript bundle, one
 * stylesheet and the page, with every library inside, so the node serves it offline and no
 * browser ever fetches from a CDN. `npm install` runs it (prepare); run it again after editing.
 *   tsx scripts/build-dashboard.ts [--watch]
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../node/dashboard/", import.meta.url));
const dist = `${root}dist/`;

const options: esbuild.BuildOptions = {
  entryPoints: { app: `${root}src/main.tsx` },
  outdir: dist,
  bundle: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
};

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await copyFile(`${root}index.html`, `${dist}index.html`);
if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log(`dashboard: watching ${root}src, writing ${dist}`);
} else {
  const started = performance.now();
  await esbuild.build(options);
  console.log(`dashboard built in ${Math.round(performance.now() - started)} ms: ${dist}`);
}
