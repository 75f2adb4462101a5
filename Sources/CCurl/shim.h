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
#endif
