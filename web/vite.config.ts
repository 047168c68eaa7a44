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
  },
  server: {
    proxy: {
      '/api': server,
      '/sync': { target: server.replace(/^http/, 'ws'), ws: true },
    },
  },
});
