/*
 * cli.h — the objmgr program: the state one run shares between its parts,
 * and the entry points each part offers the others.
 *
 *   main.c      options, modes, --help
 *   session.c   the connection, calls, and how errors are reported
 *   words.c     a typed line -> argument words (quotes, brackets)
 *   args.c      argument words -> parameters, checked against the op tables
 *   lastarg.c   the last argument from stdin (-x) or a file (--value-file)
 *   jsonform.c  om_value <-> JSON, with the "$bin", "$ref", ... forms
 *   render.c    results as human, --json or --raw text
 *   csvform.c   results as --csv rows
 *   commands.c  the command table and dispatch: friendly commands, methods
 *   inspect.c   ls and show
 *   export.c    export: the objects as one JSON document
 *   import.c    import: an export document made into objects again
 *   statefile.c that document, written and read back
 *   help.c      help, from the op tables
 *   complete.c  Tab completion for the REPL
 *   repl.c      the interactive REPL (libedit)
 *   statements.c  commands read from a file, statement by statement
 *   batch.c     commands piped on stdin, one request each
 *   batchcmd.c  objmgr batch: the calls of a file as one server.batch
 *   watch.c     objmgr watch and monitor: notifications as lines
 *   withlock.c  objmgr with-lock, with-semaphore: a command run holding one
 *   operators.c -r/-i (a command repeated), and the modes below
 *   stat.c      --stat: a line of server figures per interval
 *   pings.c     --latency, --latency-history: server.ping round trips
 *   hints.c     the REPL's hint of a method's parameters after the cursor
 */
#ifndef OBJMGR_CLI_H
#define OBJMGR_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "objmgr.h"
#include "ops.h"

/*
 * What every command returns, and the program's exit status (the table of
 * --help's EXIT STATUS; sysexits.h's EX_USAGE for a wrong command line).
 * Every status but CLI_OK and CLI_FALSE comes with its error printed.
 */
enum cli_status {
	CLI_OK = 0,          /* done */
	CLI_FALSE = 1,       /* -e only: the last result was false or nil */
	CLI_UNREACHABLE = 2, /* the server could not be reached, or the connection was lost */
	CLI_DROPPED = 3,     /* watch, monitor: the server dropped us for reading too slowly */
	CLI_FAILED = 4,      /* the server answered an error, or a local failure */
	CLI_TIMEOUT = 5,     /* a wait timed out: the server's timeout, empty or full error; -w */
	CLI_USAGE = 64,      /* a wrong command line: option, command, arguments */
};

/* The output form: human on a terminal, else raw, unless an option says (main.c). */
typedef enum out_mode {
	OUT_HUMAN, /* JSON-like text, colours on a terminal; tables for ls, show, info, clients */
	OUT_JSON,  /* one JSON document per result, per line */
	OUT_RAW,   /* strings unquoted, one array element per line, a map key<TAB>value per line */
	OUT_CSV,   /* RFC 4180 rows (csvform.c) */
} out_mode;

typedef struct cli {
	const char *address; /* -s ADDRESS, or NULL for the default */
	unsigned server_uid; /* --server-user: also trusted to run the server, 0: none */
	const char *authkey_file; /* --authkey-file, or NULL: $OBJMGR_AUTHKEY_FILE, if set */
	om_client *client;   /* NULL until a command first needs the server */
	out_mode mode;
	bool color;          /* colour what goes to stdout */
	bool color_err;      /* colour what goes to stderr */
	bool last_false;     /* the last command's result was false or nil (for -e) */
	om_value *last_arg;  /* -x, --value-file: the one-shot method's last param (owned), or NULL */
} cli;

/* session.c */

/* Connects (first use) or reconnects (after a lost connection); CLI_UNREACHABLE, printed, on failure. */
int cli_connect(cli *c);
/*
 * om_call() through the session: connects first if needed. On failure
 * prints the error and returns CLI_FAILED, CLI_TIMEOUT for the server's
 * timeout, empty or full error (a wait ran out), or CLI_UNREACHABLE when
 * the connection failed or was lost. result (may be NULL) is owned by the caller.
 */
int cli_call(cli *c, const char *method, const om_value *params, size_t n, om_value *result);
/*
 * The status of a library call on c->client that returned code: CLI_OK,
 * or the error printed after about ("") and CLI_FAILED, CLI_TIMEOUT for
 * OM_TIMEOUT, OM_EMPTY and OM_FULL, CLI_UNREACHABLE for OM_IO.
 */
int cli_status(cli *c, int code, const char *about);
/*
 * Pipelining through the session (objmgr.h): cli_send() is om_send(),
 * connecting first if needed; cli_recv() is om_recv_id() of a request it
 * sent, the error printed after about ("object \"jobs\": ", or "") when
 * it failed. Both return statuses as cli_call() does. cli_forget() takes
 * and drops the replies of msgids[0..n), printing nothing: after a
 * failure, the requests still in flight.
 */
int cli_send(cli *c, const char *method, const om_value *params, size_t n, uint32_t *msgid);
int cli_recv(cli *c, uint32_t msgid, om_value *result, const char *about);
void cli_forget(cli *c, const uint32_t *msgids, size_t n);
/* Prints "error: <code>: <message>" to stderr and returns CLI_FAILED. */
int cli_fail(cli *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* cli_fail() for a wrong command line: the same message, CLI_USAGE. */
int cli_usage(cli *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Closes the connection, if any. */
void cli_close(cli *c);

/* words.c */

typedef struct words {
	char **v; /* owned, NUL-terminated */
	size_t n, cap;
} words;

enum words_result {
	WORDS_OK,
	WORDS_INCOMPLETE, /* a [ or { is still open: the statement goes on on the next line */
	WORDS_BAD,        /* an unterminated quote; err says so */
};

/*
 * Splits a typed line into words. Whitespace separates words except inside
 * single quotes (removed, as in the shell), double quotes and brackets
 * (kept, so the word reads as JSON). A line starting with # is a comment.
 * w is reset first; free it with words_free() whatever the result.
 */
int words_split(const char *line, words *w, char *err, size_t errsize);
void words_free(words *w);

/* args.c */

/* Writes a bad-argument message into err and returns OM_BAD_PARAMS. */
int args_bad(char *err, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Reads one argument word: a JSON literal (with the "$" forms of
 * jsonform.c) when it parses as one, @name for a reference, else the word
 * itself as a string. A word starting with [, { or " must be valid JSON.
 * On success *out is owned; on failure returns OM_BAD_PARAMS with err set.
 */
int args_parse(const char *word, om_value *out, char *err, size_t errsize);

/*
 * The params of method "<t>.<op>" from argv: argv[0] is the method, then
 * its argument words (the object's name first, for a data type), checked
 * against op's spec with op_check_args().
 * t and op may be NULL for a method the tables lack: then every word is
 * read as a value and the server judges. On success *params holds *n owned
 * values: free them with args_free(). On failure prints nothing, returns
 * OM_BAD_PARAMS and fills err. last (may be NULL) is one more param after
 * the words, copied as it is (-x, --value-file).
 */
int args_params(const type_def *t, const op_def *op, char *const *argv, size_t argc,
		const om_value *last, om_value **params, size_t *n, char *err, size_t errsize);
void args_free(om_value *params, size_t n);

/* lastarg.c */

/*
 * Reads the file at path (NULL: stdin) whole into c->last_arg: a bin for a
 * file, a str for stdin when it is valid UTF-8, else a bin. CLI_OK, or
 * CLI_FAILED, printed: unreadable, or over 64 MiB.
 */
int lastarg_read(cli *c, const char *path);
/*
 * The options -x (from_stdin) and --value-file (path, or NULL) checked
 * against the command line's command (NULL: none), then lastarg_read():
 * CLI_USAGE, printed, when they do not go together.
 */
int lastarg_start(cli *c, bool from_stdin, const char *path, const char *command);
/* Frees c->last_arg, if any. */
void lastarg_free(cli *c);

/* jsonform.c — declared in jsonform.h, used by args.c and render.c only. */

/* render.c */

/*
 * Whether arg is --json, --raw, --csv or --no-raw, setting the output mode
 * if so: for the commands that also take those after their name (objmgr
 * watch --json).
 */
bool render_option(cli *c, const char *arg);
/*
 * Writes v to stdout in the session's output mode, ending with a newline,
 * and notes whether it is false or nil (c->last_false, for -e).
 */
void render_result(cli *c, const om_value *v);
/* v as one line of JSON-like text (malloc'd), coloured by kind when color. */
char *render_human(const om_value *v, bool color);
/* Writes v to f as in --raw mode: a string bare, an array one element per line. */
void render_raw(FILE *f, const om_value *v);
/* Writes v to f as one line of JSON. */
void render_json(FILE *f, const om_value *v);
/* v as --json writes it, without the newline; malloc'd. */
char *render_json_text(const om_value *v);
/*
 * Writes a table of rows x cols cells (row by row) in aligned columns two
 * spaces apart; column k is right-aligned when bit k of right is set.
 * Cells may hold colour escapes.
 */
void render_table(FILE *f, char *const *cells, size_t rows, size_t cols, unsigned right);
/* s wrapped in the SGR colour code sgr ("1;31") when color, else a copy; malloc'd. */
char *render_paint(const char *s, const char *sgr, bool color);

/* csvform.c */

/*
 * Writes v to f as --csv rows (RFC 4180, CRLF after each): a scalar is
 * one field; an array one row per item, an item that is an array giving
 * the row's fields; an array of maps only, a header row of the first
 * map's keys and then each map's values under them; a map one row per
 * key,value pair. nil is an empty field, "" a quoted empty one, a
 * container inside a field its JSON text.
 */
void render_csv(FILE *f, const om_value *v);
/* Writes the n values of fields to f as one CSV row. */
void render_csv_row(FILE *f, const om_value *fields, size_t n);

/* commands.c */

typedef struct cli_command {
	const char *name;  /* "ls" */
	const char *usage; /* "[GLOB]" */
	const char *help;  /* one line */
	uint8_t min_args, max_args;
	bool takes_names;  /* its arguments are object names (completion) */
	int (*run)(cli *c, char *const *argv, size_t argc);
	/* man-page text for `COMMAND --help` and `help COMMAND`, or NULL: the line above */
	const char *manual;
} cli_command;

extern const cli_command cli_commands[];
extern const size_t cli_ncommands;

/* The friendly command called name, or NULL. */
const cli_command *commands_find(const char *name);
/* Runs one command (argv[0] is its name): a friendly command or a "<type>.<op>" method. */
int commands_run(cli *c, char *const *argv, size_t argc);
/*
 * The type and op of method ("<type>.<op>"): both NULL for a type this
 * program does not know (the server judges), else both set. CLI_OK, or
 * CLI_USAGE with the error printed after about ("line 3: ", or "") when
 * it is no method or its type has no such op.
 */
int commands_method(cli *c, const char *method, const char *about, const type_def **t,
		    const op_def **op);
/*
 * args_params() of argv (argv[0] the method) and c->last_arg for t and op as
 * commands_method() gave them: CLI_OK with *params owned (args_free()),
 * or CLI_USAGE with the error printed after about and the method's usage.
 */
int commands_params(cli *c, const type_def *t, const op_def *op, char *const *argv, size_t argc,
		    const char *about, om_value **params, size_t *n);

/* inspect.c */

/* objects.list's map from name to type, sorted by name (owned); fails, printed, as cli_call(). */
int inspect_objects(cli *c, om_value *out);
int inspect_ls(cli *c, char *const *argv, size_t argc);
int inspect_show(cli *c, char *const *argv, size_t argc);

/* export.c, import.c: the document between them is statefile.h's */
int export_run(cli *c, char *const *argv, size_t argc);
int import_run(cli *c, char *const *argv, size_t argc);

/* watch.c: watch and monitor, which print notifications until stopped */
extern const char watch_manual[], monitor_manual[];
int watch_run(cli *c, char *const *argv, size_t argc);
int monitor_run(cli *c, char *const *argv, size_t argc);

/* batchcmd.c: batch, the calls of a file as one server.batch */
extern const char batch_manual[];
int batchcmd_run(cli *c, char *const *argv, size_t argc);

/* withlock.c: with-lock and with-semaphore, a command run holding one */
extern const char with_lock_manual[];
int with_lock_run(cli *c, char *const *argv, size_t argc);
int with_semaphore_run(cli *c, char *const *argv, size_t argc);

/* help.c */
int help_run(cli *c, char *const *argv, size_t argc);
/* Calls add with each group help @GROUP knows, "@" included: "@dict", ..., "@admin". */
void help_group_names(void (*add)(const char *name));
/* "dict.set NAME key value [default]"-style usage of a method, into buf. */
void help_usage(const type_def *t, const op_def *op, char *buf, size_t size);

/* complete.c */

/* Installs the libedit completion hooks, completing against c's server. */
void complete_install(cli *c);
/* Removes them and frees what they hold. */
void complete_remove(void);

/* repl.c */

/* The interactive REPL on a terminal; returns the exit status. */
int repl_run(cli *c);

/* statements.c */

/* Reads statements from f; zero-initialise it with .f set, free with stmt_reader_free(). */
typedef struct stmt_reader {
	FILE *f;
	char *line;           /* getline's buffer */
	size_t cap;
	unsigned long lineno; /* lines read so far: the last statement's last line */
} stmt_reader;

enum stmt_result {
	STMT_OK,  /* w holds a statement's words, at least one */
	STMT_END, /* the end of input, or a quit or exit line */
	STMT_BAD, /* an unterminated quote, an empty line inside an open [ or {, or the
		   * input ending inside one; err says which, reading may go on */
};

/*
 * The next statement in r, split by words_split() into w (reset first;
 * free it with words_free()): a line, or lines joined while a [ or { is
 * open. Empty lines and # comments are skipped.
 */
int stmt_next(stmt_reader *r, words *w, char *err, size_t errsize);
void stmt_reader_free(stmt_reader *r);

/* operators.c, stat.c, pings.c: the operators' options of main.c */

typedef struct cli_ops {
	enum { OPS_COMMAND, OPS_STAT, OPS_LATENCY, OPS_LATENCY_HISTORY } mode;
	long repeat;     /* -r: runs of the command, or lines of a mode; -1 for ever; 0: not given */
	double interval; /* -i: seconds between runs or lines; < 0: not given */
} cli_ops;

/*
 * Reads the value of -r (a count, 1 or more, or -1) or -i (seconds, 0 or
 * more) into ops; false, printed, when it does not parse.
 */
bool ops_option(cli_ops *ops, int opt, const char *arg);
/* Runs the command in argv (-r times, -i apart) or ops's mode; the exit status. */
int ops_run(cli *c, const cli_ops *ops, char *const *argv, size_t argc);
/* Seconds on the monotonic clock. */
double ops_now(void);
/* Sleeps for seconds (none when 0 or less), resuming after signals. */
void ops_sleep(double seconds);
int stat_run(cli *c, long lines, double interval);
int pings_run(cli *c, bool history, long lines, double interval);

/* hints.c */

/* Whether hints are shown: stdout is a terminal and TERM is not dumb. */
bool hints_wanted(void);
/* A new line is read after prompt: empty, the cursor at its end; NULL: no hints on it. */
void hints_reset(const char *prompt);
/* Before waiting for a key: draws the hint after the cursor when it is at the line's end. */
void hints_draw(void);
/* A key arrived (as read_key() returns it, EOF too): erases the hint, follows the line. */
void hints_key(int key);

/* batch.c */

/* Runs the commands read from f, one request each; returns the exit status. */
int batch_run(cli *c, FILE *f);

#endif
