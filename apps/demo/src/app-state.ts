/**
 * What every view shares: the current model and the current 28×28 input (a drawing, an upload or
 * a test digit). Views subscribe and re-render when either changes.
 */
import type { CurrentModel } from './current-model.js';
import { releaseInferenceModel } from './inference-model.js';

export interface DigitInput {
  /** 784 MNIST-style bytes. */
  pixels: Uint8Array;
  /** Where it came from, for captions: "your drawing", "test digit #1234". */
  source: string;
}

type Listener = () => void;

export class AppState {
  private modelValue: CurrentModel | undefined;
  private inputValue: DigitInput | undefined;
  private readonly listeners = new Set<Listener>();

  get model(): CurrentModel | undefined {
    return this.modelValue;
  }

  get input(): DigitInput | undefined {
    return this.inputValue;
  }

  /**
   * Makes `model` current and disposes the previous one, unless `disposePrevious` is false (a model
   * fine-tuned from the previous one may share its weights). The previous one's folded inference
   * copy is disposed either way, also when `model` is the same layers model (fine-tuned in place:
   * the copy holds its old weights).
   */
  setModel(model: CurrentModel, { disposePrevious = true } = {}): void {
    const previous = this.modelValue;
    this.modelValue = model;
    if (previous) releaseInferenceModel(previous.model);
    if (disposePrevious && previous && previous.model !== model.model) previous.model.dispose();
    this.notify();
  }

  setInput(input: DigitInput | undefined): void {
    this.inputValue = input;
    this.notify();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
