// The regex pre-check: broken patterns and super-linear constructs are refused,
// ordinary POSIX patterns pass untouched.
import { describe, expect, it } from 'vitest';
import { checkRegex, MAX_REPETITION, requiredLiteral } from '../../src/query/regex-check.js';

describe('checkRegex', () => {
  it.each([
    '^gpt-4o(-mini)?$', '(a+)+$', '[0-9]{1,255}', '((p){1,10}){1,100}', '\\\\1', '[\\]]x', '[(?=]', '\\(?=', '(?:ab)+', '(?i)abc',
    '***=(?=\\1', '***:abc', 'a{2,}', `x{${MAX_REPETITION}}`,
  ])('accepts %s', (p) => {
    expect(checkRegex(p)).toBeNull();
  });

  it.each([
    ['(.+)\\1', /back reference/],
    ['(a)(b)\\2', /back reference/],
    ['***:(a)\\1', /back reference/],
    ['(?=.*x)', /lookahead/],
    ['a(?!b)', /lookahead/],
    ['(?<=a)b', /lookahead/],
    ['(?<!a)b', /lookahead/],
    ['(?x)a( ?=b)', /expanded/],
    ['(?xi)a', /expanded/],
    ['(.{1,255}){1,255}', /repetitions/],
    ['((a{1,100}){1,100}){1,100}', /repetitions/],
    [`(x{${MAX_REPETITION}}){2}`, /repetitions/],
    ['(a', /unmatched \(/],
    ['a)', /unmatched \)/],
    ['[a', /unterminated/],
    ['[\\]', /unterminated/],
    ['a\\', /backslash/],
  ])('refuses %s', (p, why) => {
    expect(checkRegex(p)).toMatch(why);
  });
});

describe('requiredLiteral', () => {
  it.each([
    ['^qzvspread', 'qzvspread'],
    ['qzv.x', 'qzv'],
    ['abc*', 'ab'],
    ['abc?d', 'ab'],
    ['abc{0,2}', 'ab'],
    ['abc+', 'ab'],
    ['a\\.b\\[c', 'a.b[c'],
    ['ab\\dcd', 'ab'],
    ['ab\\ycd', 'ab'],
    ['x😀y*', 'x😀'],
    ['😀*', ''],
    ['ab|cd', ''],
    ['(?i)abc', ''],
    ['***=abc', ''],
    ['***:abc', ''],
    ['[ab]cd', ''],
    ['(abc)', ''],
    ['a"b\\\\c', 'a"b\\c'],
  ])('%s -> %s', (pattern, literal) => {
    expect(requiredLiteral(pattern)).toBe(literal);
  });
});
