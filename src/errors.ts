/** What went wrong, as a stable string a caller can branch on. */
export type FaErrorCode =
  | 'invalid-argument'
  | 'no-webgpu'
  | 'device-limit'
  | 'gpu-error'
  | 'device-lost'
  | 'destroyed'
  | 'busy'
  | 'diverged'
  | 'invalid-data';

/**
 * The one error class of the library: `code` says what kind of failure, `message` names the
 * argument, what was expected and what came.
 */
export class FaWebGpuError extends Error {
  readonly code: FaErrorCode;
  constructor(code: FaErrorCode, message: string) {
    super(message);
    this.name = 'FaWebGpuError';
    this.code = code;
  }
}

export function invalid(message: string): FaWebGpuError {
  return new FaWebGpuError('invalid-argument', message);
}
