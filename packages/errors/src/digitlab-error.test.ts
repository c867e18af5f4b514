import { describe, expect, it } from 'vitest';
import { DigitlabError } from './digitlab-error.js';

const childMarker = 'digitlab.error.TestChildError';
const childSymbol = Symbol.for(childMarker);
class TestChildError extends DigitlabError {
  private readonly [childSymbol] = true;
  override name = 'TestChildError';
  override readonly code: string = 'TEST_CHILD';
  static override isInstance(error: unknown): error is TestChildError {
    return DigitlabError.hasMarker(error, childMarker);
  }
}

describe('DigitlabError', () => {
  it('carries a message, a cause, a name and a code', () => {
    const cause = new Error('inner');
    const error = new DigitlabError('outer', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('outer');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('DigitlabError');
    expect(error.code).toBe('DIGITLAB_ERROR');
  });

  it('lets a subclass set its own code and name', () => {
    const error = new TestChildError('x');
    expect(error.code).toBe('TEST_CHILD');
    expect(error.name).toBe('TestChildError');
    expect(String(error)).toBe('TestChildError: x');
  });

  it('answers isInstance by marker, so an error from another copy of the class counts', () => {
    // A second copy of the package (another version, or a bundle) defines another class object:
    // instanceof fails across copies, the Symbol.for marker does not.
    const foreign = new Error('from elsewhere');
    Object.defineProperty(foreign, Symbol.for('digitlab.error'), { value: true });
    Object.defineProperty(foreign, Symbol.for(childMarker), { value: true });
    expect(foreign instanceof DigitlabError).toBe(false);
    expect(DigitlabError.isInstance(foreign)).toBe(true);
    expect(TestChildError.isInstance(foreign)).toBe(true);
  });

  it('keeps each subclass isInstance to its own kind', () => {
    expect(DigitlabError.isInstance(new TestChildError('x'))).toBe(true);
    expect(TestChildError.isInstance(new DigitlabError('x'))).toBe(false);
    expect(DigitlabError.isInstance(new Error('x'))).toBe(false);
    expect(DigitlabError.isInstance(null)).toBe(false);
    expect(DigitlabError.isInstance('digitlab.error')).toBe(false);
    expect(DigitlabError.isInstance({ [Symbol.for('digitlab.error')]: 'yes' })).toBe(false);
  });
});
