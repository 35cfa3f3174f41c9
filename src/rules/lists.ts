// Lists: expansion of lists that name earlier lists, and Falco's textual substitution of list
// names inside condition strings (rule_loader_compiler.cpp resolve_list), done before parsing.

export interface CompiledList {
  name: string;
  /** Items with references to earlier lists replaced by those lists' items. */
  items: string[];
  /** Referenced by another list, a macro or a rule. */
  used: boolean;
}

/** What list expansion needs of a collected list. */
export interface ListDefinition {
  name: string;
  items: readonly string[];
  /** Position of the first definition (evaluation and visibility order). */
  index: number;
  /** Id of the latest define/append: only lists with a smaller index are visible to it. */
  visibility: number;
}

/**
 * Expands every list in definition order. An item that names a list defined before this
 * list's latest change is replaced by that list's expanded items; anything else is kept.
 */
export function compileLists(definitions: Iterable<ListDefinition>): Map<string, CompiledList> {
  const byName = new Map<string, ListDefinition>();
  for (const def of definitions) byName.set(def.name, def);
  const out = new Map<string, CompiledList>();
  const referenced: string[] = [];
  for (const def of byName.values()) {
    const items: string[] = [];
    for (const item of def.items) {
      const ref = byName.get(item);
      if (ref && ref.index < def.visibility) {
        referenced.push(ref.name);
        // Falco reads the referenced list's collected (unexpanded) items here.
        items.push(...ref.items);
      } else {
        items.push(item);
      }
    }
    out.set(def.name, { name: def.name, items, used: false });
  }
  for (const name of referenced) out.get(name)!.used = true;
  return out;
}

/** Quotes an item that contains a space unless it is already quoted (Falco quote_item). */
export function quoteItem(item: string): string {
  return item.includes(' ') && item[0] !== '"' && item[0] !== "'" ? `"${item}"` : item;
}

const BLANKS = ' \t\n\r';
const DELIMS = BLANKS + '(),=';

/**
 * Replaces every delimited occurrence of `list.name` in `condition` by its items joined with
 * ", " — exactly resolve_list: the match grows over surrounding blanks, an empty list also
 * swallows one adjacent comma, and the replacement is padded with single spaces. Occurrences
 * inside quoted strings are substituted too (as in Falco).
 */
export function resolveList(condition: string, list: { name: string; items: readonly string[] }): { condition: string; used: boolean } {
  const name = list.name;
  let cnd = condition;
  let used = false;
  if (name === '') return { condition, used };
  let start = cnd.indexOf(name);
  while (start !== -1) {
    let end = start + name.length;
    if ((start === 0 || DELIMS.includes(cnd[start - 1]!)) && (end >= cnd.length || DELIMS.includes(cnd[end]!))) {
      while (start > 0 && BLANKS.includes(cnd[start - 1]!)) start--;
      while (end < cnd.length && BLANKS.includes(cnd[end]!)) end++;
      const sub = list.items.map(quoteItem).join(', ');
      if (sub === '') {
        if (start > 0 && cnd[start - 1] === ',') start--;
        else if (end < cnd.length && cnd[end] === ',') end++;
      }
      let next = start > 0 ? cnd.slice(0, start) + ' ' : '';
      next += sub + ' ' + cnd.slice(end);
      cnd = next;
      start += sub.length + 1;
      used = true;
    }
    start = cnd.indexOf(name, start + 1);
  }
  return { condition: cnd, used };
}

/**
 * Substitutes every list, in definition order, into a condition and marks the lists that
 * were substituted as used. Lists have no visibility order with respect to conditions.
 * Given the lists as a Map (name → list, in definition order), only the lists the condition
 * names are looked at.
 */
export function resolveLists(condition: string, lists: Iterable<CompiledList> | ReadonlyMap<string, CompiledList>): string {
  if (lists instanceof Map) return resolveNamedLists(condition, lists as ReadonlyMap<string, CompiledList>);
  let cnd = condition;
  for (const list of lists as Iterable<CompiledList>) {
    const res = resolveList(cnd, list);
    if (res.used) {
      cnd = res.condition;
      list.used = true;
    }
  }
  return cnd;
}

/** Lists in definition order, each name's position, and the lists whose names have delimiters. */
interface ListOrder {
  lists: CompiledList[];
  position: Map<string, number>;
  delimited: number[];
}
const orders = new WeakMap<ReadonlyMap<string, CompiledList>, ListOrder>();

function orderOf(lists: ReadonlyMap<string, CompiledList>): ListOrder {
  let order = orders.get(lists);
  if (order === undefined) {
    const all = [...lists.values()];
    order = { lists: all, position: new Map(all.map((l, i) => [l.name, i])), delimited: [] };
    all.forEach((l, i) => {
      if (DELIMITER.test(l.name)) order!.delimited.push(i);
    });
    orders.set(lists, order);
  }
  return order;
}

/**
 * resolveLists over the lists a condition can use: resolveList replaces only whole words (runs
 * between delimiters), so a list whose name has no delimiter matters only when it is one of the
 * condition's words. After a substitution the words are taken again, for the lists after it.
 */
function resolveNamedLists(condition: string, lists: ReadonlyMap<string, CompiledList>): string {
  const order = orderOf(lists);
  let cnd = condition;
  let todo = candidates(cnd, order, -1);
  for (let i = 0; i < todo.length; i++) {
    const at = todo[i]!;
    const list = order.lists[at]!;
    const res = resolveList(cnd, list);
    if (res.used) {
      cnd = res.condition;
      list.used = true;
      todo = candidates(cnd, order, at);
      i = -1;
    }
  }
  return cnd;
}

/** Positions after `after` of the lists `cnd` may name, ascending. */
function candidates(cnd: string, order: ListOrder, after: number): number[] {
  const out: number[] = [];
  for (const word of cnd.split(WORD_SEPARATORS)) {
    const at = order.position.get(word);
    if (at !== undefined && at > after && !out.includes(at)) out.push(at);
  }
  for (const at of order.delimited) if (at > after && !out.includes(at)) out.push(at);
  return out.sort((a, b) => a - b);
}

const WORD_SEPARATORS = /[ \t\n\r(),=]+/;
const DELIMITER = /[ \t\n\r(),=]/;
