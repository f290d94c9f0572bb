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

// @grafana/ui sizes text (BigValue, Table) with a canvas 2D context, which jsdom lacks: an
// average glyph width is enough for layout in tests.
HTMLCanvasElement.prototype.getContext = function getContext() {
  return { font: '', measureText: (text) => ({ width: String(text).length * 7, actualBoundingBoxAscent: 10, actualBoundingBoxDescent: 3 }) };
};
