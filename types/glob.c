/*
 * glob.c — matching with one backtrack point: on a mismatch only the last
 * `*` seen takes one more byte. That is enough, as a later `*` can absorb
 * whatever an earlier one would have, and it bounds the work by the
 * pattern's length times the name's.
 */
#include "glob.h"

/*
 * Whether the class at p (just past its `[`) holds ch; *end is set past
 * its `]`. False, *end NULL, when the class is not closed.
 */
static bool class_match(const char *p, const char *pe, unsigned char ch, const char **end)
{
	bool negate = p < pe && (*p == '!' || *p == '^');
	bool found = false;
	const char *q = p + negate;
	*end = NULL;
	for (const char *first = q; q < pe && (*q != ']' || q == first); q++) {
		unsigned char lo = (unsigned char)*q, hi = lo;
		if (*q == '\\' && q + 1 < pe)
			lo = hi = (unsigned char)*++q;
		if (q + 2 < pe && q[1] == '-' && q[2] != ']') {
			q += 2;
			hi = (unsigned char)(*q == '\\' && q + 1 < pe ? *++q : *q);
		}
		found |= lo <= ch && ch <= hi;
	}
	if (q >= pe)
		return false;
	*end = q + 1;
	return found != negate;
}

/* Whether the pattern element at p (not a `*`) matches ch; *next is set past it. */
static bool element_match(const char *p, const char *pe, unsigned char ch, const char **next)
{
	if (*p == '?') {
		*next = p + 1;
		return true;
	}
	if (*p == '[') {
		const char *end;
		bool in = class_match(p + 1, pe, ch, &end);
		if (end) {
			*next = end;
			return in;
		}
	}
	if (*p == '\\' && p + 1 < pe)
		p++;
	*next = p + 1;
	return (unsigned char)*p == ch;
}

bool glob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	const char *p = pat, *pe = pat + plen, *t = s, *te = s + slen;
	const char *star_p = NULL, *star_t = NULL;
	while (t < te) {
		if (p < pe && *p == '*') {
			while (p < pe && *p == '*')
				p++;
			star_p = p;
			star_t = t;
			continue;
		}
		const char *next;
		if (p < pe && element_match(p, pe, (unsigned char)*t, &next)) {
			p = next;
			t++;
			continue;
		}
		if (!star_p)
			return false;
		p = star_p;
		t = ++star_t;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}
