/**
 * The drawing surface: a canvas that takes mouse, touch and pen through pointer events, keeps the
 * drawing as a list of strokes (so Undo removes the last one) and paints dark ink on white paper.
 * The pen is about 1/14 of the pad wide, which is MNIST's stroke-to-digit ratio when a digit fills
 * most of the pad; a stylus's pressure thickens or thins it like a pen on paper.
 */

/** One point of a stroke, in pad pixels (CSS pixels), with the pen pressure (0.5 for mouse and touch). */
export interface StrokePoint {
  x: number;
  y: number;
  pressure: number;
}

type Mark = { kind: 'stroke'; points: StrokePoint[]; pen: boolean } | { kind: 'image'; image: ImageBitmap };

export interface DrawPadOptions {
  /** Side of the square pad in CSS pixels. */
  size: number;
  /** Called after each finished stroke, undo, clear or image. */
  onChange: () => void;
  /** Accessible name; default "Draw a digit". */
  label?: string;
}

export class DrawPad {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly marks: Mark[] = [];
  private active: { pointerId: number; points: StrokePoint[]; pen: boolean } | undefined;
  private readonly size: number;
  private readonly onChange: () => void;

  constructor({ size, onChange, label = 'Draw a digit' }: DrawPadOptions) {
    this.size = size;
    this.onChange = onChange;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'pad';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    this.canvas.tabIndex = 0;
    const scale = Math.max(1, Math.round(globalThis.devicePixelRatio || 1));
    this.canvas.width = size * scale;
    this.canvas.height = size * scale;
    this.canvas.style.width = `${size}px`;
    this.canvas.style.height = `${size}px`;
    const context = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('this browser gives no 2D canvas context; the drawing pad needs one.');
    this.context = context;
    this.context.scale(scale, scale);
    this.attachPointer();
    this.canvas.addEventListener('keydown', (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z') {
        event.preventDefault();
        this.undo();
      } else if (event.key === 'Delete' || event.key === 'Escape') {
        this.clear();
      }
    });
    this.repaint();
  }

  /** True when nothing is drawn. */
  get isEmpty(): boolean {
    return this.marks.length === 0;
  }

  /** The pad's pixels (device resolution), for preprocessing. */
  pixels(): ImageData {
    return this.context.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  clear(): void {
    if (this.marks.length === 0) return;
    this.marks.length = 0;
    this.repaint();
    this.onChange();
  }

  undo(): void {
    if (this.marks.pop() === undefined) return;
    this.repaint();
    this.onChange();
  }

  /** Replaces the drawing with an image (uploaded or pasted), fitted into the pad. */
  setImage(image: ImageBitmap): void {
    this.marks.length = 0;
    this.marks.push({ kind: 'image', image });
    this.repaint();
    this.onChange();
  }

  private get penWidth(): number {
    return this.size / 14;
  }

  private attachPointer(): void {
    const point = (event: PointerEvent): StrokePoint => {
      const box = this.canvas.getBoundingClientRect();
      const pen = event.pointerType === 'pen';
      return { x: ((event.clientX - box.left) * this.size) / box.width, y: ((event.clientY - box.top) * this.size) / box.height, pressure: pen && event.pressure > 0 ? event.pressure : 0.5 };
    };
    this.canvas.addEventListener('pointerdown', (event) => {
      if (event.button !== 0 || this.active) return;
      event.preventDefault();
      this.canvas.setPointerCapture(event.pointerId);
      this.active = { pointerId: event.pointerId, points: [point(event)], pen: event.pointerType === 'pen' };
      this.paintActive();
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (this.active?.pointerId !== event.pointerId) return;
      const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
      for (const each of events.length > 0 ? events : [event]) this.active.points.push(point(each));
      this.paintActive();
    });
    const finish = (event: PointerEvent) => {
      if (this.active?.pointerId !== event.pointerId) return;
      this.marks.push({ kind: 'stroke', points: this.active.points, pen: this.active.pen });
      this.active = undefined;
      this.repaint();
      this.onChange();
    };
    this.canvas.addEventListener('pointerup', finish);
    this.canvas.addEventListener('pointercancel', finish);
  }

  private paintActive(): void {
    if (!this.active) return;
    this.repaint();
    this.paintStroke(this.active.points, this.active.pen);
  }

  private repaint(): void {
    const context = this.context;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, this.size, this.size);
    for (const mark of this.marks) {
      if (mark.kind === 'stroke') this.paintStroke(mark.points, mark.pen);
      else {
        const { image } = mark;
        const fit = Math.min(this.size / image.width, this.size / image.height);
        const width = image.width * fit;
        const height = image.height * fit;
        context.drawImage(image, (this.size - width) / 2, (this.size - height) / 2, width, height);
      }
    }
  }

  private paintStroke(points: readonly StrokePoint[], pen: boolean): void {
    const context = this.context;
    context.strokeStyle = '#111';
    context.fillStyle = '#111';
    context.lineCap = 'round';
    context.lineJoin = 'round';
    const width = (pressure: number) => (pen ? this.penWidth * (0.4 + 1.2 * pressure) : this.penWidth);
    const first = points[0];
    if (!first) return;
    if (points.length === 1) {
      context.beginPath();
      context.arc(first.x, first.y, width(first.pressure) / 2, 0, 2 * Math.PI);
      context.fill();
      return;
    }
    if (!pen) {
      context.lineWidth = this.penWidth;
      context.beginPath();
      context.moveTo(first.x, first.y);
      for (const { x, y } of points.slice(1)) context.lineTo(x, y);
      context.stroke();
      return;
    }
    // A pen's width changes along the stroke: one segment per pair of points.
    for (let i = 1; i < points.length; i++) {
      const from = points[i - 1] as StrokePoint;
      const to = points[i] as StrokePoint;
      context.lineWidth = width((from.pressure + to.pressure) / 2);
      context.beginPath();
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
    }
  }
}
