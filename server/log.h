/*
 * log.h — objmgrd's log: one line per event on stderr, filtered by level.
 * The macros skip formatting entirely for levels that are filtered out, so
 * debug lines on hot paths cost a comparison when debugging is off.
 */
#ifndef OBJMGRD_LOG_H
#define OBJMGRD_LOG_H

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

extern int log_level;

/* Sets *level from "error", "warn", "info" or "debug"; -1 for anything else. */
int log_parse_level(const char *name, int *level);

void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_AT(level, ...) \
	do { \
		if (log_level >= (level)) \
			log_write((level), __VA_ARGS__); \
	} while (0)
#define log_error(...) LOG_AT(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
