// Builds the results page (web/) into web/dist, the folder firebase.json's hosting.public serves.
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  // The engine's config validation is imported from ../shared; the build may read it.
  server: { fs: { allow: [".."] } },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1024 },
  logLevel: "warn",
});
