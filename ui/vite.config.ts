import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// Everything is bundled into dist/ and served by the Tauri app from its own
// origin: no remote URL, no CDN.
export default defineConfig({
  plugins: [vue()],
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    assetsInlineLimit: 0,
  },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.ts"],
  },
});
