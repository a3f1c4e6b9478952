// INSTRUCTOR ONLY: used by the release only.
/**
 * Removes imports that nothing in a file uses any more. A stub that throws leaves unused the imports
 * its solution needed, and those would both fail a strict `noUnusedLocals` check and tell the student
 * which helpers the answer calls; the release drops them (the student adds what their code needs).
 *
 * A name counts as used if any identifier outside the import declarations spells it, in a value or a
 * type position: a local that shadows an import keeps the import, which is harmless. Side-effect
 * imports (`import "./x"`) are kept.
 */
import ts from "typescript";

interface Binding {
  local: string;
  text: string;
}

/** The source without unused imports, and the names it removed. */
export function pruneUnusedImports(source: string, file: string): { source: string; removed: string[] } {
  const kind = /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, kind);
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);

  const edits: { start: number; end: number; text: string }[] = [];
  const removed: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || st.importClause === undefined) continue;
    const clause = st.importClause;
    const def = clause.name ? { local: clause.name.text, text: clause.name.text } : null;
    const bindings = clause.namedBindings;
    const namespace =
      bindings && ts.isNamespaceImport(bindings)
        ? { local: bindings.name.text, text: `* as ${bindings.name.text}` }
        : null;
    const named: Binding[] =
      bindings && ts.isNamedImports(bindings)
        ? bindings.elements.map((e) => ({ local: e.name.text, text: e.getText(sf) }))
        : [];
    const all = [def, namespace, ...named].filter((b): b is Binding => b !== null);
    const unused = all.filter((b) => !used.has(b.local));
    if (unused.length === 0) continue;
    removed.push(...unused.map((b) => b.local));
    const start = st.getStart(sf);
    if (unused.length === all.length) {
      // The whole declaration goes, with its line break.
      const end = source[st.end] === "\n" ? st.end + 1 : st.end;
      edits.push({ start, end, text: "" });
      continue;
    }
    const keptDefault = def && used.has(def.local) ? def.text : null;
    const keptNamespace = namespace && used.has(namespace.local) ? namespace.text : null;
    const keptNamed = named.filter((b) => used.has(b.local)).map((b) => b.text);
    const parts = [keptDefault, keptNamespace, keptNamed.length > 0 ? `{ ${keptNamed.join(", ")} }` : null];
    const clauseText = parts.filter((p) => p !== null).join(", ");
    const typeOnly = clause.isTypeOnly ? "type " : "";
    edits.push({ start, end: st.end, text: `import ${typeOnly}${clauseText} from ${st.moduleSpecifier.getText(sf)};` });
  }
  let out = source;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { source: out, removed };
}
