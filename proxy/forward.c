/* forward: see forward.h. */
#include "forward.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

struct side {
    struct forward *f;
    struct bufferevent *bev;
    struct side *peer;
    bool eof;      /* read side ended */
    bool shut;     /* we half-closed its write side */
    uint64_t in;   /* bytes read from it */
};

struct forward {
    struct side client, instance;
    size_t high, low;
    void (*done)(void *arg, int error);
    void *arg;
    bool finished;
    struct event *done_ev;
    int error;
};

static void finish(struct forward *f, int error)
{
    if (f->finished)
        return;
    f->finished = true;
    f->error = error;
    bufferevent_disable(f->client.bev, EV_READ | EV_WRITE);
    bufferevent_disable(f->instance.bev, EV_READ | EV_WRITE);
    /* Deferred so the owner may free us from `done`. */
    event_active(f->done_ev, 0, 0);
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct forward *f = arg;
    f->done(f->arg, f->error);
}

/* When a side has ended and its bytes are all written to the peer, half-close the peer. */
static void maybe_shutdown(struct side *s)
{
    struct side *p = s->peer;
    if (!s->eof || p->shut)
        return;
    if (evbuffer_get_length(bufferevent_get_input(s->bev)) != 0)
        return;
    if (evbuffer_get_length(bufferevent_get_output(p->bev)) != 0)
        return;
    shutdown(bufferevent_getfd(p->bev), SHUT_WR);
    p->shut = true;
    if (s->eof && p->eof && s->shut && p->shut)
        finish(s->f, 0);
    else if (s->eof && p->eof && p->shut)
        maybe_shutdown(p);
}

static void move(struct side *s)
{
    struct side *p = s->peer;
    struct evbuffer *in = bufferevent_get_input(s->bev);
    struct evbuffer *out = bufferevent_get_output(p->bev);
    size_t n = evbuffer_get_length(in);
    s->in += n;
    evbuffer_add_buffer(out, in);
    if (evbuffer_get_length(out) >= s->f->high) {
        /* Back-pressure: stop reading s until p's output drains below low. */
        bufferevent_disable(s->bev, EV_READ);
        bufferevent_setwatermark(p->bev, EV_WRITE, s->f->low, 0);
    }
}

static void read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    move(arg);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    struct side *p = arg; /* the side whose output just drained */
    struct side *s = p->peer;
    if (!s->eof && !(bufferevent_get_enabled(s->bev) & EV_READ)) {
        bufferevent_setwatermark(p->bev, EV_WRITE, 0, 0);
        bufferevent_enable(s->bev, EV_READ);
    }
    if (evbuffer_get_length(bufferevent_get_output(p->bev)) == 0)
        maybe_shutdown(s);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct side *s = arg;
    if (what & BEV_EVENT_EOF) {
        s->eof = true;
        move(s); /* anything read before the EOF */
        maybe_shutdown(s);
        if (s->eof && s->peer->eof && s->shut && s->peer->shut)
            finish(s->f, 0);
        return;
    }
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        finish(s->f, 1);
}

struct forward *forward_new(struct bufferevent *client, struct bufferevent *instance, size_t high,
                            size_t low, void (*done)(void *arg, int error), void *arg)
{
    struct forward *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->done_ev = event_new(bufferevent_get_base(client), -1, 0, done_cb, f);
    if (!f->done_ev) {
        free(f);
        return NULL;
    }
    f->high = high;
    f->low = low;
    f->done = done;
    f->arg = arg;
    f->client = (struct side){.f = f, .bev = client, .peer = &f->instance};
    f->instance = (struct side){.f = f, .bev = instance, .peer = &f->client};
    bufferevent_setcb(client, read_cb, write_cb, event_cb, &f->client);
    bufferevent_setcb(instance, read_cb, write_cb, event_cb, &f->instance);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    bufferevent_enable(instance, EV_READ | EV_WRITE);
    return f;
}

void forward_free(struct forward *f)
{
    if (!f)
        return;
    bufferevent_free(f->client.bev);
    bufferevent_free(f->instance.bev);
    event_free(f->done_ev);
    free(f);
}

uint64_t forward_bytes_to_client(const struct forward *f)
{
    return f->instance.in;
}
