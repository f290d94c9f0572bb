// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no layout observers; @grafana/ui's menus and scroll containers subscribe to them.
class NoLayoutObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver ??= NoLayoutObserver;
global.ResizeObserver ??= NoLayoutObserver;
