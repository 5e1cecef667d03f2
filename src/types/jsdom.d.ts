// The part of jsdom the dashboard tests use. The package's own typings would pull the DOM library
// into the whole (Node) program, so the window is described here by what the tests touch.
declare module 'jsdom' {
  export interface DomNode {
    textContent: string | null;
    hidden: boolean;
    className: string;
    value: string;
    dataset: Record<string, string | undefined>;
    getAttribute(name: string): string | null;
    querySelector(selector: string): DomNode | null;
    querySelectorAll(selector: string): ArrayLike<DomNode> & Iterable<DomNode>;
    dispatchEvent(event: unknown): boolean;
    click(): void;
  }
  export interface DomWindow {
    document: { getElementById(id: string): DomNode | null } & Pick<DomNode, 'querySelector' | 'querySelectorAll'>;
    localStorage: { getItem(key: string): string | null };
    Event: new (type: string, init?: { cancelable?: boolean; bubbles?: boolean }) => unknown;
    File: new (parts: unknown[], name: string) => Blob & { name: string };
    FormData: new () => { entries(): IterableIterator<[string, unknown]> };
    FileReader: new () => { result: unknown; onload: (() => void) | null; onerror: (() => void) | null; readAsArrayBuffer(blob: unknown): void };
    URL: { createObjectURL(blob: unknown): string; revokeObjectURL(url: string): void };
    eval(code: string): unknown;
    close(): void;
  }
  export class VirtualConsole {}
  export class JSDOM {
    constructor(html: string, options?: { url?: string; runScripts?: 'outside-only' | 'dangerously'; pretendToBeVisual?: boolean; virtualConsole?: VirtualConsole });
    readonly window: DomWindow;
  }
}
