/** Where the summary's claims come from. */
export interface ReferenceGroup {
  /** Shown once, before the items: "Agreed recommendations" and the like. */
  prefix: string;
  items: { text: string; dest: string | null }[];
}

/** Pointers as readers can follow them: grouped by section, each linked to where it is shown. */
export function groupReferences(refs: readonly string[]): ReferenceGroup[] {
  const groups: ReferenceGroup[] = [];
  const seen = new Set<string>();
  const add = (prefix: string, text: string, dest: string | null) => {
    if (seen.has(`${prefix}\n${text}`)) return;
    seen.add(`${prefix}\n${text}`);
    let group = groups.find((g) => g.prefix === prefix);
    if (!group) groups.push((group = { prefix, items: [] }));
    group.items.push({ text, dest });
  };
  for (const ref of refs) {
    const parts = ref.split('/').slice(1);
    const [top, sub, index, field] = parts;
    const i = index !== undefined && /^\d+$/.test(index) ? Number(index) : null;
    if (top === 'recommendations' && (sub === 'agreed' || sub === 'notAgreed')) {
      const letter = sub === 'agreed' ? 'A' : 'N';
      if (i === null) add('', sub === 'agreed' ? 'Agreed recommendations' : 'Not agreed', sub === 'agreed' ? 'agreed' : 'not-agreed');
      else if (field === 'response') add('Official response to', `${letter}${i + 1}`, `${letter}${i + 1}`);
      else add(sub === 'agreed' ? 'Agreed recommendation' : 'Not agreed', `${letter}${i + 1}`, `${letter}${i + 1}`);
    } else if (top === 'recommendations') add('', 'Agreed recommendations', 'agreed');
    else if (top === 'participation') add('', 'Participation', 'participation');
    else if (top === 'agenda') add('', 'Agenda as it ran', 'agenda');
    else if (top === 'session') add('', 'Session', 'session');
    else if (top === 'questions') add('', 'Questions', 'questions');
    else if (top === 'rooms') add('', 'Rooms', 'rooms');
    else if (top === 'publications') add('', 'Integrity', 'integrity');
    else add('', ref, null);
  }
  return groups;
}
