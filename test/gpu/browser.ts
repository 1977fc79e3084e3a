/**
 * Node side of the GPU tests: serves this project with Vite, opens test/gpu/harness.html in
 * Debian's headless Chromium (WebGPU on SwiftShader where there is no GPU), and calls the
 * functions the harness exposes on `window.harness`.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';
import type { Harness } from './harness.js';
import { FASHION_MNIST_DIR } from '../../src/data/fashion-mnist.js';

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: on Debian run \`apt-get install -y chromium\`, or set CHROMIUM_PATH`);
  }
  return path;
}

/** Flags for headless Chromium with WebGPU on a closed network (the team's guide, ../shared/GUIDE.md, outside this repository). */
export function chromiumArgs(): string[] {
  const args = [
    '--enable-unsafe-webgpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}

export interface PageSession {
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** Serves the project with Vite and opens `path` in headless Chromium. */
export async function openPage(path: string, options: { args?: string[]; viewport?: { width: number; height: number } } = {}): Promise<PageSession> {
  // /@fs/ serves Debian's Fashion-MNIST files to the page as well as the project.
  const server: ViteDevServer = await createServer({
    server: { port: 0, host: '127.0.0.1', fs: { allow: [process.cwd(), FASHION_MNIST_DIR] } },
    logLevel: 'error',
    clearScreen: false,
  });
  await server.listen();
  const address = server.httpServer!.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let browser: Browser | undefined;
  try {
    const userDataDir = join(tmpdir(), `fa-webgpu-chromium-${process.pid}-${Date.now()}`);
    mkdirSync(userDataDir, { recursive: true });
    browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: options.args ?? chromiumArgs(), userDataDir });
    const page = await browser.newPage();
    await page.setViewport(options.viewport ?? { width: 1280, height: 900 });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}${path}`);
    const b = browser;
    return {
      page,
      errors,
      async close() {
        await b.close();
        await server.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}

export interface HarnessSession extends PageSession {
  /** Calls window.harness[name](arg) in the page and returns its result. */
  call<K extends keyof Harness>(name: K, arg: Parameters<Harness[K]>[0]): Promise<Awaited<ReturnType<Harness[K]>>>;
}

/** Opens test/gpu/harness.html and waits until its device is ready. */
export async function openHarness(): Promise<HarnessSession> {
  const session = await openPage('/test/gpu/harness.html');
  try {
    await session.page.waitForFunction('window.harnessReady !== undefined', { timeout: 60_000 });
    const ready = await session.page.evaluate('window.harnessReady');
    if (ready !== true) throw new Error(`harness failed to start: ${String(ready)}`);
  } catch (e) {
    await session.close();
    throw e;
  }
  return {
    ...session,
    call: (name, arg) => session.page.evaluate((n, a) => (window as unknown as { harness: Record<string, (x: unknown) => unknown> }).harness[n](a), name, arg as never) as never,
  };
}
