#ifndef GATEWAY_CHIREDIS_SHIM_H
#define GATEWAY_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

/* Helpers that keep struct timeval, the fixed-size errstr array and socket
   calls out of Swift, so GatewayRedis needs no Glibc import. */

static inline struct timeval gateway_redis_timeval(long long milliseconds) {
    struct timeval tv;
    tv.tv_sec = (time_t)(milliseconds / 1000);
    tv.tv_usec = (suseconds_t)((milliseconds % 1000) * 1000);
    return tv;
}

/* Blocking connect bounded by `milliseconds`. Never returns NULL unless out
   of memory; check `c->err` afterwards. */
static inline redisContext *gateway_redis_connect(const char *host, int port, long long milliseconds) {
    return redisConnectWithTimeout(host, port, gateway_redis_timeval(milliseconds));
}

/* Bounds every later blocking read and write (SO_RCVTIMEO / SO_SNDTIMEO). */
static inline int gateway_redis_set_timeout(redisContext *c, long long milliseconds) {
    return redisSetTimeout(c, gateway_redis_timeval(milliseconds));
}

static inline int gateway_redis_error_code(const redisContext *c) {
    return c->err;
}

static inline const char *gateway_redis_error_text(const redisContext *c) {
    return c->errstr;
}

/* 1 when an idle connection is no longer usable: the peer closed it (a Redis
   restart), reset it, or sent bytes nobody asked for. Never blocks. Checking
   this before sending is the only safe moment to reconnect transparently,
   since nothing has been sent yet. */
static inline int gateway_redis_is_stale(const redisContext *c) {
    struct pollfd descriptor;
    descriptor.fd = c->fd;
    descriptor.events = POLLIN;
    descriptor.revents = 0;
    int ready = poll(&descriptor, 1, 0);
    if (ready == 0) return 0;
    if (ready < 0) return errno == EINTR ? 0 : 1;
    if (descriptor.revents & (POLLERR | POLLHUP | POLLNVAL)) return 1;
    char byte;
    ssize_t peeked = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : 1;
    return 1; /* EOF (0) or unsolicited data (> 0) */
}

/* hiredis writes with write(2), so a connection the server closed raises
   SIGPIPE, whose default action ends the process. Blocking it on the calling
   (worker) thread only turns that into an EPIPE error there, without
   changing the process-wide disposition other code may rely on. A blocked
   SIGPIPE stays pending on this thread, coalesced, and is never delivered. */
static inline void gateway_redis_block_sigpipe_on_this_thread(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

#endif
