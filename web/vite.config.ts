// Build of the web app: `vite build web` writes web/dist, which the sync server serves beside /api and /sync.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `vite web` (development) forwards API and relay traffic: a local `npm start`. */
const server = process.env.MEKONG_SERVER ?? 'http://localhost:8787';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // libsodium ships its WebAssembly inlined (~0.5 MB minified). It gets a chunk of its own, so a
    // new release of the app does not make every user download it again, and a limit that fits it.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: { codeSplitting: { groups: [{ name: 'sodium', test: /node_modules[\\/]libsodium/ }] } },
    },
  },
  server: {
    proxy: {
      '/api': server,
      '/sync': { target: server.replace(/^http/, 'ws'), ws: true },
    },
  },
});
