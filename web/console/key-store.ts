// The pasted API key lives in sessionStorage: it survives a reload of the tab but not closing it,
// and other tabs and sites never see it.

const STORAGE_KEY = "sliced.console.api-key";

export function loadKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the key is then asked for on every load
  }
}

export function saveKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // storage disabled: the key still works for this page
  }
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing was stored
  }
}
