/*
 * admin.c — the "objects", "server", "clients" and "client" method tables. Their handlers need
 * the registry and the event loop, so they live in server/, found by
 * position (enum admin_op); the specs live here so that the REPL's help
 * and completion read them like any type's.
 */
#include "ops.h"

const op_def admin_ops[ADMIN_NOPS] = {
	[ADMIN_OBJECTS_LIST] = {"list", NULL, 0, 2,
				{{"pattern", ARG_STR_OR_NIL, true}, {"options", ARG_MAP_OR_NIL, true}},
				"the objects whose names match a glob (default every one): a map from name to type, or to [type, version] with {\"versions\": true}"},
	[ADMIN_OBJECTS_SCAN] = {"scan", NULL, 0, 3,
				{{"cursor", ARG_INT_OR_NIL, true}, {"pattern", ARG_STR_OR_NIL, true},
				 {"count", ARG_INT_OR_NIL, true}},
				"a page of a walk of the objects whose names match a glob: [next cursor, map name -> type]; cursor 0 starts, 0 answered ends"},
	[ADMIN_OBJECTS_TYPE] = {"type", NULL, 0, 1, {{"name", ARG_NAME, false}},
				"the type of an object, or nil when there is none"},
	[ADMIN_OBJECTS_DELETE] = {"delete", NULL, OP_WRITE, 1, {{"name", ARG_NAME, false}},
				  "delete an object; true if it existed"},
	[ADMIN_OBJECTS_CREATE] = {"create", NULL, OP_WRITE | OP_GROWS, 3,
				  {{"name", ARG_NAME, false}, {"type", ARG_STR, false},
				   {"options", ARG_MAP_OR_NIL, true}},
				  "create an object of a type with options; nil if it already exists with that type"},
	[ADMIN_OBJECTS_DESCRIBE] = {"describe", NULL, 0, 1, {{"name", ARG_NAME, false}},
				    "{type, options, len} of an object, its options as objects.create takes them to make it again; nil when there is none"},
	[ADMIN_OBJECTS_VERSION] = {"version", NULL, 0, 1, {{"name", ARG_NAME, false}},
				   "an object's version: the server's revision at its last change; 0 when there is none"},
	[ADMIN_OBJECTS_WATCH] = {"watch", NULL, 0, 1, {{"pattern", ARG_STR, true}},
				 "send this connection objects.changed notifications for the objects whose names match a glob (default every one); answers the server's revision"},
	[ADMIN_OBJECTS_UNWATCH] = {"unwatch", NULL, 0, 1, {{"pattern", ARG_STR, true}},
				   "stop watching a pattern (default every one); true if it was watched"},
	[ADMIN_SERVER_PING] = {"ping", NULL, 0, 0, {{0}}, "answers \"pong\""},
	[ADMIN_SERVER_INFO] = {"info", NULL, 0, 1, {{"section", ARG_STR_OR_NIL, true}},
			       "a map of server facts: version, uptime, connections, memory, ...; or one section of them: server, clients, memory, persistence, config, polling, methods"},
	[ADMIN_SERVER_SHUTDOWN] = {"shutdown", NULL, OP_WRITE, 0, {{0}},
				   "stop the server cleanly; answers nil first"},
	[ADMIN_SERVER_SAVE] = {"save", NULL, OP_WRITE, 0, {{0}},
			       "write a snapshot of every object to the data directory, in the background; answers its generation"},
	[ADMIN_SERVER_MONITOR] = {"monitor", NULL, 0, 1, {{"on", ARG_BOOL, true}},
				  "send this connection a server.call notification for every call the server runs (false: stop); answers true"},
	[ADMIN_SERVER_BATCH] = {"batch", NULL, 0, 2,
				{{"calls", ARG_ARRAY, false}, {"options", ARG_MAP_OR_NIL, true}},
				"run [method, params] calls as one step; {\"atomic\": true}: all or nothing; {\"if_versions\": {name: version}}: only if unchanged"},
	[ADMIN_SERVER_SHM] = {"shm", NULL, 0, 1, {{"options", ARG_MAP_OR_NIL, true}},
			      "move this connection's requests and replies onto shared memory (libobjmgr's om_options.shm); the reply carries its fds"},
	[ADMIN_CLIENTS_LIST] = {"list", NULL, 0, 0, {{0}},
				"every connection: id, address, name, age, idle, requests, what it holds, ..."},
	[ADMIN_CLIENTS_KILL] = {"kill", NULL, OP_WRITE, 1, {{"id", ARG_INT, false}},
				"close a connection, releasing what it holds; true if it existed"},
	[ADMIN_CLIENT_SETNAME] = {"setname", NULL, OP_WRITE, 1, {{"name", ARG_STR, false}},
				  "name this connection in clients.list: up to 64 printable bytes, no spaces; \"\" clears it"},
};

const type_def objects_type = {
	.name = "objects",
	.help = "the registry of named objects",
	.admin = true,
	.ops = &admin_ops[ADMIN_OBJECTS_LIST],
	.nops = ADMIN_SERVER_PING - ADMIN_OBJECTS_LIST,
};

const type_def server_type = {
	.name = "server",
	.help = "the server itself",
	.admin = true,
	.ops = &admin_ops[ADMIN_SERVER_PING],
	.nops = ADMIN_CLIENTS_LIST - ADMIN_SERVER_PING,
};

const type_def clients_type = {
	.name = "clients",
	.help = "the connections to the server",
	.admin = true,
	.ops = &admin_ops[ADMIN_CLIENTS_LIST],
	.nops = ADMIN_CLIENT_SETNAME - ADMIN_CLIENTS_LIST,
};

const type_def client_type = {
	.name = "client",
	.help = "the calling connection itself",
	.admin = true,
	.ops = &admin_ops[ADMIN_CLIENT_SETNAME],
	.nops = ADMIN_NOPS - ADMIN_CLIENT_SETNAME,
};
