// Browser entry of the Mekong web app: mounts React and, in production builds, the offline service worker.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { I18nProvider } from './i18n';
import { registerServiceWorker } from './service-worker';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html must contain <div id="root">');

createRoot(root).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);

// Development serves modules from memory; a worker caching them would only serve stale code.
if (import.meta.env.PROD) registerServiceWorker();
