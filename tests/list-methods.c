/*
 * list-methods.c — prints every method of the server's method table
 * (types/ops.h: type_table), one "type.op" a line, for check-methods.
 */
#include <stdio.h>

#include "ops.h"

int main(void)
{
	for (const type_def *const *t = type_table; *t; t++)
		for (size_t i = 0; i < (*t)->nops; i++)
			printf("%s.%s\n", (*t)->name, (*t)->ops[i].name);
	return 0;
}
