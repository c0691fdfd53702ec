// Prompt and completion text with a Zipf word distribution: a few words are
// everywhere, most are rare, so full-text terms range from matching half the
// table to matching a handful of rows. The vocabulary is fixed (not drawn from
// the seed) so a rare word stays rare across seeds.
import { Rng, type Weighted, zipf } from './prng.js';

const COMMON = `the be to of and a in that have it for not on with as you do at this but by from they we say her she or an will
my one all would there their what so up out if about who get which go me when make can like time no just him know take people
into year your good some could them see other than then now look only come its over think also back after use two how our work
first well way even new want because any these give day most us data user model error request response customer account order
email report code table query file search answer question help issue price product service team project plan update review
summary language support policy ticket invoice refund payment login password document page result value list time message`
  .split(/\s+/)
  .filter(Boolean);

const DOMAIN = `latency token embedding vector retrieval prompt completion context window temperature streaming function schema json
api endpoint webhook kubernetes postgres index migration deployment rollback cache redis timeout retry backoff throughput
invoice subscription churn onboarding compliance gdpr audit encryption certificate oauth sso tenant quota billing forecast
revenue pipeline dashboard anomaly regression classifier sentiment translation summarization extraction hallucination
benchmark evaluation dataset annotation finetune quantization inference gpu throughput tokenizer multilingual chatbot agent
tool planner reasoning chain memory session transcript meeting contract clause liability warranty shipment warehouse
inventory supplier procurement payroll benefits vacation expense reimbursement receipt diagnosis prescription symptom
appointment insurance claim premium deductible mortgage interest portfolio dividend volatility hedge arbitrage`
  .split(/\s+/)
  .filter(Boolean);

// Words full-text tests can look for: accents, other scripts, and the LIKE
// metacharacters % and _ that must match literally.
export const SPECIAL_WORDS = ['café', 'naïve', 'Zürich', 'données', '日本語', 'Ωmega', 'smörgåsbord', '🚀', '100%', '50%_off', 'snake_case', 'user_id', '__init__', 'C:\\temp\\report.csv', 'tab\there'];

const SYLLABLES = 'ka lo mi ne ru sa ti vo zu bel dor fin gar hul jex kor lum mar nox pel quin ros tav ulm vex wyn yor zel'.split(' ');

/** Synthetic rare words (deterministic): the long tail of the vocabulary. */
function rareWords(n: number): string[] {
  const rng = new Rng(0x7ace1e5);
  const out = new Set<string>();
  while (out.size < n) {
    const parts = rng.int(2, 4);
    let w = '';
    for (let i = 0; i < parts; i++) w += rng.pick(SYLLABLES);
    out.add(w);
  }
  return [...out];
}

export const VOCABULARY: readonly string[] = [...new Set([...COMMON, ...DOMAIN, ...rareWords(6000)])];

const WORDS: Weighted = zipf(VOCABULARY.length, 1.07);

const QUESTION_STARTS = [
  'Can you explain',
  'Summarize the following',
  'Write a short reply about',
  'Classify this message:',
  'Translate to French:',
  'Extract the fields from',
  'Why does my',
  'How do I fix',
  'Generate a SQL query for',
  'What is the best way to handle',
];
const ANSWER_STARTS = ['Sure!', 'Here is a summary:', 'The main point is', 'Based on the context,', 'In short,', 'Certainly.', 'Step 1:', 'The answer is'];

function words(rng: Rng, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    // About one sentence in thirty carries a special word.
    out.push(rng.chance(0.004) ? rng.pick(SPECIAL_WORDS) : VOCABULARY[WORDS.draw(rng)]!);
  }
  return out.join(' ');
}

export function prompt(rng: Rng, meanWords: number): string {
  return `${rng.pick(QUESTION_STARTS)} ${words(rng, Math.max(3, Math.round(rng.logNormal(meanWords, 0.5))))}?`;
}

export function completion(rng: Rng, meanWords: number): string {
  const body = `${rng.pick(ANSWER_STARTS)} ${words(rng, Math.max(3, Math.round(rng.logNormal(meanWords, 0.6))))}.`;
  // Some answers are lists: newlines must survive every write path.
  return rng.chance(0.2) ? `${body}\n- ${words(rng, rng.int(3, 8))}\n- ${words(rng, rng.int(3, 8))}` : body;
}
