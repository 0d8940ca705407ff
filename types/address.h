/*
 * address.h — where objmgrd listens and libobjmgr connects when given no
 * address. Both sides call the same code, so they always agree. Reads the
 * environment only: nothing here touches the file system.
 */
#ifndef OBJMGR_ADDRESS_H
#define OBJMGR_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* The fallback directory private to this user: /tmp/objmgr-$UID. OM_LIMIT if it does not fit. */
int address_private_dir(char *buf, size_t size);

/*
 * The default address: $OBJMGR_SOCKET, else $XDG_RUNTIME_DIR/objmgr.sock,
 * else /tmp/objmgr-$UID/objmgr.sock (empty variables count as unset).
 * Returns OM_OK, or OM_LIMIT when it does not fit in size bytes.
 */
int address_default(char *buf, size_t size);

/* True when $OBJMGR_SOCKET names the default address: the user chose it. */
bool address_default_is_chosen(void);

/* The socket path of an address: "unix:/p" and "/p" both give "/p". Points into address. */
const char *address_path(const char *address);

#endif
