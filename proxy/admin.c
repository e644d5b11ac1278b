/* admin: see admin.h. */
#include "admin.h"
#include "net.h"
#include "proxy.h"
#include "spawner.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct admin {
    struct evhttp *http;
    struct zs_spawner *sp;
    struct proxy *px;
};

static void handle(struct evhttp_request *req, void *arg)
{
    struct admin *a = arg;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    struct evbuffer *out = evbuffer_new();
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (!out) {
        evhttp_send_error(req, HTTP_INTERNAL, NULL);
        return;
    }
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        evhttp_add_header(headers, "Allow", "GET, HEAD");
        evhttp_send_error(req, 405, "Method Not Allowed");
    } else if (path && strcmp(path, "/metrics") == 0) {
        zs_spawner_write_metrics(a->sp, out);
        if (a->px)
            proxy_write_metrics(a->px, out);
        evhttp_add_header(headers, "Content-Type", "text/plain; version=0.0.4");
        evhttp_send_reply(req, HTTP_OK, "OK", out);
    } else if (path && strcmp(path, "/instances") == 0) {
        zs_spawner_write_instances(a->sp, out);
        evhttp_add_header(headers, "Content-Type", "application/json");
        evhttp_send_reply(req, HTTP_OK, "OK", out);
    } else {
        evhttp_send_error(req, HTTP_NOTFOUND, NULL);
    }
    evbuffer_free(out);
}

struct admin *admin_new(const struct zerg_config *cfg, struct event_base *base,
                        struct zs_spawner *sp, struct proxy *px, char *err, size_t errlen)
{
    err[0] = 0;
    if (cfg->admin.listen.port == 0)
        return NULL;
    struct admin *a = calloc(1, sizeof *a);
    int fd = -1;
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->sp = sp;
    a->px = px;
    a->http = evhttp_new(base);
    if (!a->http) {
        snprintf(err, errlen, "evhttp_new failed");
        goto fail;
    }
    evhttp_set_gencb(a->http, handle, a);
    evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
    evhttp_set_max_headers_size(a->http, 8192);
    evhttp_set_max_body_size(a->http, 4096);
    evhttp_set_timeout(a->http, 10);
    fd = net_listen(&cfg->admin.listen, 64, err, errlen);
    if (fd < 0)
        goto fail;
    if (!evhttp_accept_socket_with_handle(a->http, fd)) {
        snprintf(err, errlen, "admin listener setup failed");
        goto fail;
    }
    return a;
fail:
    if (fd >= 0)
        close(fd);
    admin_free(a);
    return NULL;
}

void admin_free(struct admin *a)
{
    if (!a)
        return;
    if (a->http)
        evhttp_free(a->http);
    free(a);
}
