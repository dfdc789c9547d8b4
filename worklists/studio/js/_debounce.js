// The properties panel's debounced inputs, flushed before the selection changes: otherwise text
// typed into an entry reaches the model ~300 ms later, after the click on another element, and
// the panel goes back to the element the text belongs to.
import { debounce } from 'min-dash';

const DELAY = 300;

function DebounceInput(eventBus) {
  const scheduled = new Set();
  eventBus.on('selection.changed', 5000, () => {
    Array.from(scheduled).forEach((pending) => pending.flush());
  });
  return function debounceInput(fn) {
    const debounced = debounce((...args) => {
      scheduled.delete(debounced);
      return fn(...args);
    }, DELAY);
    const input = (...args) => {
      scheduled.add(debounced);
      return debounced(...args);
    };
    input.flush = () => debounced.flush();
    input.cancel = () => {
      scheduled.delete(debounced);
      debounced.cancel();
    };
    return input;
  };
}

DebounceInput.$inject = ['eventBus'];

export default { debounceInput: ['factory', DebounceInput] };
