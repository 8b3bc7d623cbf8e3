/** Plain text from source items, split into sentences and words, for prompts and the offline generator. */

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", mdash: "—", ndash: "–", hellip: "…", rsquo: "’", lsquo: "‘", rdquo: "”", ldquo: "“" };

/** Text of sanitized item HTML: block ends become line breaks, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|template)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<\/(p|div|h[1-6]|li|blockquote|pre|tr|section|article)>|<br\s*\/?>/gi, "\n")
    .replace(/<[^>]+>/g, " ")
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
      if (name[0] === "#") {
        const code = name[1]?.toLowerCase() === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : " ";
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t\f\v\u00a0]+/g, " ")
    .replace(/ *\n[\n ]*/g, "\n")
    .trim();
}

const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });

/** Sentences of a text, trimmed, without fragments too short to stand alone. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\n+/)) {
    for (const { segment } of segmenter.segment(paragraph)) {
      const s = segment.replace(/\s+/g, " ").trim();
      if (s.length >= 2) out.push(s);
    }
  }
  return out;
}

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
}

/** Common words of the languages the output checks know, to tell what language a text is in. */
export const STOPWORDS: Record<string, ReadonlySet<string>> = {
  en: new Set("the a an and or but of to in on at for with from by about as is are was were be been it its this that these those he she they we you i not no has have had will would can could should do does did more most than then there their our your his her what which who when where how all any some".split(" ")),
  fr: new Set("le la les un une des et ou mais de du au aux en dans sur pour par avec est sont était être a ont ce cette ces il elle ils elles nous vous je ne pas plus que qui quand où comme son sa ses leur leurs".split(" ")),
  de: new Set("der die das ein eine und oder aber von zu im in auf für mit aus bei ist sind war waren sein es dieser diese dieses er sie wir ihr ich nicht kein mehr als dann dort wie was wer wann wo auch noch nach".split(" ")),
  es: new Set("el la los las un una unos y o pero de del al en sobre para por con es son era ser fue este esta estos estas él ella ellos nosotros usted yo no más que quien cuando donde como su sus muy también".split(" ")),
};

/** The most likely language among those known, by share of stopwords; null when too short to tell. */
export function guessLanguage(text: string): string | null {
  const list = words(text);
  if (list.length < 8) return null;
  let best: string | null = null;
  let bestShare = 0;
  for (const [language, stop] of Object.entries(STOPWORDS)) {
    const share = list.filter((w) => stop.has(w)).length / list.length;
    if (share > bestShare) {
      best = language;
      bestShare = share;
    }
  }
  return bestShare >= 0.08 ? best : null;
}
