/*
 * main.c — objmgr's options and modes: a command on the command line runs
 * once (one-shot), no command on a terminal opens the REPL, no command with
 * piped stdin runs the lines it reads. The exit status is the contract
 * scripts rely on: enum cli_status, listed in --help's EXIT STATUS.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void print_help(void)
{
	printf("NAME\n"
	       "    objmgr - inspect and change the live state of an objmgrd server\n"
	       "\n"
	       "SYNOPSIS\n"
	       "    objmgr [OPTIONS] COMMAND [ARGS...]\n"
	       "    objmgr [OPTIONS]                    (REPL on a terminal)\n"
	       "    objmgr [OPTIONS] < commands.txt     (one command per line)\n"
	       "\n"
	       "DESCRIPTION\n"
	       "    objmgr talks to objmgrd, the shared-object manager, over its Unix socket.\n"
	       "    With a COMMAND it runs it once and prints the result. Without one it opens\n"
	       "    an interactive REPL (line editing, history in ~/.objmgr_history, Tab\n"
	       "    completion of commands and object names, the parameters still to type\n"
	       "    shown in grey after the cursor), or, when standard input is not a\n"
	       "    terminal, runs the commands it reads, one per line, without prompts.\n"
	       "\n"
	       "    While a [ or { is open at the end of a line, the statement goes on on\n"
	       "    the next one (the REPL prompts with \"...> \"); an empty line ends it\n"
	       "    with an error instead, so a missing ] or } swallows nothing after it.\n"
	       "    In the REPL, Ctrl-C drops the line being typed (a continuation too) and\n"
	       "    shows a fresh prompt; Ctrl-D on an empty line, quit or exit leaves.\n"
	       "    Ctrl-C while a command runs ends objmgr, never the server.\n"
	       "\n"
	       "    Each argument is read as a JSON literal when it parses as one (3, 2.5,\n"
	       "    true, null, \"text\", [1,2], {\"a\":1}); @name is a reference to the shared\n"
	       "    object called name; anything else is a bare string (alice). Where a\n"
	       "    string is expected (an object's name), 2024 is the string \"2024\". An\n"
	       "    argument starting with [, { or \" must be valid JSON. Values JSON lacks\n"
	       "    are written as one-key objects: {\"$bin\": \"<base64>\"}, {\"$ref\": \"name\"},\n"
	       "    {\"$ext\": [type, \"<base64>\"]}, {\"$uint\": \"<digits>\"}, {\"$float\": \"NaN\"},\n"
	       "    {\"$str\": \"<base64>\"} (not UTF-8), {\"$map\": [[key, value], ...]}.\n"
	       "\n"
	       "    export writes the objects (all, or those whose names match a PATTERN)\n"
	       "    as one JSON document, one object a line, sorted by name:\n"
	       "    {\"objmgr_export\": 1, \"objects\": [{\"name\": ..., \"type\": ..., \"options\":\n"
	       "    {...}, \"value\": ...}, ...]}, values in the forms above. import reads\n"
	       "    such a document and makes each object again with its options and\n"
	       "    contents; it checks the whole file first, and refuses names that exist\n"
	       "    unless --replace. Locks, semaphores, conditions and barriers come back\n"
	       "    free: who held or waited on them is not state.\n"
	       "\n"
	       "    Results print in the human form on a terminal, and raw when stdout is\n"
	       "    a pipe or a file (strings bare, one item per line: --raw below), as\n"
	       "    redis-cli does; --no-raw, --json and --csv choose a form. ls prints\n"
	       "    only names raw, a header and a row per object as CSV; export prints\n"
	       "    its JSON document in every form.\n"
	       "\n"
	       "    with-lock and with-semaphore run a command holding a lock or a\n"
	       "    semaphore's permit on objmgr's connection, and release it when the\n"
	       "    command ends or objmgr dies (objmgr with-lock --help).\n"
	       "\n"
	       "    watch and monitor print what happens on the server, a line per change\n"
	       "    or per call, until stopped; batch sends the calls of a file as one\n"
	       "    request, all or nothing with --atomic. COMMAND --help tells more.\n"
	       "\n"
	       "COMMANDS\n");
	for (size_t i = 0; i < cli_ncommands; i++) {
		const cli_command *cmd = &cli_commands[i];
		char usage[64];
		snprintf(usage, sizeof usage, "%s %s", cmd->name, cmd->usage);
		/* A usage too long for the column gets a line of its own. */
		if (strlen(usage) > 24)
			printf("    %s\n    %-24s %s\n", usage, "", cmd->help);
		else
			printf("    %-24s %s\n", usage, cmd->help);
	}
	printf("\n"
	       "    Every server method is a command too, TYPE.OP [NAME] ARGS..., mirroring\n"
	       "    the wire 1:1 (objmgr help lists them all with their parameters):\n");
	for (const type_def *const *t = type_table; *t; t++)
		printf("    %-24s %s\n", (*t)->name, (*t)->help);
	printf("\n"
	       "OPTIONS\n"
	       "    -s, --socket ADDRESS   the server's socket: a path, unix:PATH, or\n"
	       "                           tcp:HOST:PORT (with --authkey-file)\n"
	       "                           (default: see ENVIRONMENT)\n"
	       "    --authkey-file FILE    prove to the server that we know the key in FILE,\n"
	       "                           and check that it does (objmgrd --authkey-file)\n"
	       "    --server-user USER     trust a server run by USER (a name or uid): by\n"
	       "                           default objmgr talks only to a server run by you\n"
	       "                           or root, and fails with auth_failed otherwise\n"
	       "    --raw                  the default when stdout is not a terminal: strings\n"
	       "                           bare, an array one item per line, a map one\n"
	       "                           key<TAB>value per line, nil an empty line; other\n"
	       "                           values (and containers inside) as in the human form\n"
	       "    --no-raw               the human form (the default on a terminal), in a\n"
	       "                           pipe too: JSON-like text, tables for ls, show,\n"
	       "                           info and clients; colours on a terminal only\n"
	       "    --json                 print each result as one line of JSON\n"
	       "    --csv                  print results as CSV (RFC 4180, CRLF after each\n"
	       "                           row): a scalar one field; an array a row per\n"
	       "                           item (an array item: its items are the fields;\n"
	       "                           maps only: a header of the first's keys, then\n"
	       "                           their values); a map a key,value row per pair;\n"
	       "                           nil an empty field, a container in a field its\n"
	       "                           JSON. --raw, --no-raw, --json and --csv exclude\n"
	       "                           each other\n"
	       "    --no-color             no colours (nor REPL hints), even on a terminal\n"
	       "    -e, --exit-status      exit with 1 when the result is false or nil, as\n"
	       "                           jq -e (piped commands: the last line's; not in\n"
	       "                           the REPL); errors keep their own statuses\n"
	       "    -x                     the TYPE.OP command's last argument is stdin, byte\n"
	       "                           for byte (a trailing newline too): a string when\n"
	       "                           it is valid UTF-8, else bin; also as the command\n"
	       "                           line's last word (dict.set cfg blob -x < a.png)\n"
	       "    --value-file FILE      the TYPE.OP command's last argument is FILE's\n"
	       "                           bytes, always a bin. -x and --value-file read at\n"
	       "                           most 64 MiB (the server's default max message)\n"
	       "    -r N                   run the command N times (-1: for ever); the first\n"
	       "                           run that fails ends it, with that run's status\n"
	       "    -i SEC                 seconds between runs (fractions allowed; default 0),\n"
	       "                           and between the lines of the modes below\n"
	       "    --stat                 a line of server figures per interval (-i, default 1):\n"
	       "                           objects, clients, waiting calls, ops, ops/s, memory,\n"
	       "                           revision; the header every 20 lines; -r N: N lines\n"
	       "    --latency              server.ping round trips, 10 ms apart: min, avg, max\n"
	       "                           and p99 in ms of every sample so far; on a terminal\n"
	       "                           one line redrawn, else a line per interval (-i,\n"
	       "                           default 1); -r N: N lines\n"
	       "    --latency-history      the same, the figures starting again every interval\n"
	       "                           (-i, default 15), a line each\n"
	       "    -h, --help             print this help\n"
	       "    -V, --version          print the version\n"
	       "\n"
	       "ENVIRONMENT\n"
	       "    OBJMGR_SOCKET          the default socket\n"
	       "    OBJMGR_AUTHKEY_FILE    the authkey file when --authkey-file is not given\n"
	       "    OBJMGR_POLL            0: wait for each reply asleep, never polling for it\n"
	       "                           first (docs/guide.md)\n"
	       "    XDG_RUNTIME_DIR        without OBJMGR_SOCKET: $XDG_RUNTIME_DIR/objmgr.sock,\n"
	       "                           else /tmp/objmgr-$UID/objmgr.sock\n"
	       "    OBJMGR_HISTFILE        the REPL's history file (default ~/.objmgr_history;\n"
	       "                           empty: keep no history)\n"
	       "    NO_COLOR               when set and not empty, no colours\n"
	       "\n"
	       "EXIT STATUS\n"
	       "    0   success\n"
	       "    1   -e only: the result was false or nil (that of the last line, piped)\n"
	       "    2   the server could not be reached, or the connection was lost; the\n"
	       "        message says where objmgr looked\n"
	       "    3   watch, monitor: the server stopped the stream because objmgr read\n"
	       "        too slowly (objmgr watch --help)\n"
	       "    4   the server answered an error, or a local failure (a file that cannot\n"
	       "        be read); \"error: <code>: <message>\" went to stderr\n"
	       "    5   a wait timed out: the server's timeout error, or empty or full,\n"
	       "        which queue.get q 1 on an empty queue and queue.put on a full one\n"
	       "        answer; with-lock/with-semaphore did not get it within -w\n"
	       "    64  a wrong command line: an unknown option or command, a wrong number\n"
	       "        of arguments, an argument that does not parse\n"
	       "    with-lock, with-semaphore: otherwise the command's own status (128+N\n"
	       "    when signal N ended it, 126 when it cannot be run, 127 not found).\n"
	       "    Waits that answer a value do not fail when they time out: event.wait,\n"
	       "    lock.acquire, semaphore.acquire, condition.wait answer false (status 0,\n"
	       "    or 1 with -e); barrier.wait's breaks the barrier: broken, 4. Piped\n"
	       "    commands all run; the status is the last failing one's (2 stops at\n"
	       "    once). The REPL ends with 0.\n"
	       "\n"
	       "EXAMPLES\n"
	       "    objmgr dict.set users alice '{\"age\": 3}'\n"
	       "    objmgr dict.get users alice\n"
	       "    objmgr list.append jobs '{\"id\": 7}'\n"
	       "    objmgr counter.add hits 1\n"
	       "    objmgr ls 'user*'\n"
	       "    objmgr show users\n"
	       "    objmgr --json dict.items users | jq .alice\n"
	       "    objmgr dict.keys users | while read -r name; do echo \"$name\"; done\n"
	       "    objmgr --csv ls > objects.csv\n"
	       "    if objmgr -e dict.has cfg debug; then echo debugging; fi\n"
	       "    objmgr dict.set cfg logo -x < logo.png\n"
	       "    objmgr --value-file key.der dict.set cfg key\n"
	       "    objmgr export > state.json\n"
	       "    objmgr export 'jobs*' 'users' > some.json\n"
	       "    objmgr import state.json\n"
	       "    objmgr -s /run/other.sock import --replace - < state.json\n"
	       "    objmgr help dict.set\n"
	       "    objmgr help @blocking\n"
	       "    objmgr info memory\n"
	       "    objmgr -r 5 -i 1 counter.add hits 1\n"
	       "    objmgr --stat -i 2\n"
	       "    objmgr --latency-history -i 60\n"
	       "    objmgr watch --json 'cfg*'\n"
	       "    objmgr batch --atomic < calls.txt\n"
	       "    objmgr with-lock deploy -w 10 -- ./deploy.sh\n"
	       "    objmgr watch --help\n");
}

/* A user by name, or by number. */
static bool parse_user(const char *arg, unsigned *uid)
{
	struct passwd *pw = getpwnam(arg);
	if (pw) {
		*uid = pw->pw_uid;
		return true;
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || *end || errno || v >= UINT32_MAX)
		return false;
	*uid = (unsigned)v;
	return true;
}

/* Colours when the stream is a terminal that can show them and nobody said no. */
static bool want_color(int fd, bool no_color)
{
	const char *env = getenv("NO_COLOR"), *term = getenv("TERM");
	return !no_color && isatty(fd) && !(env && *env) && !(term && strcmp(term, "dumb") == 0);
}

int main(int argc, char **argv)
{
	/* The four output forms first, in the order of names[] and modes[] below. */
	enum { OPT_JSON = 256, OPT_RAW, OPT_NO_RAW, OPT_CSV, OPT_NO_COLOR, OPT_SERVER_USER,
	       OPT_AUTHKEY_FILE, OPT_VALUE_FILE, OPT_STAT, OPT_LATENCY, OPT_LATENCY_HISTORY };
	bool exit_status = false, from_stdin = false;
	const char *value_file = NULL;
	const char *form = NULL; /* the output form's option, when one was given */
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"server-user", required_argument, NULL, OPT_SERVER_USER},
		{"authkey-file", required_argument, NULL, OPT_AUTHKEY_FILE},
		{"json", no_argument, NULL, OPT_JSON},
		{"raw", no_argument, NULL, OPT_RAW},
		{"no-raw", no_argument, NULL, OPT_NO_RAW},
		{"csv", no_argument, NULL, OPT_CSV},
		{"no-color", no_argument, NULL, OPT_NO_COLOR},
		{"exit-status", no_argument, NULL, 'e'},
		{"value-file", required_argument, NULL, OPT_VALUE_FILE},
		{"stat", no_argument, NULL, OPT_STAT},
		{"latency", no_argument, NULL, OPT_LATENCY},
		{"latency-history", no_argument, NULL, OPT_LATENCY_HISTORY},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	cli c = {.mode = OUT_HUMAN};
	cli_ops ops = {.mode = OPS_COMMAND, .interval = -1};
	bool no_color = false;
	int opt;

	/* "+": options end at the command, so `counter.add hits -1` keeps its -1. */
	while ((opt = getopt_long(argc, argv, "+s:exr:i:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			c.address = optarg;
			break;
		case OPT_SERVER_USER:
			if (!parse_user(optarg, &c.server_uid)) {
				fprintf(stderr, "objmgr: --server-user: no such user: '%s'\n", optarg);
				return CLI_USAGE;
			}
			break;
		case OPT_AUTHKEY_FILE:
			c.authkey_file = optarg;
			break;
		case OPT_JSON:
		case OPT_RAW:
		case OPT_NO_RAW:
		case OPT_CSV: {
			static const char *const names[] = {"--json", "--raw", "--no-raw", "--csv"};
			static const out_mode modes[] = {OUT_JSON, OUT_RAW, OUT_HUMAN, OUT_CSV};
			int k = opt - OPT_JSON;
			if (form && form != names[k]) {
				fprintf(stderr, "objmgr: %s and %s exclude each other\n", form, names[k]);
				return CLI_USAGE;
			}
			form = names[k];
			c.mode = modes[k];
			break;
		}
		case OPT_NO_COLOR:
			no_color = true;
			break;
		case 'e':
			exit_status = true;
			break;
		case 'x':
			from_stdin = true;
			break;
		case OPT_VALUE_FILE:
			value_file = optarg;
			break;
		case 'r':
		case 'i':
			if (!ops_option(&ops, opt, optarg))
				return CLI_USAGE;
			break;
		case OPT_STAT:
		case OPT_LATENCY:
		case OPT_LATENCY_HISTORY:
			ops.mode = opt == OPT_STAT ? OPS_STAT
				 : opt == OPT_LATENCY ? OPS_LATENCY : OPS_LATENCY_HISTORY;
			break;
		case 'h':
			print_help();
			return CLI_OK;
		case 'V':
			printf("objmgr %s\n", OM_VERSION);
			return CLI_OK;
		default:
			fprintf(stderr, "objmgr: see objmgr --help\n");
			return CLI_USAGE;
		}
	}
	/* As redis-cli: the human form for a person at a terminal, raw for a pipe or a file. */
	if (!form)
		c.mode = isatty(STDOUT_FILENO) ? OUT_HUMAN : OUT_RAW;
	c.color = c.mode == OUT_HUMAN && want_color(STDOUT_FILENO, no_color);
	c.color_err = want_color(STDERR_FILENO, no_color);
	/* As the issue prints it, `objmgr dict.set cfg blob -x < image.png`: a last word -x is -x. */
	if (argc - optind > 1 && !commands_find(argv[optind]) && strcmp(argv[argc - 1], "-x") == 0) {
		from_stdin = true;
		argv[--argc] = NULL;
	}
	if (from_stdin || value_file) {
		int rc = lastarg_start(&c, from_stdin, value_file, optind < argc ? argv[optind] : NULL);
		if (rc != CLI_OK)
			return rc;
	}

	int status;
	if (ops.mode != OPS_COMMAND || ops.repeat != 0) {
		status = ops_run(&c, &ops, argv + optind, (size_t)(argc - optind));
	} else if (optind < argc) {
		status = commands_run(&c, argv + optind, (size_t)(argc - optind));
	}
	else if (isatty(STDIN_FILENO)) {
		status = repl_run(&c);
		exit_status = false; /* -e is for scripts: the REPL ends with 0 */
	} else {
		status = batch_run(&c, stdin);
	}
	cli_close(&c);
	lastarg_free(&c);
	/* -e: the last command's result (the last line's, piped), unless something failed. */
	if (exit_status && status == CLI_OK && c.last_false)
		status = CLI_FALSE;

	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("objmgr: writing the output");
		return status == CLI_OK ? CLI_FAILED : status;
	}
	return status;
}
