// Builds the results page (web/) into web/dist, the folder firebase.json's hosting.public serves.
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  // firebase + zod make one ~680 KB chunk (about 200 KB gzipped): fine for a tool page, so no warning about it.
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1024 },
  logLevel: "warn",
});
