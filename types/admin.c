/*
 * admin.c — the "objects" and "server" method tables. Their handlers need
 * the registry and the event loop, so they live in server/; the specs live
 * here so that the REPL's help and completion read them like any type's.
 */
#include "ops.h"

static const op_def objects_ops[] = {
	{"list", NULL, 0, 0, {{0}}, "every object: a map from name to type"},
	{"type", NULL, 0, 1, {{"name", ARG_STR, false}}, "the type of an object, or nil when there is none"},
	{"delete", NULL, OP_WRITE, 1, {{"name", ARG_STR, false}}, "delete an object; true if it existed"},
	{"create", NULL, OP_WRITE | OP_GROWS, 3,
	 {{"name", ARG_STR, false}, {"type", ARG_STR, false}, {"options", ARG_MAP_OR_NIL, true}},
	 "create an object of a type with options; nil if it already exists with that type"},
};

const type_def objects_type = {
	.name = "objects",
	.help = "the registry of named objects",
	.admin = true,
	.ops = objects_ops,
	.nops = sizeof objects_ops / sizeof objects_ops[0],
};

static const op_def server_ops[] = {
	{"ping", NULL, 0, 0, {{0}}, "answers \"pong\""},
	{"info", NULL, 0, 0, {{0}}, "a map of server facts: version, uptime, connections, memory, ..."},
	{"shutdown", NULL, OP_WRITE, 0, {{0}}, "stop the server cleanly; answers nil first"},
};

const type_def server_type = {
	.name = "server",
	.help = "the server itself",
	.admin = true,
	.ops = server_ops,
	.nops = sizeof server_ops / sizeof server_ops[0],
};
