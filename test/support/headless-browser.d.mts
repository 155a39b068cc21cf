/** Types for headless-browser.mjs (see there). */
export type HeadlessBrowserAction = 'approve' | 'deny' | 'ignore' | 'tamper-state' | 'elsewhere';

export interface HeadlessBrowserResult {
  /** Where the AS finally sent the browser; undefined when the browser walked away on the consent page. */
  redirectUrl: URL | undefined;
  /** Status of the delivery to the redirect URI; undefined when nothing was delivered. */
  status: number | undefined;
  trail: string[];
}

export function runBrowser(
  authorizationUrl: string,
  options?: { action?: HeadlessBrowserAction; log?: (line: string) => void },
): Promise<HeadlessBrowserResult>;
