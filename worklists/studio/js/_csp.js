// The page's CSP (style-src 'self') refuses style="" attributes in parsed HTML, and a few of the
// libraries build their DOM from HTML strings with one (the properties panel's containers, the
// align/distribute icons). Styles set through the CSSOM are allowed: so, on this page, HTML given
// to innerHTML has its style attributes moved to element.style. Nothing else changes.
export function styleAttributesThroughCssom() {
  const descriptor = Object.getOwnPropertyDescriptor(Element.prototype, 'innerHTML');
  if (!descriptor || !descriptor.set || descriptor.set.studioPatched) {
    return;
  }
  const set = function set(value) {
    const styles = [];
    const text = typeof value === 'string' && value.includes('style=')
      ? value.replace(/\sstyle=("([^"]*)"|'([^']*)')/g, (_, _quoted, double, single) => {
        styles.push(double !== undefined ? double : single);
        return ` data-studio-style="${styles.length - 1}"`;
      })
      : value;
    descriptor.set.call(this, text);
    if (styles.length) {
      this.querySelectorAll('[data-studio-style]').forEach((element) => {
        element.style.cssText = styles[Number(element.getAttribute('data-studio-style'))];
        element.removeAttribute('data-studio-style');
      });
    }
  };
  set.studioPatched = true;
  Object.defineProperty(Element.prototype, 'innerHTML', { configurable: true, enumerable: descriptor.enumerable, get: descriptor.get, set });
}
