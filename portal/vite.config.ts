import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Only the APIs the portal may use are proxied in development: /api/v2.0 and /c.
const berth = process.env.BERTH_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // scripts/bundle-size.ts reads it to find what the first screen loads.
    manifest: true,
    // The sign-in screen's budget is checked by scripts/bundle-size.ts; Vite's own warning adds nothing.
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': berth, '/c': berth },
  },
});
