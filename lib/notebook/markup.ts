/**
 * Text made safe inside HTML or SVG, in element content and in double-quoted attribute values: the
 * four characters that could end or start markup become entities. Every figure, picture and table
 * the kit writes escapes its titles, labels and cells with this.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}
