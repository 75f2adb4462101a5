#ifndef GATEWAY_CHIREDIS_SHIM_H
#define GATEWAY_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>

/* GatewayRedis uses hiredis's binary-safe argv formatter
   (redisFormatSdsCommandArgv, what redisCommandArgv sends) and its reply
   parser (redisReader); the socket is the event loop's. */

/* The reader's error text, or NULL when it has none: `errstr` is a
   fixed-size array Swift would import as a tuple. */
static inline const char *gateway_redis_reader_error(const redisReader *r) {
    return r->err ? r->errstr : NULL;
}

#endif
