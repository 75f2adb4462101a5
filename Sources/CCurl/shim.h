#ifndef GATEWAY_CCURL_SHIM_H
#define GATEWAY_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and friends are variadic, which Swift cannot call. These
   typed wrappers are the only way the Swift side reaches them. */
static inline CURLcode gw_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gw_easy_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gw_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gw_easy_setopt_write(CURL *h, CURLoption o, size_t (*f)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, o, f); }
static inline CURLcode gw_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode gw_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode gw_easy_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode gw_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLcode gw_easy_setopt_prereq(CURL *h, curl_prereq_callback f) { return curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, f); }
/* CURLPAUSE_CONT is a macro expression Swift does not import. Called on the
   curl thread only: libcurl may run the write callback from inside it. */
static inline CURLcode gw_easy_unpause(CURL *h) { return curl_easy_pause(h, CURLPAUSE_CONT); }
/* CURL_WRITEFUNC_PAUSE, typed as the write callback's return value. */
static inline size_t gw_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
/* CURL_GLOBAL_DEFAULT is a macro expression Swift does not import. */
static inline CURLcode gw_global_init_default(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
/* CURLMsg keeps the result in an anonymous union; read it here rather than
   rely on how Swift imports the union. */
static inline CURLcode gw_msg_result(const CURLMsg *m) { return m->data.result; }

/* The curl thread's event source for curl_multi_socket_action: an epoll set
   holding the sockets libcurl asks to watch (socket callback) and an eventfd
   that other threads write to wake the thread. Plain C so the callbacks need
   no Swift closure and epoll_event's packed layout never crosses into Swift. */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* libcurl's timer: the last timeout it asked for (-1: none) and whether it
   changed since the curl thread last looked. */
typedef struct { long timeout_ms; int changed; } gw_curl_timer;

static inline int gw_socket_callback(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
    (void)easy; (void)socketp;
    int ep = (int)(intptr_t)userp;
    if (what == CURL_POLL_REMOVE) { (void)epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL); return 0; }
    struct epoll_event ev = {0};
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    ev.data.fd = s;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) == 0) return 0;
    if (errno == ENOENT && epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0) return 0;
    return -1;
}

static inline int gw_timer_callback(CURLM *multi, long timeout_ms, void *userp) {
    (void)multi;
    gw_curl_timer *timer = (gw_curl_timer *)userp;
    timer->timeout_ms = timeout_ms;
    timer->changed = 1;
    return 0;
}

/* Points the multi handle's socket and timer callbacks at `ep` and `timer`. */
static inline CURLMcode gw_multi_use_epoll(CURLM *m, int ep, gw_curl_timer *timer) {
    CURLMcode code = curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, gw_socket_callback);
    if (code == CURLM_OK) code = curl_multi_setopt(m, CURLMOPT_SOCKETDATA, (void *)(intptr_t)ep);
    if (code == CURLM_OK) code = curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, gw_timer_callback);
    if (code == CURLM_OK) code = curl_multi_setopt(m, CURLMOPT_TIMERDATA, (void *)timer);
    return code;
}

/* Waits up to timeout_ms (-1: forever) and writes each ready socket with its
   CURL_CSELECT_* mask; the eventfd `wake` is drained, not reported. Returns
   how many were written, or -1 (errno) when epoll_wait failed. */
static inline int gw_epoll_wait(int ep, int wake, int timeout_ms, int *fds, int *masks, int capacity) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int n = epoll_wait(ep, events, capacity, timeout_ms);
    if (n < 0) return -1;
    int count = 0;
    for (int i = 0; i < n; i++) {
        int fd = events[i].data.fd;
        if (fd == wake) {
            uint64_t value;
            (void)!read(wake, &value, sizeof value);
            continue;
        }
        int mask = 0;
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) mask |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
        if (events[i].events & EPOLLERR) mask |= CURL_CSELECT_ERR;
        fds[count] = fd;
        masks[count] = mask;
        count++;
    }
    return count;
}

/* A new epoll set watching the eventfd `wake` for input; -1 on failure. */
static inline int gw_epoll_create(int wake) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return -1;
    struct epoll_event ev = {0};
    ev.events = EPOLLIN;
    ev.data.fd = wake;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev) != 0) { close(ep); return -1; }
    return ep;
}

static inline int gw_eventfd_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline void gw_eventfd_signal(int fd) { uint64_t one = 1; (void)!write(fd, &one, sizeof one); }
static inline curl_socket_t gw_socket_timeout(void) { return CURL_SOCKET_TIMEOUT; }
#endif
