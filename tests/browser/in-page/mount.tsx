// Mounts a test page the way Grafana would show it: Grafana's theme and global styles around the
// plugin's component, rendered by React 18 into #root. Sets window.harnessMounted for the test.
import React, { useEffect, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme } from '@grafana/data';
import { GlobalStyles, ThemeContext } from '@grafana/ui';

declare global {
  interface Window {
    harnessMounted?: boolean;
  }
}

function Mounted({ children }: { children: ReactNode }) {
  useEffect(() => {
    window.harnessMounted = true;
  }, []);
  return <>{children}</>;
}

export function mountPage(page: ReactNode, colorMode: 'dark' | 'light' = 'dark'): void {
  const theme = createTheme({ colors: { mode: colorMode } });
  const container = document.getElementById('root');
  if (!container) throw new Error('the page document has no #root');
  createRoot(container).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div style={{ padding: theme.spacing(2) }}>
        <Mounted>{page}</Mounted>
      </div>
    </ThemeContext.Provider>,
  );
}
