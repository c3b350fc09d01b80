/** What the Pod needs from a CML lab node: its id, label and `tags` list. */
export interface LabYamlNode {
  id: string | null;
  label: string | null;
  tags: string[];
}

interface Line {
  indent: number;
  text: string;
}

function toLines(yaml: string): Line[] {
  return yaml.split(/\r?\n/).map((raw) => {
    const text = raw.replace(/\s+$/, '');
    return {
      indent: text.length - text.trimStart().length,
      text: text.trimStart(),
    };
  });
}

function isBlankOrComment(line: Line): boolean {
  return line.text === '' || line.text.startsWith('#');
}

/** A plain or quoted YAML scalar, without a trailing comment. */
function scalar(raw: string): string {
  const value = raw.trim();
  const quoted = /^(['"])(.*)\1$/.exec(value);
  if (quoted) return quoted[2];
  return value.replace(/\s+#.*$/, '').trim();
}

/** `[a, "b", c]` -> ['a', 'b', 'c'] (flow sequences of plain scalars, which is what tags are). */
function flowSequence(raw: string): string[] | null {
  const match = /^\[(.*)\]\s*(#.*)?$/.exec(raw.trim());
  if (!match) return null;
  return match[1]
    .split(',')
    .map(scalar)
    .filter((s) => s.length > 0);
}

function keyValue(text: string): { key: string; value: string } | null {
  const match = /^([A-Za-z_][\w-]*):(?:\s+(.*))?$/.exec(text);
  return match ? { key: match[1], value: match[2] ?? '' } : null;
}

/** One node item (its dash already stripped): the direct fields sit at the first line's indent. */
function readNode(itemLines: Line[]): LabYamlNode {
  const node: LabYamlNode = { id: null, label: null, tags: [] };
  const fieldIndent = itemLines[0].indent;
  for (let i = 0; i < itemLines.length; i++) {
    const line = itemLines[i];
    if (line.indent !== fieldIndent) continue;
    const kv = keyValue(line.text);
    if (!kv) continue;
    if (kv.key === 'id') node.id = scalar(kv.value);
    if (kv.key === 'label') node.label = scalar(kv.value);
    if (kv.key === 'tags') {
      const inline = flowSequence(kv.value);
      if (inline) {
        node.tags = inline;
        continue;
      }
      // Block sequence: deeper lines, or `- ` at the key's own indent (compact style).
      for (let j = i + 1; j < itemLines.length; j++) {
        const next = itemLines[j];
        if (isBlankOrComment(next)) continue;
        const belongs =
          next.indent > fieldIndent ||
          (next.indent === fieldIndent && next.text.startsWith('- '));
        if (!belongs) break;
        if (next.text.startsWith('- '))
          node.tags.push(scalar(next.text.slice(2)));
      }
    }
  }
  return node;
}

/**
 * Reads `nodes[].{id,label,tags}` from CML lab YAML with line rules, not a YAML parser: the
 * top-level `nodes:` block sequence, each item's direct fields, and `tags` as a block or flow list.
 */
export function readLabYamlNodes(yaml: string): LabYamlNode[] {
  const lines = toLines(yaml);
  const start = lines.findIndex(
    (l) => l.indent === 0 && /^nodes:\s*(#.*)?$/.test(l.text),
  );
  if (start < 0) return [];

  const block: Line[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    if (isBlankOrComment(line)) continue;
    if (line.indent === 0 && !line.text.startsWith('- ')) break;
    block.push(line);
  }
  const firstItem = block.find((l) => l.text.startsWith('- '));
  if (!firstItem) return [];
  const itemIndent = firstItem.indent;

  const items: Line[][] = [];
  for (const line of block) {
    if (
      line.indent === itemIndent &&
      (line.text.startsWith('- ') || line.text === '-')
    ) {
      // `- id: n0` becomes a field line at the column after the dash.
      const rest = line.text.slice(1).trimStart();
      const column = itemIndent + (line.text.length - rest.length);
      items.push(rest === '' ? [] : [{ indent: column, text: rest }]);
    } else if (line.indent > itemIndent && items.length > 0) {
      items[items.length - 1].push(line);
    }
  }
  return items.filter((item) => item.length > 0).map(readNode);
}
