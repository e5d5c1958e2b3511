/** A Prompter that ends any animation before each question, so that a spinner never draws over a prompt. */
import type { Prompter } from './prompts.js';

export function stoppingProgress(p: Prompter, stop: () => void): Prompter {
  return {
    secret(message, validate) {
      stop();
      return p.secret(message, validate);
    },
    text(message, validate) {
      stop();
      return p.text(message, validate);
    },
    select(message, choices, pageSize) {
      stop();
      return p.select(message, choices, pageSize);
    },
    confirm(message, defaultValue) {
      stop();
      return p.confirm(message, defaultValue);
    },
  };
}
