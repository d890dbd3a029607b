import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { registerServiceWorker } from './appshell/registerWorker';
import { syncDocumentLanguage } from './i18n';
import { restoreSession } from './stores/session';
import { startTheme } from './theme';
import './styles.css';

syncDocumentLanguage();
startTheme();
registerServiceWorker();
restoreSession();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
