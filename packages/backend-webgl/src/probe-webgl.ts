/**
 * What WebGL this page (or worker) has, read from a 1×1 context that is released at once. Internal.
 * @internal
 */

/** The WebGL version available (2, 1, or 0 for none), its renderer, and whether that is software. */
export interface WebglProbe {
  version: 0 | 1 | 2;
  renderer?: string;
  software: boolean;
  /** Why there is no WebGL, when `version` is 0. */
  reason?: string;
}

/** Renderers that draw on the CPU: Chromium's SwiftShader, Mesa's llvmpipe / softpipe, Windows' WARP. */
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software|basic render/i;

type Canvas = { getContext(kind: 'webgl2' | 'webgl'): WebGLRenderingContext | WebGL2RenderingContext | null };

export function probeWebgl(): WebglProbe {
  const canvas = createCanvas();
  if (canvas === undefined) return { version: 0, software: false, reason: 'no canvas here (WebGL needs a page, or a worker with OffscreenCanvas)' };
  for (const version of [2, 1] as const) {
    let gl: WebGLRenderingContext | WebGL2RenderingContext | null = null;
    try {
      gl = canvas.getContext(version === 2 ? 'webgl2' : 'webgl');
    } catch {
      gl = null;
    }
    if (gl === null) continue;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    // Browsers cap live WebGL contexts (16 in Chromium): give this one back now.
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { version, renderer, software: SOFTWARE_RENDERERS.test(renderer) };
  }
  return { version: 0, software: false, reason: 'the browser created no WebGL context (WebGL disabled, or no usable GPU driver)' };
}

function createCanvas(): Canvas | undefined {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(1, 1) as unknown as Canvas;
  if (typeof document === 'object' && typeof document.createElement === 'function') return document.createElement('canvas');
  return undefined;
}
