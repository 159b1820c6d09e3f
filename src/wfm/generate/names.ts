// People's names as a multinational contact center has them: accents, other scripts, apostrophes, and the
// trailing spaces that data entry leaves behind. They are data a migration must carry unchanged.
import type { Random } from './random.ts';

const FIRST_NAMES = [
  'James', 'Maria', 'Wei', 'Aisha', 'José', 'Zoë', 'Łukasz', 'Søren', 'Siobhán', 'Priya', 'Mohammed', 'Anna',
  'Björn', 'Chloé', 'Dmitri', 'Emma', 'François', 'Grace', 'Hiroshi', 'Ingrid', 'Jürgen', 'Kateřina', 'Liam',
  'Mei', 'Noah', 'Olivia', 'Pedro', 'Renée', 'Sofía', 'Thabo', 'Ursula', 'Vikram', 'Wanjiru', 'Xavier',
  'Yuki', 'Zainab', "D'Arcy", 'Ana-Lucía', 'Nguyễn Văn', '翔太', 'Ольга', 'Ömer', 'Chidi', 'Aoife',
];

const LAST_NAMES = [
  'Smith', "O'Brien", 'Müller', 'García', 'Nguyễn', 'Kowalczyk', 'Øvergaard', "D'Souza", 'Johnson', 'Patel',
  'Williams', 'Schröder', 'Dubois', 'Rossi', 'Kim', 'Tanaka', 'Ivanova', 'Hernández', 'Brown', 'Okafor',
  'Van der Berg', 'Łęcki', 'Fernández', 'Chen', 'Singh', 'Murphy', "O'Neill", 'Andersson', 'Nowak', 'Silva',
  'Yılmaz', 'Novák', 'MacDonald', 'Kaczmarek', 'Ferreira', 'Lefèvre', '佐藤', 'Смирнов', 'Abdullah', 'Jones',
];

export interface PersonName {
  first: string;
  last: string;
}

/** About one name in thirty keeps a trailing space, as typed into the legacy client. */
export function personName(random: Random): PersonName {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  return { first: random.chance(0.01) ? `${first}  ` : first, last: random.chance(0.03) ? `${last} ` : last };
}

/** Lower-case ASCII letters of a name, for logins and e-mail addresses. */
export function asciiLetters(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łŁ]/g, 'l')
    .replace(/[øØ]/g, 'o')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** Names unique among those already in the database and those given out by this run. */
export class UniqueNames {
  private readonly taken: Set<string>;

  constructor(existing: Iterable<string>) {
    this.taken = new Set(existing);
  }

  /** The name itself, or the name with the smallest suffix that makes it unique. */
  claim(name: string, suffix: (n: number) => string = (n) => ` (${n})`): string {
    let candidate = name;
    for (let n = 2; this.taken.has(candidate); n++) candidate = `${name}${suffix(n)}`;
    this.taken.add(candidate);
    return candidate;
  }
}
