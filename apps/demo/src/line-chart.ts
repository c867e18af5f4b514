/**
 * A small live line chart on a canvas: one or more series over steps, y from 0 to the largest value
 * seen (or a fixed maximum), drawn again on every `push`. The values stay readable: `values(name)`,
 * a `data-<series>` attribute per series, and the latest values in the canvas's title.
 */
export interface Series {
  name: string;
  color: string;
  /** Fixed top of the y axis (1 for accuracy); default: the largest value so far. */
  max?: number;
}

export class LineChart {
  readonly canvas: HTMLCanvasElement;
  private readonly data = new Map<string, number[]>();

  constructor(private readonly series: readonly Series[], label: string, width = 420, height = 180) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.className = 'chart';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    for (const { name } of series) this.data.set(name, []);
    this.draw();
  }

  values(name: string): readonly number[] {
    return this.data.get(name) ?? [];
  }

  push(point: Record<string, number>): void {
    for (const [name, value] of Object.entries(point)) this.data.get(name)?.push(value);
    this.publish();
    this.draw();
  }

  reset(): void {
    for (const values of this.data.values()) values.length = 0;
    this.publish();
    this.draw();
  }

  /** The values as `data-<series>` attributes (comma-separated), for scripts and tests. */
  private publish(): void {
    for (const [name, values] of this.data) this.canvas.dataset[name] = values.map((value) => value.toPrecision(4)).join(',');
  }

  private draw(): void {
    const context = this.canvas.getContext('2d');
    if (!context) return;
    const { width, height } = this.canvas;
    const pad = 24;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, width, height);
    context.strokeStyle = '#c9ced6';
    context.strokeRect(pad, 4, width - pad - 4, height - pad - 4);
    context.font = '11px system-ui, sans-serif';
    let legendX = pad + 6;
    const summary: string[] = [];
    for (const { name, color, max } of this.series) {
      const values = this.data.get(name)!;
      const top = max ?? Math.max(1e-9, ...values);
      context.strokeStyle = color;
      context.lineWidth = 1.5;
      context.beginPath();
      values.forEach((value, index) => {
        const x = pad + ((width - pad - 4) * index) / Math.max(1, values.length - 1);
        const y = height - pad - ((height - pad - 4) * Math.min(value, top)) / top;
        if (index === 0) context.moveTo(x, y);
        else context.lineTo(x, y);
      });
      context.stroke();
      context.fillStyle = color;
      const last = values.at(-1);
      const text = `${name}${last === undefined ? '' : ` ${last.toFixed(3)}`}`;
      context.fillText(text, legendX, height - 8);
      legendX += context.measureText(text).width + 16;
      summary.push(text);
    }
    this.canvas.title = summary.join(', ');
  }
}
