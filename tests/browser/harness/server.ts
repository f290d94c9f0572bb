// A static server for the built test pages on 127.0.0.1 (a free port): /<page>.html is a bare
// Grafana-like document that loads /<page>.js; everything else comes from the build folder, and
// /public/img/* from src/img (the plugin's own logos), /public/fonts/* from the @fontsource packages
// (Grafana serves its fonts from its own public/ folder, which is not on npm), and
// /public/build/img/icons/* from the icons @grafana/ui ships.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const root = new URL('../../..', import.meta.url).pathname;
const imgDir = join(root, 'src', 'img');
const fontsource = join(root, 'node_modules', '@fontsource');
const iconsDir = join(root, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');

/** The font files @grafana/ui's global styles ask for, and the same faces from @fontsource. */
const GRAFANA_FONTS: Record<string, string> = {
  'inter/Inter-Regular.woff2': 'inter/files/inter-latin-400-normal.woff2',
  'inter/Inter-Italic.woff2': 'inter/files/inter-latin-400-italic.woff2',
  'inter/Inter-Medium.woff2': 'inter/files/inter-latin-500-normal.woff2',
  'inter/Inter-MediumItalic.woff2': 'inter/files/inter-latin-500-italic.woff2',
  'roboto/L0xTDF4xlVMF-BfR8bXMIhJHg45mwgGEFl0_3vrtSM1J-gEPT5Ese6hmHSh0mQ.woff2': 'roboto-mono/files/roboto-mono-latin-400-normal.woff2',
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function pageDocument(page: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${page}</title></head>
<body><div id="root"></div><script src="/${page}.js"></script></body></html>`;
}

/** The file a request path names inside `dir`, or undefined (also for paths that climb out). */
function fileIn(dir: string, requestPath: string): string | undefined {
  const file = normalize(join(dir, requestPath));
  if (!file.startsWith(dir + '/')) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

export interface PageServer {
  url(page: string): string;
  close(): Promise<void>;
}

export async function servePages(buildDir: string): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const page = /^\/([\w-]+)\.html$/.exec(path);
    if (page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pageDocument(page[1]!));
      return;
    }
    const font = path.startsWith('/public/fonts/') ? GRAFANA_FONTS[path.slice('/public/fonts/'.length)] : undefined;
    const file = font
      ? fileIn(fontsource, font)
      : path.startsWith('/public/build/img/icons/')
        ? fileIn(iconsDir, path.slice('/public/build/img/icons/'.length))
        : path.startsWith('/public/img/')
        ? fileIn(imgDir, path.slice('/public/img/'.length))
        : fileIn(buildDir, path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (page) => `http://127.0.0.1:${port}/${page}.html`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
