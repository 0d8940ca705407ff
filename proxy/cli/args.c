/*
 * args.c — the argument grammar, shared by one-shot mode and the REPL: a
 * word is a JSON literal when it parses as one (jansson parses, with the $
 * forms of jsonform.h), @name is a reference, anything else is a bare
 * string, as redis-cli reads its arguments. The method's spec in the op
 * tables then checks the params before anything is sent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonform.h"
#include "mem.h"
#include "value.h"

int args_bad(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return OM_BAD_PARAMS;
}

static bool is_decimal(const char *w)
{
	if (*w == '-')
		w++;
	if (!*w)
		return false;
	for (; *w; w++)
		if (*w < '0' || *w > '9')
			return false;
	return true;
}

/*
 * jansson stops at int64: a plain decimal above INT64_MAX that fits in
 * uint64 is still an integer here (OM_UINT), anything further out is an
 * error rather than a silent string or float.
 */
static int parse_big(const char *word, om_value *out, char *err, size_t errsize)
{
	if (is_decimal(word) && word[0] != '-') {
		errno = 0;
		unsigned long long u = strtoull(word, NULL, 10);
		if (errno != ERANGE) {
			*out = om_uint(u);
			return OM_OK;
		}
	}
	return args_bad(err, errsize, "%s is out of range (integers go from %lld to %llu)", word,
		   (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
}

int args_parse(const char *word, om_value *out, char *err, size_t errsize)
{
	*out = om_nil();
	if (word[0] == '@' && word[1]) {
		*out = value_str_dup(word + 1, strlen(word + 1));
		out->kind = OM_REF;
		return OM_OK;
	}
	json_error_t e;
	json_t *j = json_loads(word, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (j) {
		int rc = jsonform_decode(j, out, err, errsize);
		json_decref(j);
		return rc;
	}
	if (json_error_code(&e) == json_error_numeric_overflow)
		return parse_big(word, out, err, errsize);
	/* Meant as JSON, surely: a silent string would hide the typo. */
	if (word[0] == '[' || word[0] == '{' || word[0] == '"')
		return args_bad(err, errsize, "not valid JSON (%s); a string starting with %c must be "
			   "written as a JSON string", e.text, word[0]);
	*out = value_str_dup(word, strlen(word));
	return OM_OK;
}

void args_free(om_value *params, size_t n)
{
	for (size_t i = 0; i < n; i++)
		om_value_free(&params[i]);
	free(params);
}

/* The name of params[i] in messages: the object's name, a spec's name, or a position. */
static void param_name(const type_def *t, const op_def *op, size_t i, char *buf, size_t size)
{
	bool named = t && !t->admin;
	if (named && i == 0)
		snprintf(buf, size, "name");
	else if (op && i - named < op->nargs)
		snprintf(buf, size, "%s", op->args[i - named].name);
	else
		snprintf(buf, size, "#%zu", i + 1);
}

/*
 * Where the spec wants a string (an object name, an ARG_STR or ARG_NAME param), a
 * word that reads as a number, bool or null is meant literally: `dict.set
 * 2024 k v` names the dict "2024".
 */
static bool wants_str(const type_def *t, const op_def *op, size_t i)
{
	bool named = t && !t->admin;
	if (named && i == 0)
		return true;
	return op && i - named < op->nargs &&
	       (op->args[i - named].kind == ARG_STR || op->args[i - named].kind == ARG_NAME);
}

static bool is_scalar_not_str(const om_value *v)
{
	return v->kind == OM_NIL || v->kind == OM_BOOL || value_is_number(v);
}

int args_params(const type_def *t, const op_def *op, char *const *argv, size_t argc,
		const om_value *last, om_value **params, size_t *n, char *err, size_t errsize)
{
	const char *method = argv[0];
	bool named = t && !t->admin;
	char pname[64], perr[384];
	argv++;
	argc--;
	*params = NULL;
	*n = 0;
	if (named && argc == 0)
		return args_bad(err, errsize, "%s: parameter 'name' is missing", method);

	om_value *v = xcalloc(argc + 1, sizeof *v);
	for (size_t i = 0; i < argc; i++) {
		if (args_parse(argv[i], &v[i], perr, sizeof perr) != OM_OK) {
			param_name(t, op, i, pname, sizeof pname);
			args_free(v, i);
			return args_bad(err, errsize, "%s: parameter '%s': %s", method, pname, perr);
		}
		if (wants_str(t, op, i) && is_scalar_not_str(&v[i])) {
			om_value_free(&v[i]);
			v[i] = value_str_dup(argv[i], strlen(argv[i]));
		}
	}
	if (last) /* verbatim: a word's grammar is for what a shell word can carry */
		om_value_copy(&v[argc++], last);
	if (named && v[0].kind != OM_STR) {
		const char *kind = value_kind_name(&v[0]);
		args_free(v, argc);
		return args_bad(err, errsize, "%s: the object name must be a string, got %s", method, kind);
	}
	if (op) {
		op_call call = {.type = t->name, .args = v + named, .nargs = argc - named};
		if (op_check_args(t, op, &call) != OM_OK) {
			args_free(v, argc);
			return args_bad(err, errsize, "%s", call.message);
		}
	}
	*params = v;
	*n = argc;
	return OM_OK;
}
