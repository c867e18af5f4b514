/** Ten horizontal bars, one per class, with the probability as a percentage; the best one is green. */
export class ProbabilityBars {
  readonly element: HTMLElement;
  private readonly rows: { bar: HTMLElement; fill: HTMLElement; value: HTMLElement }[] = [];

  constructor(labels: readonly string[]) {
    this.element = document.createElement('div');
    this.element.className = 'bars';
    this.element.setAttribute('aria-label', 'Probabilities');
    for (const label of labels) {
      const name = document.createElement('span');
      name.textContent = label;
      const bar = document.createElement('div');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = '0%';
      bar.append(fill);
      const value = document.createElement('span');
      value.textContent = '–';
      this.element.append(name, bar, value);
      this.rows.push({ bar, fill, value });
    }
  }

  /** Shows `probabilities` (one per label), or clears the bars when undefined. */
  show(probabilities: ArrayLike<number> | undefined, best = -1): void {
    this.rows.forEach(({ bar, fill, value }, index) => {
      const p = probabilities?.[index];
      fill.style.width = p === undefined ? '0%' : `${(100 * p).toFixed(1)}%`;
      value.textContent = p === undefined ? '–' : `${(100 * p).toFixed(1)}%`;
      bar.classList.toggle('best', index === best);
    });
  }
}
