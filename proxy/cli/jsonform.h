/*
 * jsonform.h — om_value <-> JSON for --json output and for arguments.
 *
 * JSON lacks some of what a value can be, so those travel as one-key
 * objects (the "$ forms"), read back the same way as arguments so that
 * --json output can be fed back in:
 *
 *   bin                          {"$bin": "<base64>"}
 *   reference                    {"$ref": "name"}
 *   ext                          {"$ext": [type, "<base64>"]}
 *   integer above INT64_MAX      {"$uint": "18446744073709551615"}
 *   NaN, Infinity, -Infinity     {"$float": "NaN"}
 *   string that is not UTF-8     {"$str": "<base64>"}
 *   map JSON cannot carry        {"$map": [[key, value], ...]}
 *
 * A map becomes a JSON object when its keys are distinct UTF-8 strings,
 * unless its single key is one of the names above (it would read as that
 * form); otherwise it takes the $map form. A one-key object with any other
 * "$" key ({"$other": 1}) is a plain map both ways.
 */
#ifndef OBJMGR_CLI_JSONFORM_H
#define OBJMGR_CLI_JSONFORM_H

#include <jansson.h>

#include "objmgr.h"

/*
 * v as a new jansson value (never NULL). *digits is raised to the
 * significant digits its floats need to read back exactly (15 to 17), for
 * JSON_REAL_PRECISION.
 */
json_t *jsonform_encode(const om_value *v, int *digits);

/*
 * j as one line of JSON text (malloc'd), floats with digits significant
 * digits (jsonform_encode()'s *digits), ", " and ": " between items.
 * Aborts when memory runs out, as the x* functions of mem.h do.
 */
char *jsonform_dumps(const json_t *j, int digits);

/* j as an owned value in *out; OM_BAD_PARAMS with err for a malformed $ form. */
int jsonform_decode(const json_t *j, om_value *out, char *err, size_t errsize);

#endif
