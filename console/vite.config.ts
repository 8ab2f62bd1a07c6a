// The console builds into the Python package (app/web/console), served by Switchboard at / with
// its assets under /console/, content-hashed so they can be cached for good.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [preact()],
  base: "/console/",
  build: {
    outDir: "../app/web/console",
    emptyOutDir: true,
    modulePreload: { polyfill: false }, // the polyfill is an inline script; the CSP forbids those
    target: "es2022",
    reportCompressedSize: false,
  },
});
