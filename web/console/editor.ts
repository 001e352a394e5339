// Editor behaviours of the two textareas: Tab indents instead of leaving the field, a column picked
// in the sidebar is inserted at the caret, and the JSON text can be re-indented.

export function bindIndentKey(area: HTMLTextAreaElement): void {
  area.addEventListener("keydown", (e) => {
    if (e.key !== "Tab" || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    insertAtCaret(area, "  ");
  });
}

export function insertAtCaret(area: HTMLTextAreaElement, text: string): void {
  area.focus();
  const { selectionStart: start, selectionEnd: end, value } = area;
  area.value = value.slice(0, start) + text + value.slice(end);
  area.selectionStart = area.selectionEnd = start + text.length;
  area.dispatchEvent(new Event("input"));
}

/** Re-indents the editor's JSON; answers the parse error's message when it is not JSON. */
export function formatJson(area: HTMLTextAreaElement): string | null {
  try {
    area.value = JSON.stringify(JSON.parse(area.value), null, 2);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Ctrl+Enter (Cmd+Enter on a Mac) anywhere on the page. */
export function bindRunShortcut(run: () => void): void {
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
}
