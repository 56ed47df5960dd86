/**
 * Answers with non-ASCII text: accents, Cyrillic, Greek, Arabic, Devanagari, CJK and emoji
 * (including ZWJ sequences, flags and skin tones). They exist to put multi-byte characters on
 * token boundaries, where o200k splits one character over several ids and a streaming client must
 * not cut it in half.
 */
import type { SeededRandom } from '../../timing/random.js';
import { AnswerBuilder, type Composition } from './answer-builder.js';
import { chance, intBetween, pick, pickDistinct } from './choice.js';

interface Language {
  readonly code: string;
  readonly name: string;
}

interface PhraseTranslation {
  readonly lang: Language;
  readonly phrase: string;
  readonly romanized: string;
}

const L = {
  fr: { code: 'fr', name: 'French' },
  es: { code: 'es', name: 'Spanish' },
  de: { code: 'de', name: 'German' },
  pt: { code: 'pt', name: 'Portuguese' },
  it: { code: 'it', name: 'Italian' },
  ja: { code: 'ja', name: 'Japanese' },
  zh: { code: 'zh', name: 'Mandarin Chinese' },
  ko: { code: 'ko', name: 'Korean' },
  ru: { code: 'ru', name: 'Russian' },
  ar: { code: 'ar', name: 'Arabic' },
  hi: { code: 'hi', name: 'Hindi' },
  el: { code: 'el', name: 'Greek' },
} as const satisfies Record<string, Language>;

const PHRASEBOOK: readonly { concept: string; translations: readonly PhraseTranslation[] }[] = [
  {
    concept: 'thank you',
    translations: [
      { lang: L.fr, phrase: 'Merci beaucoup', romanized: 'mair-SEE boh-KOO' },
      { lang: L.es, phrase: 'Muchas gracias', romanized: 'MOO-chahs GRAH-syahs' },
      { lang: L.de, phrase: 'Vielen Dank', romanized: 'FEE-len dahnk' },
      { lang: L.ja, phrase: 'ありがとうございます', romanized: 'arigatō gozaimasu' },
      { lang: L.zh, phrase: '谢谢你', romanized: 'xièxie nǐ' },
      { lang: L.ko, phrase: '감사합니다', romanized: 'gamsahamnida' },
      { lang: L.ru, phrase: 'Спасибо', romanized: 'spasíbo' },
      { lang: L.ar, phrase: 'شكرًا جزيلًا', romanized: 'shukran jazīlan' },
      { lang: L.hi, phrase: 'बहुत धन्यवाद', romanized: 'bahut dhanyavād' },
      { lang: L.el, phrase: 'Ευχαριστώ πολύ', romanized: 'efcharistó polý' },
    ],
  },
  {
    concept: 'good morning',
    translations: [
      { lang: L.fr, phrase: 'Bonjour', romanized: 'bohn-ZHOOR' },
      { lang: L.pt, phrase: 'Bom dia', romanized: 'bohn JEE-ah' },
      { lang: L.it, phrase: 'Buongiorno', romanized: 'bwohn-JOR-noh' },
      { lang: L.ja, phrase: 'おはようございます', romanized: 'ohayō gozaimasu' },
      { lang: L.zh, phrase: '早上好', romanized: 'zǎoshang hǎo' },
      { lang: L.ko, phrase: '좋은 아침이에요', romanized: 'joeun achimieyo' },
      { lang: L.ru, phrase: 'Доброе утро', romanized: 'dóbroye útro' },
      { lang: L.el, phrase: 'Καλημέρα', romanized: 'kaliméra' },
    ],
  },
  {
    concept: 'where is the train station?',
    translations: [
      { lang: L.fr, phrase: 'Où est la gare ?', romanized: 'oo eh lah GAHR' },
      { lang: L.es, phrase: '¿Dónde está la estación de tren?', romanized: 'DOHN-deh ehs-TAH lah ehs-tah-SYOHN deh trehn' },
      { lang: L.de, phrase: 'Wo ist der Bahnhof?', romanized: 'voh ist dehr BAHN-hohf' },
      { lang: L.ja, phrase: '駅はどこですか？', romanized: 'eki wa doko desu ka' },
      { lang: L.zh, phrase: '火车站在哪里？', romanized: 'huǒchēzhàn zài nǎlǐ' },
      { lang: L.ko, phrase: '기차역이 어디예요?', romanized: 'gichayeogi eodiyeyo' },
      { lang: L.hi, phrase: 'रेलवे स्टेशन कहाँ है?', romanized: 'relve steśan kahā̃ hai' },
    ],
  },
  {
    concept: 'the bill, please',
    translations: [
      { lang: L.fr, phrase: "L'addition, s'il vous plaît", romanized: 'lah-dee-SYOHN seel voo PLEH' },
      { lang: L.es, phrase: 'La cuenta, por favor', romanized: 'lah KWEHN-tah pohr fah-VOHR' },
      { lang: L.de, phrase: 'Die Rechnung, bitte', romanized: 'dee REKH-noong BIT-teh' },
      { lang: L.it, phrase: 'Il conto, per favore', romanized: 'eel KOHN-toh pehr fah-VOH-reh' },
      { lang: L.ja, phrase: 'お会計をお願いします', romanized: 'okaikei o onegai shimasu' },
      { lang: L.zh, phrase: '请结账', romanized: 'qǐng jiézhàng' },
      { lang: L.el, phrase: 'Τον λογαριασμό, παρακαλώ', romanized: 'ton logariasmó, parakaló' },
    ],
  },
];

/** The same piece of advice ("start small, practise daily") written natively in each language. */
const ADVICE: readonly { lang: Language; text: string }[] = [
  { lang: L.fr, text: "Pour bien commencer, fixez-vous un objectif précis et modeste. Ensuite, pratiquez un peu chaque jour : quinze minutes suffisent, et les progrès arrivent plus vite qu'on ne le pense." },
  { lang: L.es, text: 'La clave está en empezar poco a poco. Dedica quince minutos al día y, al final del mes, notarás una diferencia clara. ¡Ánimo, que sí se puede!' },
  { lang: L.de, text: 'Am wichtigsten ist es, regelmäßig zu üben. Schon fünfzehn Minuten täglich genügen, um nach einigen Wochen spürbare Fortschritte zu machen – auch wenn es anfangs mühsam wirkt.' },
  { lang: L.pt, text: 'O segredo é começar devagar e manter a constância. Não é preciso muito tempo: quinze minutos por dia já fazem diferença ao fim de algumas semanas.' },
  { lang: L.it, text: 'Il consiglio più utile è fare un passo alla volta. Bastano quindici minuti al giorno, e dopo qualche settimana la differenza si vede già.' },
  { lang: L.ja, text: 'まずは小さな目標から始めるのがおすすめです。毎日十五分でも続ければ、数週間で違いを実感できるはずです。無理をせず、自分のペースで進めましょう。' },
  { lang: L.zh, text: '建议先从一个小目标开始。每天坚持十五分钟，几周之后就能看到明显的进步。不要急于求成，按照自己的节奏来就好。' },
  { lang: L.ko, text: '작은 목표부터 시작하는 것이 좋습니다. 매일 15분씩만 꾸준히 해도 몇 주 후에는 차이를 느낄 수 있어요. 무리하지 말고 자신의 속도로 진행하세요.' },
  { lang: L.ru, text: 'Лучше всего начать с небольшой цели. Даже пятнадцать минут в день дают заметный результат уже через несколько недель — главное, не бросать.' },
  { lang: L.ar, text: 'من الأفضل أن تبدأ بهدف صغير وواضح. خمس عشرة دقيقة يوميًا كافية لترى فرقًا ملحوظًا خلال أسابيع قليلة.' },
  { lang: L.hi, text: 'छोटे लक्ष्य से शुरू करना सबसे अच्छा है। रोज़ पंद्रह मिनट का अभ्यास भी कुछ हफ़्तों में साफ़ फ़र्क दिखा देता है।' },
  { lang: L.el, text: 'Το καλύτερο είναι να ξεκινήσετε με έναν μικρό στόχο. Δεκαπέντε λεπτά την ημέρα αρκούν για να δείτε διαφορά μέσα σε λίγες εβδομάδες.' },
];

/** Emoji chosen to cover single code points, variation selectors, ZWJ sequences, flags and skin tones. */
const CHECKLIST_ITEMS: readonly string[] = [
  '✅ Passport and any visas',
  '✅ Phone charger and a plug adapter 🔌',
  '⚠️ Liquids in 100 ml bottles for the carry-on',
  '🧥 A warm layer for the flight',
  '💊 Medication in your hand luggage',
  '🎧 Headphones',
  '👩‍💻 Laptop, if you are working remotely',
  '🇯🇵 A few yen in cash for the first day',
  '🇫🇷 Your rail pass for the TGV',
  '👍🏽 Copies of your bookings, offline',
  '☂️ A compact umbrella',
  '🧴 Sunscreen (SPF 30+)',
  '🗺️ Offline maps downloaded',
  '💳 A card without foreign transaction fees',
];

const PLACES: readonly string[] = [
  'São Paulo',
  'Kraków',
  'Reykjavík',
  'Malmö',
  'Zürich',
  'Đà Nẵng',
  'Île-de-France',
  'Córdoba',
  'Tōkyō',
  'Düsseldorf',
  'Québec',
  'İstanbul',
];

function phraseTable(rng: SeededRandom, b: AnswerBuilder): void {
  const entry = pick(rng, PHRASEBOOK);
  const rows = pickDistinct(rng, entry.translations, intBetween(rng, 3, entry.translations.length));
  b.add(`Here is “${entry.concept}” in ${rows.length} languages:`);
  const lines = ['| Language | Phrase | Pronunciation |', '| --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.lang.name} | ${r.phrase} | *${r.romanized}* |`);
  b.add(lines.join('\n'), 'table', ...rows.map((r) => `lang:${r.lang.code}`));
}

function phraseList(rng: SeededRandom, b: AnswerBuilder): void {
  const lang = pick(rng, [L.ja, L.zh, L.ko, L.fr, L.es, L.de, L.el]);
  const items = PHRASEBOOK.flatMap((p) => p.translations.filter((t) => t.lang === lang).map((t) => ({ concept: p.concept, t })));
  if (items.length === 0) return;
  b.add(`A few ${lang.name} phrases that come in handy when travelling:`);
  b.add(items.map(({ concept, t }) => `- **${t.phrase}** (${t.romanized}) — “${concept}”`).join('\n'), 'list', `lang:${lang.code}`);
}

function advice(rng: SeededRandom, b: AnswerBuilder): void {
  const a = pick(rng, ADVICE);
  b.add(pick(rng, [`Here is the same advice in ${a.lang.name}:`, `In ${a.lang.name}, that would be:`, `Translated into ${a.lang.name}:`]));
  b.add(chance(rng, 0.3) ? `> ${a.text}` : a.text, `lang:${a.lang.code}`);
}

function checklist(rng: SeededRandom, b: AnswerBuilder): void {
  b.add(pick(rng, ['Here is a packing checklist ✈️', 'Your checklist for the trip 🧳:', 'Before you leave, tick these off:']));
  b.add(pickDistinct(rng, CHECKLIST_ITEMS, intBetween(rng, 4, 8)).map((i) => `- ${i}`).join('\n'), 'list', 'emoji');
}

function placesParagraph(rng: SeededRandom, b: AnswerBuilder): void {
  const [a, c, d] = pickDistinct(rng, PLACES, 3);
  b.add(
    `If you have a week, consider splitting it between ${a!} and ${c!}; ${d!} is worth a day trip if the weather cooperates. ` +
      'Book trains a few weeks ahead — the fares climb quickly — and leave one afternoon unplanned for a café or a long walk.',
  );
}

const SECTIONS = [phraseTable, phraseList, advice, checklist, placesParagraph] as const;

/** An answer of roughly `targetTokens` built from the non-ASCII sections above. */
export function composeMultilingualAnswer(rng: SeededRandom, targetTokens: number): Composition {
  const b = new AnswerBuilder(targetTokens);
  b.tag('non-ascii');
  const order = pickDistinct(rng, SECTIONS, SECTIONS.length);
  for (const section of order) {
    if (!b.open) break;
    section(rng, b);
  }
  if (chance(rng, 0.5)) b.add(pick(rng, ['Bon voyage! 🌍', 'Enjoy the trip! 😊', '¡Buen viaje!', 'Gute Reise! 🚆', 'よい旅を！']));
  const out = b.finish();
  const hasEmoji = /\p{Extended_Pictographic}/u.test(out.text);
  const hasCjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(out.text);
  return { text: out.text, tags: [...new Set([...out.tags, ...(hasEmoji ? ['emoji'] : []), ...(hasCjk ? ['cjk'] : [])])].sort() };
}
