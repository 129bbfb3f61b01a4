// keyaudit capture snippet: run it in the browser console on
// Admin → Settings → API Keys. Its value is the key inventory as TSV
// (Name, Key, Password Access, State), read from the live page: each
// checkbox's current state, a key shown as paused when its row offers
// Activate rather than Pause. It reads the API Keys table only (masked
// keys), sends nothing anywhere and changes nothing on the page. Where the
// console has copy(), the TSV is also put on the clipboard.
(() => {
  const clean = (text) => (text || "").replace(/\s+/g, " ").trim();
  const label = (cell) => clean(cell.textContent).toLowerCase().replace(/[^a-z ]/g, "").trim();
  const table = [...document.querySelectorAll("table")].find((t) => {
    const head = t.rows[0] ? [...t.rows[0].cells].map(label) : [];
    return head.includes("name") && head.includes("key");
  });
  if (!table) {
    throw new Error("keyaudit: no table with Name and Key headers here; open Admin → Settings → API Keys");
  }
  const head = [...table.rows[0].cells].map(label);
  const column = (test) => head.findIndex(test);
  const nameAt = column((h) => h === "name");
  const keyAt = column((h) => h === "key");
  const accessAt = column((h) => h.startsWith("password"));
  const fieldOf = (cell) => cell && cell.querySelector("input:not([type]), input[type=text]");
  const nameOf = (cell) => {
    const field = fieldOf(cell);
    return clean(field ? field.value : cell && cell.textContent);
  };
  // A full key (shown once, at creation) is masked as the page masks it.
  const keyOf = (cell) =>
    (cell ? cell.textContent : "").replace(/\s+/g, "").replace(/^(ITG\.[0-9a-f]{32})\..*$/i, "$1.*****");
  const accessOf = (cell) => {
    const box = cell && cell.querySelector("input[type=checkbox]");
    if (box) return box.checked ? "yes" : "no";
    const role = cell && cell.querySelector("[role=checkbox]");
    return role ? (role.getAttribute("aria-checked") === "true" ? "yes" : "no") : "";
  };
  const offers = (row, word) =>
    [...row.querySelectorAll("button, a, input[type=button], input[type=submit]")].some(
      (b) => clean(b.value || b.textContent).toLowerCase() === word
    );
  // A name holding a double quote is quoted, as a TSV reader expects.
  const field = (text) => (text.includes('"') ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = ["Name\tKey\tPassword Access\tState"];
  for (const row of [...table.rows].slice(1)) {
    const cells = row.cells;
    const key = keyOf(cells[keyAt]);
    const entryForm = !key && (offers(row, "generate api key") || row.querySelector("[placeholder='Enter Name']"));
    if (entryForm || cells.length < 2) continue;
    const name = nameOf(cells[nameAt]);
    if (!name && !key) continue;
    const state = offers(row, "activate") && !offers(row, "pause") ? "paused" : "active";
    lines.push([name, key, accessOf(cells[accessAt]), state].map(field).join("\t"));
  }
  const tsv = lines.join("\n") + "\n";
  // The console's copy(), not a function of the page of that name.
  if (typeof copy === "function" && !("copy" in window)) copy(tsv);
  return tsv;
})()
