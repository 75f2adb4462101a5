/*
 * openloop: an open-loop HTTP/1.1 load generator for bench/run.sh.
 *
 * Requests are scheduled at a fixed rate whatever the server does, and each
 * one's latency is measured from the moment it was *scheduled*, not sent: a
 * server that falls behind pays for the queue it builds (no coordinated
 * omission). h2load --rps does the same for fixed requests, but cannot give
 * every request its own Idempotency-Key, which a first execution needs; so
 * every row of the latency table uses this one tool, for one yardstick.
 *
 *   openloop --port P --path /x --rate R --connections C --duration S
 *            [--warmup S] [--mode plain|fresh|fixed] [--key K]
 *            [--key-prefix P] --body-file F
 *
 * Prints one line: OPENLOOP_JSON {...} with the offered and achieved rates,
 * status counts, errors and the latency percentiles (µs) of the requests
 * scheduled after the warm-up. Loopback only (127.0.0.1), bounded in time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RECV_CAP (1 << 20)
#define DRAIN_NS (5LL * 1000000000LL)

typedef struct {
    int fd;
    int busy;
    int64_t scheduled;   /* when the request in flight was scheduled */
    char *out; size_t out_len, out_off;
    char *in; size_t in_len;
} conn_t;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *opt(int argc, char **argv, const char *name, const char *fallback) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return fallback;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int port, epfd;
static int open_conn(conn_t *c) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { close(fd); return -1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    c->fd = fd;
    c->in_len = 0;
    return 0;
}

/* Length of a complete response at the start of buf, 0 while incomplete,
 * -1 when it cannot be framed. Content-Length or chunked. */
static long response_length(const char *buf, size_t len, int *status, int *closes) {
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return len > 65536 ? -1 : 0;
    size_t head = (size_t)(end - buf) + 4;
    if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0) return -1;
    *status = atoi(buf + 9);
    long content_length = -1;
    int chunked = 0;
    *closes = 0;
    const char *line = (const char *)memchr(buf, '\n', head) + 1;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(buf + head - line));
        size_t n = (size_t)(eol - line);
        if (n >= 15 && strncasecmp(line, "content-length:", 15) == 0) content_length = atol(line + 15);
        else if (n >= 18 && strncasecmp(line, "transfer-encoding:", 18) == 0 && memmem(line, n, "chunked", 7)) chunked = 1;
        else if (n >= 11 && strncasecmp(line, "connection:", 11) == 0 && memmem(line, n, "close", 5)) *closes = 1;
        line = eol + 1;
    }
    if (!chunked) {
        if (content_length < 0) content_length = 0;
        return len >= head + (size_t)content_length ? (long)(head + (size_t)content_length) : 0;
    }
    size_t at = head;
    for (;;) {
        const char *crlf = memmem(buf + at, len - at, "\r\n", 2);
        if (!crlf) return 0;
        long size = strtol(buf + at, NULL, 16);
        at = (size_t)(crlf - buf) + 2;
        if (size == 0) {
            const char *trailer_end = memmem(buf + at - 2, len - (at - 2), "\r\n\r\n", 4);
            return trailer_end ? (long)((size_t)(trailer_end - buf) + 4) : 0;
        }
        if (len < at + (size_t)size + 2) return 0;
        at += (size_t)size + 2;
    }
}

int main(int argc, char **argv) {
    port = atoi(opt(argc, argv, "--port", "0"));
    const char *path = opt(argc, argv, "--path", "/");
    double rate = atof(opt(argc, argv, "--rate", "0"));
    int connections = atoi(opt(argc, argv, "--connections", "32"));
    double duration = atof(opt(argc, argv, "--duration", "0"));
    double warmup = atof(opt(argc, argv, "--warmup", "0"));
    const char *mode = opt(argc, argv, "--mode", "plain");
    const char *fixed_key = opt(argc, argv, "--key", "");
    const char *prefix = opt(argc, argv, "--key-prefix", "ol");
    const char *body_file = opt(argc, argv, "--body-file", NULL);
    if (port <= 0 || rate <= 0 || duration <= 0 || connections <= 0 || !body_file) {
        fprintf(stderr, "usage: openloop --port P --path /x --rate R --connections C --duration S "
                        "[--warmup S] [--mode plain|fresh|fixed] [--key K] [--key-prefix P] --body-file F\n");
        return 2;
    }
    FILE *f = fopen(body_file, "rb");
    if (!f) { perror(body_file); return 2; }
    char body[65536];
    size_t body_len = fread(body, 1, sizeof body, f);
    fclose(f);

    epfd = epoll_create1(0);
    conn_t *conns = calloc((size_t)connections, sizeof *conns);
    for (int i = 0; i < connections; i++) {
        conns[i].in = malloc(RECV_CAP);
        conns[i].out = malloc(body_len + 1024);
        if (open_conn(&conns[i]) < 0) { fprintf(stderr, "cannot connect to 127.0.0.1:%d\n", port); return 1; }
    }

    int64_t interval = (int64_t)(1e9 / rate);
    int64_t start = now_ns();
    int64_t measure_from = start + (int64_t)(warmup * 1e9);
    int64_t stop = measure_from + (int64_t)(duration * 1e9);
    size_t capacity = (size_t)(rate * (warmup + duration)) + 16;
    int64_t *queue = malloc(capacity * sizeof *queue);   /* scheduled, not yet sent */
    uint32_t *latencies = malloc(capacity * sizeof *latencies);
    size_t q_head = 0, q_tail = 0, scheduled = 0, measured = 0, completed = 0, sent = 0;
    long statuses[6] = {0}, errors = 0, reconnects = 0;
    uint64_t counter = 0;

    for (;;) {
        int64_t now = now_ns();
        while (now < stop && start + (int64_t)scheduled * interval <= now && q_tail < capacity)
            queue[q_tail++] = start + (int64_t)(scheduled++) * interval;
        int in_flight = 0, can_send = 0;
        for (int i = 0; i < connections; i++) {
            conn_t *c = &conns[i];
            if (!c->busy && q_head < q_tail && c->fd >= 0) {
                c->scheduled = queue[q_head++];
                char key_line[300] = "";
                if (strcmp(mode, "fresh") == 0)
                    snprintf(key_line, sizeof key_line, "Idempotency-Key: %s-%llu\r\n", prefix, (unsigned long long)++counter);
                else if (strcmp(mode, "fixed") == 0)
                    snprintf(key_line, sizeof key_line, "Idempotency-Key: %s\r\n", fixed_key);
                int n = snprintf(c->out, 1024, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                                 "Content-Length: %zu\r\n%s\r\n", path, port, body_len, key_line);
                memcpy(c->out + n, body, body_len);
                c->out_len = (size_t)n + body_len;
                c->out_off = 0;
                c->busy = 1;
                sent++;
            }
            if (c->busy && c->out_off < c->out_len) {
                ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
                if (w > 0) c->out_off += (size_t)w;
                else if (w < 0 && errno != EAGAIN) { errors++; c->busy = 0; close(c->fd); open_conn(c); reconnects++; }
            }
            in_flight += c->busy;
            /* Work this loop could do without waiting for an answer: a free
             * connection for a queued request, or output still to write. */
            if (c->fd >= 0 && (!c->busy || c->out_off < c->out_len)) can_send = 1;
        }
        if (now >= stop && (q_head == q_tail && in_flight == 0)) break;
        if (now >= stop + DRAIN_NS) break;
        /* Sleep exactly until the next request is due (epoll_pwait2 takes
         * nanoseconds): a millisecond's rounding would add up to 1 ms of
         * the generator's own lateness to every latency. */
        /* With requests queued and every connection busy, it waits for an
         * answer (or the next due time) instead of spinning: a queued
         * request keeps its scheduled time either way, and a generator that
         * spins takes a core from the server it measures on a small machine,
         * so a server that fell behind once never caught up (seen as the
         * peer's open-loop saturation; see docs/benchmarks.md). */
        int64_t next = start + (int64_t)scheduled * interval;
        int64_t wait_ns = q_head < q_tail && can_send ? 0 : now >= stop ? 1000000 : next - now;
        if (wait_ns < 0) wait_ns = 0;
        struct timespec timeout = {.tv_sec = wait_ns / 1000000000LL, .tv_nsec = wait_ns % 1000000000LL};
        struct epoll_event events[256];
        int ready = epoll_pwait2(epfd, events, 256, &timeout, NULL);
        for (int e = 0; e < ready; e++) {
            conn_t *c = events[e].data.ptr;
            for (;;) {
                ssize_t r = recv(c->fd, c->in + c->in_len, RECV_CAP - c->in_len, 0);
                if (r > 0) { c->in_len += (size_t)r; continue; }
                if (r < 0 && errno == EAGAIN) break;
                /* closed by the server: a request in flight failed */
                if (c->busy) errors++;
                c->busy = 0;
                epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                if (open_conn(c) == 0) reconnects++;
                break;
            }
            if (c->fd < 0 || !c->busy) continue;
            int status = 0, closes = 0;
            long length = response_length(c->in, c->in_len, &status, &closes);
            if (length == 0) continue;
            int64_t done = now_ns();
            if (length < 0) errors++;
            else {
                completed++;
                statuses[status / 100 <= 5 ? status / 100 : 0]++;
                if (c->scheduled >= measure_from) latencies[measured++] = (uint32_t)((done - c->scheduled) / 1000);
            }
            c->busy = 0;
            if (length < 0 || closes) {
                epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                open_conn(c);
                reconnects++;
            } else {
                memmove(c->in, c->in + length, c->in_len - (size_t)length);
                c->in_len -= (size_t)length;
            }
        }
    }
    /* Anything still queued or in flight at the end waited at least this
     * long: counted, so a server that stalls cannot hide in the tail. */
    int64_t end = now_ns();
    size_t unfinished = 0;
    for (size_t i = q_head; i < q_tail; i++)
        if (queue[i] >= measure_from) { latencies[measured++] = (uint32_t)((end - queue[i]) / 1000); unfinished++; }
    for (int i = 0; i < connections; i++)
        if (conns[i].busy && conns[i].scheduled >= measure_from) {
            latencies[measured++] = (uint32_t)((end - conns[i].scheduled) / 1000);
            unfinished++;
        }
    qsort(latencies, measured, sizeof *latencies, cmp_u32);
#define PCT(p) (measured ? latencies[(size_t)((double)(measured - 1) * (p))] : 0)
    printf("OPENLOOP_JSON {\"offered_rps\":%.1f,\"achieved_rps\":%.1f,\"connections\":%d,\"duration_s\":%.1f,"
           "\"scheduled\":%zu,\"sent\":%zu,\"completed\":%zu,\"unfinished\":%zu,\"errors\":%ld,\"reconnects\":%ld,"
           "\"status\":{\"1xx\":%ld,\"2xx\":%ld,\"3xx\":%ld,\"4xx\":%ld,\"5xx\":%ld,\"other\":%ld},"
           "\"latency_us\":{\"p50\":%u,\"p90\":%u,\"p99\":%u,\"p999\":%u,\"max\":%u,\"count\":%zu}}\n",
           rate, (double)completed / ((double)(end - start) / 1e9), connections, duration,
           scheduled, sent, completed, unfinished, errors, reconnects,
           statuses[1], statuses[2], statuses[3], statuses[4], statuses[5], statuses[0],
           PCT(0.50), PCT(0.90), PCT(0.99), PCT(0.999), measured ? latencies[measured - 1] : 0, measured);
    return 0;
}
