/*
 * outlet_console.c: the console driver. open_port({fd, In, Out}, Opts) with Out 1 (standard
 * output) or 2 (standard error), as OTP's standard_error opens {fd, 2, 2}: every command is
 * written to the platform's console stream (zplat_console_write, which blocks until the bytes
 * are taken, so a command is complete when port_command returns). The console has no input: In
 * is accepted and never read, and the port never sends data to its owner.
 */
#include "vm/outlet.h"

#include "vm/process.h"

struct console_outlet {
    struct outlet ol;
    enum zplat_stream stream;
    uint64_t written;
};

static int console_command(struct outlet *ol, struct process *caller, const uint8_t *data,
                           size_t len, bool nosuspend)
{
    (void)caller;
    (void)nosuspend;
    struct console_outlet *c = (struct console_outlet *)ol;
    zplat_console_write(c->stream, data, len);
    c->written += len;
    return 0;
}

static int console_control(struct outlet *ol, struct process *caller, uint32_t op,
                           const uint8_t *data, size_t len, struct textbuf *reply)
{
    (void)ol;
    (void)caller;
    (void)op;
    (void)data;
    (void)len;
    (void)reply;
    return -1; /* no control operations: badarg, as a driver without a control callback */
}

static void console_counters(struct outlet *ol, uint64_t *in, uint64_t *out)
{
    *in = 0;
    *out = ((struct console_outlet *)ol)->written;
}

static const struct outlet_vtab console_vtab = {
    .name = "console",
    .control = console_control,
    .command = console_command,
    .counters = console_counters,
};

struct outlet *outlet_console_open(struct process *owner, term_t settings, bool binary,
                                   term_t *error)
{
    /* settings: {fd, In, Out} */
    term_t out = tuple_elems(settings)[2];
    if (!is_small(out) || (small_val(out) != 1 && small_val(out) != 2)) {
        *error = ATOM_badarg;
        return NULL;
    }
    struct console_outlet *c =
        (struct console_outlet *)outlet_new(&console_vtab, sizeof *c, make_pid(owner->id));
    c->ol.binary = binary;
    c->stream = small_val(out) == 2 ? ZPLAT_STDERR : ZPLAT_STDOUT;
    /* OTP names an fd port "In/Out". */
    term_t in = tuple_elems(settings)[1];
    struct textbuf n;
    textbuf_init(&n);
    textbuf_printf(&n, "%ld/%ld", (long)small_val(in), (long)small_val(out));
    for (size_t i = 0; i < n.len && i + 1 < sizeof c->ol.name; i++)
        c->ol.name[i] = n.data[i];
    c->ol.name[n.len < sizeof c->ol.name ? n.len : sizeof c->ol.name - 1] = 0;
    textbuf_dispose(&n);
    return &c->ol;
}
