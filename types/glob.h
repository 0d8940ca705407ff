/*
 * glob.h — shell-style patterns over object names, for objects.list and
 * objects.watch: `*` any run of bytes, `?` one byte, `[abc]`, `[a-z]`,
 * `[!x]` (or `[^x]`) one byte of a set, `\` takes the next byte as it is.
 * A `[` without its `]` is a plain byte.
 */
#ifndef OBJMGR_GLOB_H
#define OBJMGR_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether s[0..slen) matches pat[0..plen), in O(plen * slen) at worst:
 * clients choose both, and fnmatch(3)'s backtracking can take exponential
 * time on patterns like "*a*a*a*a*b".
 */
bool glob_match(const char *pat, size_t plen, const char *s, size_t slen);

#endif
