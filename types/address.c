/* address.c — the default socket path shared by objmgrd and libobjmgr. */
#include "address.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "om_value.h"

static int fits(int n, size_t size)
{
	return n >= 0 && (size_t)n < size ? OM_OK : OM_LIMIT;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int address_private_dir(char *buf, size_t size)
{
	return fits(snprintf(buf, size, "/tmp/objmgr-%u", (unsigned)getuid()), size);
}

int address_default(char *buf, size_t size)
{
	const char *v = env("OBJMGR_SOCKET");
	if (v)
		return fits(snprintf(buf, size, "%s", v), size);
	v = env("XDG_RUNTIME_DIR");
	if (v)
		return fits(snprintf(buf, size, "%s/objmgr.sock", v), size);
	char dir[64];
	address_private_dir(dir, sizeof dir);
	return fits(snprintf(buf, size, "%s/objmgr.sock", dir), size);
}

bool address_default_is_chosen(void)
{
	return env("OBJMGR_SOCKET") != NULL;
}

const char *address_path(const char *address)
{
	return strncmp(address, "unix:", 5) == 0 ? address + 5 : address;
}
