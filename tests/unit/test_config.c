/* Unit tests of common/config.c and common/config_json.c: the schema, its defaults and every
 * class of bad input, each checked for the exact FILE:LINE:COLUMN: KEY.PATH of its message. */
#include "unit.h"

#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The smallest valid document: the one required key. */
#define MIN_GUEST "\"guest\": {\"command\": [\"/bin/guest\"]}"

static int parse_text(struct zerg_config *cfg, const char *json, size_t len, char *err,
                      size_t errlen)
{
    return zerg_config_parse(cfg, json, len, "t.json", err, errlen);
}

/* Checks that cfg holds defaults only (what a failed parse must leave). */
static void assert_defaults(const struct zerg_config *cfg)
{
    CU_ASSERT_STRING_EQUAL(cfg->path, "");
    CU_ASSERT_STRING_EQUAL(cfg->daemon.id, "zerg");
    CU_ASSERT_STRING_EQUAL(cfg->daemon.state_dir, "/run/zerg");
    CU_ASSERT_STRING_EQUAL(cfg->daemon.log_level, "info");
    CU_ASSERT_STRING_EQUAL(cfg->proxy.listen.host, "127.0.0.1");
    CU_ASSERT_EQUAL(cfg->proxy.listen.port, 8080);
    CU_ASSERT_EQUAL(cfg->proxy.max_head_bytes, 16384);
    CU_ASSERT_EQUAL(cfg->proxy.head_timeout_ms, 5000);
    CU_ASSERT_EQUAL(cfg->proxy.max_connections, 4096);
    CU_ASSERT_EQUAL(cfg->proxy.handoff, ZERG_HANDOFF_FD);
    CU_ASSERT_EQUAL(cfg->proxy.high_watermark, 262144);
    CU_ASSERT_EQUAL(cfg->proxy.low_watermark, 65536);
    CU_ASSERT_EQUAL(cfg->proxy.drain_timeout_ms, 5000);
    CU_ASSERT_EQUAL(cfg->proxy.retry_after_s, 1);
    CU_ASSERT_STRING_EQUAL(cfg->admin.listen.host, "127.0.0.1");
    CU_ASSERT_EQUAL(cfg->admin.listen.port, 8081);
    CU_ASSERT_FALSE(cfg->admin.allow_remote);
    CU_ASSERT_EQUAL(cfg->limits.max_instances, 64);
    CU_ASSERT_EQUAL(cfg->limits.queue_length, 256);
    CU_ASSERT_EQUAL(cfg->limits.queue_timeout_ms, 2000);
    CU_ASSERT_EQUAL(cfg->limits.boot_timeout_ms, 2000);
    CU_ASSERT_EQUAL(cfg->limits.serve_timeout_ms, 30000);
    CU_ASSERT_EQUAL(cfg->limits.memory_mb, 256);
    CU_ASSERT_EQUAL(cfg->limits.per_client_max, 16);
    CU_ASSERT_STRING_EQUAL(cfg->backend.type, "process");
    CU_ASSERT_PTR_NULL(cfg->guest.argv);
    CU_ASSERT_EQUAL(cfg->guest.argc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg->guest.env);
    CU_ASSERT_PTR_NULL(cfg->guest.env[0]);
    CU_ASSERT_EQUAL(cfg->guest.envc, 0);
    CU_ASSERT_STRING_EQUAL(cfg->guest.profile, "fixture");
    CU_ASSERT_PTR_NULL(cfg->guest.image);
    CU_ASSERT_EQUAL(cfg->guest.log_lines_per_second, 20);
    CU_ASSERT_EQUAL(cfg->guest.log_burst, 40);
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++)
        CU_ASSERT_EQUAL(cfg->sandbox.pieces[p], ZERG_PIECE_REQUIRED);
    CU_ASSERT_EQUAL(cfg->sandbox.uid_base, 900000);
    CU_ASSERT_EQUAL(cfg->sandbox.gid, 900000);
    CU_ASSERT_EQUAL(cfg->sandbox.cpu_seconds, 10);
    CU_ASSERT_EQUAL(cfg->sandbox.open_files, 64);
    CU_ASSERT_EQUAL(cfg->sandbox.processes, 1);
    CU_ASSERT_EQUAL(cfg->sandbox.netns, ZERG_NETNS_SHARED);
    CU_ASSERT_PTR_NULL(cfg->xen.kernel);
    CU_ASSERT_EQUAL(cfg->xen.memory_mb, 256);
    CU_ASSERT_STRING_EQUAL(cfg->xen.cmdline, "");
}

/* Parses json (of length len) expecting failure with a message that starts with `where`
 * ("t.json:LINE:COL: KEY.PATH: ") and contains `what`; cfg must then hold defaults. */
static void expect_error_n(const char *json, size_t len, const char *where, const char *what,
                           int line)
{
    struct zerg_config cfg;
    char err[512] = "";
    zerg_config_init(&cfg);
    int rc = parse_text(&cfg, json, len, err, sizeof err);
    bool ok = rc == -1 && strncmp(err, where, strlen(where)) == 0 && strstr(err, what);
    CU_ASSERT_TRUE(ok);
    if (!ok)
        fprintf(stderr, "test_config.c:%d: rc %d, expected \"%s...%s\", got \"%s\"\n", line, rc,
                where, what, err);
    assert_defaults(&cfg);
    zerg_config_dispose(&cfg);
}
#define expect_error(json, where, what) expect_error_n(json, strlen(json), where, what, __LINE__)

/* A document with one section besides the guest, on one line: values start at known columns. */
#define ONE(section) "{" MIN_GUEST ", \"" section "\": {"

static void test_piece_names(void)
{
    CU_ASSERT_STRING_EQUAL(zerg_sandbox_piece_name(ZERG_SANDBOX_SESSION), "session");
    CU_ASSERT_STRING_EQUAL(zerg_sandbox_piece_name(ZERG_SANDBOX_PIDNS), "pidns");
    CU_ASSERT_STRING_EQUAL(zerg_sandbox_piece_name(ZERG_SANDBOX_SECCOMP), "seccomp");
    CU_ASSERT_STRING_EQUAL(zerg_sandbox_piece_name(ZERG_SANDBOX_NO_NEW_PRIVS), "no_new_privs");
    CU_ASSERT_PTR_NULL(zerg_sandbox_piece_name(ZERG_SANDBOX_NPIECES));
    CU_ASSERT_PTR_NULL(zerg_sandbox_piece_name((enum zerg_sandbox_piece) - 1));
    CU_ASSERT_PTR_NOT_NULL(strstr(zerg_sandbox_piece_what(ZERG_SANDBOX_NETNS), "network"));
    CU_ASSERT_PTR_NULL(zerg_sandbox_piece_what(ZERG_SANDBOX_NPIECES));
}

static void test_defaults(void)
{
    struct zerg_config cfg;
    char err[256] = "";
    zerg_config_init(&cfg);
    assert_defaults(&cfg);
    /* Disposing an init-only struct, and twice, is safe. */
    zerg_config_dispose(&cfg);
    zerg_config_dispose(&cfg);
    assert_defaults(&cfg);

    const char *json = "{" MIN_GUEST ", \"limits\": {\"memory_mb\": 128}}";
    CU_ASSERT_EQUAL_FATAL(parse_text(&cfg, json, strlen(json), err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT_STRING_EQUAL(cfg.path, "t.json");
    CU_ASSERT_EQUAL(cfg.guest.argc, 1);
    CU_ASSERT_STRING_EQUAL(cfg.guest.argv[0], "/bin/guest");
    CU_ASSERT_PTR_NULL(cfg.guest.argv[1]);
    CU_ASSERT_EQUAL(cfg.limits.memory_mb, 128);
    /* The Xen domain's memory follows limits.memory_mb unless set. */
    CU_ASSERT_EQUAL(cfg.xen.memory_mb, 128);
    CU_ASSERT_STRING_EQUAL(cfg.daemon.id, "zerg");
    CU_ASSERT_EQUAL(cfg.proxy.listen.port, 8080);
    CU_ASSERT_EQUAL(cfg.sandbox.pieces[ZERG_SANDBOX_SECCOMP], ZERG_PIECE_REQUIRED);
    /* Parsing again into the same struct replaces everything (ASan checks nothing leaks). */
    json = "{" MIN_GUEST "}";
    CU_ASSERT_EQUAL_FATAL(parse_text(&cfg, json, strlen(json), err, sizeof err), 0);
    CU_ASSERT_EQUAL(cfg.limits.memory_mb, 256);
    zerg_config_dispose(&cfg);
    zerg_config_dispose(&cfg);
    assert_defaults(&cfg);
}

/* Every key set to something other than its default; relative paths resolve against the
 * directory of the file. */
static void test_full_config(void)
{
    char dir[] = "/tmp/zerg-config-test-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char canon[PATH_MAX], parent[PATH_MAX], file[PATH_MAX + 16], want[PATH_MAX + 32];
    CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(dir, canon));
    snprintf(parent, sizeof parent, "%s", canon);
    *strrchr(parent, '/') = '\0';
    snprintf(file, sizeof file, "%s/zerg.json", dir);
    const char *json =
        "{\n"
        "  \"daemon\": {\"id\": \"Edge_1-a\", \"state_dir\": \"../state\", \"log_level\": "
        "\"debug\"},\n"
        "  \"proxy\": {\"listen\": \"[::1]:9090\", \"max_head_bytes\": 8192,\n"
        "    \"head_timeout_ms\": 1000, \"max_connections\": 100, \"handoff\": \"forward\",\n"
        "    \"high_watermark\": 1048576, \"low_watermark\": 0, \"drain_timeout_ms\": 0,\n"
        "    \"retry_after_s\": 3600},\n"
        "  \"admin\": {\"listen\": \"0.0.0.0:9091\", \"allow_remote\": true},\n"
        "  \"limits\": {\"max_instances\": 100000, \"queue_length\": 0, \"queue_timeout_ms\": 1,\n"
        "    \"boot_timeout_ms\": 600000, \"serve_timeout_ms\": 86400000, \"memory_mb\": 1,\n"
        "    \"per_client_max\": 3},\n"
        "  \"backend\": {\"type\": \"xen\"},\n"
        "  \"guest\": {\"command\": [\"./bin/guest\", \"-x\", \"\", \"caf\\u00e9\"],\n"
        "    \"env\": [\"A=1\", \"EMPTY=\", \"B_2=x=y\"], \"profile\": \"erl-25\",\n"
        "    \"image\": \"img/app.beam\", \"log_lines_per_second\": 1, \"log_burst\": 100000},\n"
        "  \"sandbox\": {\"optional\": [\"netns\", \"uid\"], \"off\": [\"seccomp\"],\n"
        "    \"uid_base\": 1000, \"gid\": 4000000000, \"cpu_seconds\": 86400, \"open_files\": 8,\n"
        "    \"processes\": 4096, \"netns\": \"per-instance\"},\n"
        "  \"xen\": {\"kernel\": \"/boot/zerg-vm\", \"memory_mb\": 32, \"cmdline\": \"-- a b\"}\n"
        "}\n";
    struct zerg_config cfg;
    char err[256] = "";
    zerg_config_init(&cfg);
    int rc = zerg_config_parse(&cfg, json, strlen(json), file, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "full config: %s\n", err);
    CU_ASSERT_STRING_EQUAL(cfg.path, file);
    CU_ASSERT_STRING_EQUAL(cfg.daemon.id, "Edge_1-a");
    snprintf(want, sizeof want, "%s/state", parent);
    CU_ASSERT_STRING_EQUAL(cfg.daemon.state_dir, want);
    CU_ASSERT_STRING_EQUAL(cfg.daemon.log_level, "debug");
    CU_ASSERT_STRING_EQUAL(cfg.proxy.listen.host, "::1");
    CU_ASSERT_EQUAL(cfg.proxy.listen.port, 9090);
    CU_ASSERT_EQUAL(cfg.proxy.max_head_bytes, 8192);
    CU_ASSERT_EQUAL(cfg.proxy.head_timeout_ms, 1000);
    CU_ASSERT_EQUAL(cfg.proxy.max_connections, 100);
    CU_ASSERT_EQUAL(cfg.proxy.handoff, ZERG_HANDOFF_FORWARD);
    CU_ASSERT_EQUAL(cfg.proxy.high_watermark, 1048576);
    CU_ASSERT_EQUAL(cfg.proxy.low_watermark, 0);
    CU_ASSERT_EQUAL(cfg.proxy.drain_timeout_ms, 0);
    CU_ASSERT_EQUAL(cfg.proxy.retry_after_s, 3600);
    CU_ASSERT_STRING_EQUAL(cfg.admin.listen.host, "0.0.0.0");
    CU_ASSERT_EQUAL(cfg.admin.listen.port, 9091);
    CU_ASSERT_TRUE(cfg.admin.allow_remote);
    CU_ASSERT_EQUAL(cfg.limits.max_instances, 100000);
    CU_ASSERT_EQUAL(cfg.limits.queue_length, 0);
    CU_ASSERT_EQUAL(cfg.limits.queue_timeout_ms, 1);
    CU_ASSERT_EQUAL(cfg.limits.boot_timeout_ms, 600000);
    CU_ASSERT_EQUAL(cfg.limits.serve_timeout_ms, 86400000);
    CU_ASSERT_EQUAL(cfg.limits.memory_mb, 1);
    CU_ASSERT_EQUAL(cfg.limits.per_client_max, 3);
    CU_ASSERT_STRING_EQUAL(cfg.backend.type, "xen");
    CU_ASSERT_EQUAL_FATAL(cfg.guest.argc, 4);
    snprintf(want, sizeof want, "%s/bin/guest", canon);
    CU_ASSERT_STRING_EQUAL(cfg.guest.argv[0], want);
    CU_ASSERT_STRING_EQUAL(cfg.guest.argv[1], "-x");
    CU_ASSERT_STRING_EQUAL(cfg.guest.argv[2], "");
    CU_ASSERT_STRING_EQUAL(cfg.guest.argv[3], "caf\xC3\xA9");
    CU_ASSERT_PTR_NULL(cfg.guest.argv[4]);
    CU_ASSERT_EQUAL_FATAL(cfg.guest.envc, 3);
    CU_ASSERT_STRING_EQUAL(cfg.guest.env[0], "A=1");
    CU_ASSERT_STRING_EQUAL(cfg.guest.env[1], "EMPTY=");
    CU_ASSERT_STRING_EQUAL(cfg.guest.env[2], "B_2=x=y");
    CU_ASSERT_PTR_NULL(cfg.guest.env[3]);
    CU_ASSERT_STRING_EQUAL(cfg.guest.profile, "erl-25");
    snprintf(want, sizeof want, "%s/img/app.beam", canon);
    CU_ASSERT_STRING_EQUAL(cfg.guest.image, want);
    CU_ASSERT_EQUAL(cfg.guest.log_lines_per_second, 1);
    CU_ASSERT_EQUAL(cfg.guest.log_burst, 100000);
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++) {
        enum zerg_piece_policy want_policy = ZERG_PIECE_REQUIRED;
        if (p == ZERG_SANDBOX_NETNS || p == ZERG_SANDBOX_UID)
            want_policy = ZERG_PIECE_OPTIONAL;
        if (p == ZERG_SANDBOX_SECCOMP)
            want_policy = ZERG_PIECE_OFF;
        CU_ASSERT_EQUAL(cfg.sandbox.pieces[p], want_policy);
    }
    CU_ASSERT_EQUAL(cfg.sandbox.uid_base, 1000);
    CU_ASSERT_EQUAL(cfg.sandbox.gid, 4000000000u);
    CU_ASSERT_EQUAL(cfg.sandbox.cpu_seconds, 86400);
    CU_ASSERT_EQUAL(cfg.sandbox.open_files, 8);
    CU_ASSERT_EQUAL(cfg.sandbox.processes, 4096);
    CU_ASSERT_EQUAL(cfg.sandbox.netns, ZERG_NETNS_PER_INSTANCE);
    CU_ASSERT_STRING_EQUAL(cfg.xen.kernel, "/boot/zerg-vm");
    CU_ASSERT_EQUAL(cfg.xen.memory_mb, 32);
    CU_ASSERT_STRING_EQUAL(cfg.xen.cmdline, "-- a b");
    zerg_config_dispose(&cfg);
    assert_defaults(&cfg);
    rmdir(dir);
}

/* Parse from memory without a file name: relative paths resolve against the working
 * directory; messages name "<config>". */
static void test_no_filename(void)
{
    struct zerg_config cfg;
    char err[256] = "", cwd[PATH_MAX], want[PATH_MAX + 16];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    zerg_config_init(&cfg);
    const char *json = "{\"guest\": {\"command\": [\"g\"]}}";
    CU_ASSERT_EQUAL_FATAL(zerg_config_parse(&cfg, json, strlen(json), NULL, err, sizeof err), 0);
    snprintf(want, sizeof want, "%s/g", cwd);
    CU_ASSERT_STRING_EQUAL(cfg.guest.argv[0], want);
    CU_ASSERT_STRING_EQUAL(cfg.path, "");
    json = "{\"guest\": 1}";
    CU_ASSERT_EQUAL(zerg_config_parse(&cfg, json, strlen(json), NULL, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "<config>:1:11: guest: expected an object, found a number");
    /* A tiny err buffer is cut, never overrun; a NULL one is allowed. */
    char small[8];
    CU_ASSERT_EQUAL(zerg_config_parse(&cfg, json, strlen(json), NULL, small, sizeof small), -1);
    CU_ASSERT_STRING_EQUAL(small, "<config");
    CU_ASSERT_EQUAL(zerg_config_parse(&cfg, json, strlen(json), NULL, NULL, 0), -1);
    zerg_config_dispose(&cfg);
}

static void test_malformed_json(void)
{
    expect_error("", "t.json:1:1: (top level): ", "empty document");
    expect_error("  \n ", "t.json:2:2: (top level): ", "empty document");
    expect_error("[1, 2]\n", "t.json:1:1: (top level): ", "must be an object, found an array");
    expect_error("\"zerg\"\n", "t.json:1:1: (top level): ", "must be an object, found a string");
    expect_error("{" MIN_GUEST, "t.json:1:38: (top level): ", "the object opened at 1:1");
    expect_error("{" MIN_GUEST ",\n \"proxy\": {\"listen\": \"1.2.3.4:5\"",
                 "t.json:2:33: proxy: ", "the object opened at 2:11 is not closed");
    expect_error("{\"guest\": {\"command\": [\"/g\"",
                 "t.json:1:28: guest.command: ", "the array opened at 1:23 is not closed");
    expect_error("{" MIN_GUEST ", \"daemon\": {\"id\": \"ab",
                 "t.json:1:57: daemon.id: ", "unterminated string");
    expect_error("{" MIN_GUEST "} x", "t.json:1:40: (top level): ", "unexpected 'x'");
    expect_error("{" MIN_GUEST "}\n{}", "t.json:2:1: (top level): ",
                 "only whitespace may follow the top-level object, found '{'");
    expect_error("{" MIN_GUEST "}\n\"x\"", "t.json:2:1: (top level): ",
                 "only whitespace may follow the top-level object, found a string");
    expect_error("{" MIN_GUEST "]", "t.json:1:38: (top level): ", "unexpected ']'");
    expect_error("{\"guest\" {}}", "t.json:1:10: guest: ", "expected ':' after the key, found '{'");
    expect_error("{\"guest\": {\"command\": [\"/g\"]} \"x\": 1}",
                 "t.json:1:31: (top level): ", "expected ',' or '}', found a string");
    expect_error("{\"guest\": 1 2}", "t.json:1:13: (top level): ", "expected ',' or '}' after");
    expect_error("{\"guest\": {\"command\": [\"/g\" \"x\"]}}",
                 "t.json:1:29: guest.command: ", "expected ',' or ']', found a string");
    expect_error(ONE("limits") "\"max_instances\": 1 \"memory_mb\": 2}}",
                 "t.json:1:70: limits: ", "expected ',' or '}'");
    expect_error(ONE("limits") "\"max_instances\": 1,}}",
                 "t.json:1:70: limits: ", "trailing comma before '}'");
    expect_error("{\"guest\": {\"command\": [\"/g\",]}}",
                 "t.json:1:29: guest.command: ", "trailing comma before ']'");
    expect_error(ONE("limits") "max_instances: 1}}", "t.json:1:51: limits: ", "unexpected 'm'");
    expect_error(ONE("limits") "1: 1}}", "t.json:1:51: limits: ", "expected a key");
    expect_error(ONE("admin") "\"allow_remote\": tru}}",
                 "t.json:1:66: admin.allow_remote: ", "invalid literal 'tru'");
    expect_error(ONE("admin") "\"allow_remote\": True}}",
                 "t.json:1:66: admin.allow_remote: ", "unexpected 'T'");
    expect_error(ONE("admin") "\"allow_remote\": }}",
                 "t.json:1:66: admin.allow_remote: ", "expected a value, found '}'");
    expect_error(ONE("limits") "\"memory_mb\": 'x'}}",
                 "t.json:1:64: limits.memory_mb: ", "unexpected '''");
    expect_error("{" MIN_GUEST ", \"limits\": {\"memory_mb\": 1}]",
                 "t.json:1:66: (top level): ", "unexpected ']'");
    /* jsmn stops at a NUL byte; it is refused before that. */
    expect_error_n("{" MIN_GUEST "}\0 garbage", sizeof("{" MIN_GUEST "}\0 garbage") - 1,
                   "t.json:1:39: (top level): ", "NUL byte", __LINE__);
    expect_error("\xEF\xBB\xBF{" MIN_GUEST "}", "t.json:1:1: (top level): ", "byte order mark");
    /* Nesting is bounded (jsmn's closing of brackets is quadratic in the depth): level 33 is
     * refused where it opens, even when the document is otherwise well formed. */
    char deep[1024] = "{\"guest\": {\"command\": ";
    for (int i = 0; i < 30; i++)
        strcat(deep, "[");
    expect_error(deep, "t.json:1:53: guest.command[0][0]",
                 "the array opened at 1:52 is not closed");
    strcat(deep, "[[");
    expect_error(deep, "t.json:1:53: (top level): ", "nested deeper than 32 levels");
    strcat(deep, "\"[[[\"");
    for (int i = 0; i < 32; i++)
        strcat(deep, "]");
    strcat(deep, "}}");
    expect_error(deep, "t.json:1:53: (top level): ", "nested deeper than 32 levels");
    /* Brackets inside strings do not count. */
    expect_error("{\"guest\": {\"command\": [\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\", 1]}}",
                 "t.json:1:64: guest.command[1]: ", "expected a string, found a number");
}

static void test_duplicate_keys(void)
{
    expect_error("{" MIN_GUEST ",\n \"guest\": {}}",
                 "t.json:2:2: guest: ", "duplicate key (first set at 1:11)");
    expect_error(ONE("proxy") "\"listen\": \"127.0.0.1:1\",\n \"listen\": \"127.0.0.1:2\"}}",
                 "t.json:2:2: proxy.listen: ", "duplicate key (first set at 1:60)");
    /* Keys are compared decoded: \u0070 is 'p'. */
    expect_error("{\"proxy\": {}, \"\\u0070roxy\": {}, " MIN_GUEST "}",
                 "t.json:1:15: proxy: ", "duplicate key (first set at 1:11)");
    expect_error("{\"sandbox\": {\"off\": [], \"off\": []}, " MIN_GUEST "}",
                 "t.json:1:25: sandbox.off: ", "duplicate key");
    expect_error("{\"guest\": {\"command\": [\"/g\"], \"command\": [\"/h\"]}}",
                 "t.json:1:31: guest.command: ", "duplicate key (first set at 1:23)");
}

static void test_unknown_keys(void)
{
    expect_error("{" MIN_GUEST ", \"proxies\": {}}", "t.json:1:40: proxies: ",
                 "unknown key (the top level has: daemon, proxy, admin, limits, backend, guest, "
                 "sandbox, xen)");
    expect_error(ONE("proxy") "\"lisen\": \"127.0.0.1:1\"}}",
                 "t.json:1:50: proxy.lisen: ", "unknown key (proxy has: listen, max_head_bytes,");
    expect_error("{\"guest\": {\"command\": [\"/g\"], \"Profile\": \"x\"}}",
                 "t.json:1:31: guest.Profile: ", "unknown key");
    expect_error("{\"\": 1}", "t.json:1:2: \"\": ", "unknown key");
    /* A key is shown printable even when it holds control characters (escaped in JSON). */
    expect_error("{\"a\\u0001b\": 1}", "t.json:1:2: a\\x01b: ", "unknown key");
}

static void test_wrong_types(void)
{
    expect_error("{\"guest\": [\"/g\"]}",
                 "t.json:1:11: guest: ", "expected an object, found an array");
    expect_error(ONE("proxy") "\"listen\": 8080}}",
                 "t.json:1:60: proxy.listen: ", "expected a string, found a number");
    expect_error(ONE("proxy") "\"max_head_bytes\": \"8192\"}}",
                 "t.json:1:68: proxy.max_head_bytes: ", "expected an integer, found a string");
    expect_error(ONE("admin") "\"allow_remote\": 1}}",
                 "t.json:1:66: admin.allow_remote: ", "expected true or false, found a number");
    expect_error(ONE("admin") "\"allow_remote\": \"true\"}}",
                 "t.json:1:66: admin.allow_remote: ", "expected true or false, found a string");
    expect_error("{\"guest\": {\"command\": \"/bin/guest\"}}",
                 "t.json:1:23: guest.command: ", "expected an array, found a string");
    expect_error("{\"guest\": {\"command\": [\"/g\", 2]}}",
                 "t.json:1:30: guest.command[1]: ", "expected a string, found a number");
    expect_error("{\"guest\": {\"command\": [[\"/g\"]]}}",
                 "t.json:1:24: guest.command[0]: ", "expected a string, found an array");
    expect_error(ONE("sandbox") "\"optional\": [{}]}}",
                 "t.json:1:65: sandbox.optional[0]: ", "expected a string, found an object");
    expect_error(ONE("limits") "\"memory_mb\": null}}",
                 "t.json:1:64: limits.memory_mb: ", "null is not a value here");
    expect_error(ONE("backend") "\"type\": false}}",
                 "t.json:1:60: backend.type: ", "expected a string, found a boolean");
    expect_error("{\"guest\": {\"command\": [\"/g\"]}, \"xen\": 0}",
                 "t.json:1:39: xen: ", "expected an object, found a number");
}

static void test_integers(void)
{
    /* ONE("limits") "\"memory_mb\": " puts the value at column 63. */
#define MEM(v) ONE("limits") "\"memory_mb\": " v "}}"
    const char *where = "t.json:1:64: limits.memory_mb: ";
    expect_error(MEM("1.5"), where, "expected an integer, found 1.5");
    expect_error(MEM("1e3"), where, "expected an integer, found 1e3");
    expect_error(MEM("10E0"), where, "expected an integer, found 10E0");
    expect_error(MEM("2.0"), where, "expected an integer, found 2.0");
    expect_error(MEM("-1"), where, "-1 is out of range 1..1048576");
    expect_error(MEM("-0"), where, "-0 is out of range 1..1048576");
    expect_error(MEM("0"), where, "0 is out of range 1..1048576");
    expect_error(MEM("1048577"), where, "1048577 is out of range 1..1048576");
    expect_error(MEM("4294967296"), where, "4294967296 is out of range");
    expect_error(MEM("99999999999999999999999"), where, "out of range");
    expect_error(MEM("0256"), where, "invalid number '0256': leading zeros are not allowed");
    expect_error(MEM("-01"), where, "leading zeros are not allowed");
    expect_error(MEM("+256"), where, "unexpected '+': numbers have no leading plus sign");
    expect_error(MEM("1."), where, "invalid literal '1.'");
    expect_error(MEM("-"), where, "invalid literal '-'");
    expect_error(MEM("1e"), where, "invalid literal '1e'");
    expect_error(MEM("12a"), where, "invalid literal '12a'");
    expect_error(MEM("0x10"), where, "invalid literal '0x10'");
#undef MEM
    expect_error(ONE("proxy") "\"max_head_bytes\": 255}}",
                 "t.json:1:68: proxy.max_head_bytes: ", "255 is out of range 256..1048576");
    expect_error(ONE("proxy") "\"retry_after_s\": 3601}}",
                 "t.json:1:67: proxy.retry_after_s: ", "3601 is out of range 0..3600");
    expect_error(ONE("sandbox") "\"uid_base\": 999}}",
                 "t.json:1:64: sandbox.uid_base: ", "999 is out of range 1000..4000000000");
    expect_error(ONE("sandbox") "\"open_files\": 7}}",
                 "t.json:1:66: sandbox.open_files: ", "out of range 8..4096");
    /* Limits are inclusive. */
    struct zerg_config cfg;
    char err[256];
    zerg_config_init(&cfg);
    const char *ok = ONE("proxy") "\"max_head_bytes\": 1048576, \"head_timeout_ms\": 10}}";
    CU_ASSERT_EQUAL(parse_text(&cfg, ok, strlen(ok), err, sizeof err), 0);
    CU_ASSERT_EQUAL(cfg.proxy.max_head_bytes, 1048576);
    CU_ASSERT_EQUAL(cfg.proxy.head_timeout_ms, 10);
    zerg_config_dispose(&cfg);
}

static void test_enums_and_names(void)
{
    expect_error(ONE("proxy") "\"handoff\": \"socket\"}}",
                 "t.json:1:61: proxy.handoff: ", "'socket' is not one of \"fd\", \"forward\"");
    expect_error(ONE("proxy") "\"handoff\": \"FD\"}}",
                 "t.json:1:61: proxy.handoff: ", "is not one of");
    expect_error(ONE("sandbox") "\"netns\": \"private\"}}", "t.json:1:61: sandbox.netns: ",
                 "'private' is not one of \"shared\", \"per-instance\"");
    expect_error(ONE("backend") "\"type\": \"kvm\"}}",
                 "t.json:1:60: backend.type: ", "'kvm' is not one of \"process\", \"xen\"");
    expect_error(ONE("daemon") "\"log_level\": \"verbose\"}}", "t.json:1:64: daemon.log_level: ",
                 "'verbose' is not one of \"debug\", \"info\", \"warn\", \"error\"");
    const char *name_where = "t.json:1:57: daemon.id: ";
    expect_error(ONE("daemon") "\"id\": \"\"}}", name_where,
                 "'' must be 1 to 32 characters of [A-Za-z0-9_-]");
    expect_error(ONE("daemon") "\"id\": \"a b\"}}", name_where, "'a b' must be 1 to 32");
    expect_error(ONE("daemon") "\"id\": \"../x\"}}", name_where, "must be 1 to 32");
    expect_error(ONE("daemon") "\"id\": \"abcdefghijklmnopqrstuvwxyz0123456\"}}", name_where,
                 "must be 1 to 32");
    expect_error(ONE("daemon") "\"id\": \"caf\\u00e9\"}}", name_where, "'caf\xC3\xA9' must be");
    const char *profile_where = "t.json:1:42: guest.profile: ";
    expect_error("{\"guest\": {\"command\": [\"/g\"], \"profile\": \"Fixture\"}}", profile_where,
                 "'Fixture' must be 1 to 32 characters of [a-z0-9_-]");
    expect_error("{\"guest\": {\"command\": [\"/g\"], \"profile\": \"a.b\"}}", profile_where,
                 "must be 1 to 32");
    /* 32 characters is the longest name. */
    struct zerg_config cfg;
    char err[256];
    zerg_config_init(&cfg);
    const char *ok = ONE("daemon") "\"id\": \"abcdefghijklmnopqrstuvwxyz012345\"}}";
    CU_ASSERT_EQUAL(parse_text(&cfg, ok, strlen(ok), err, sizeof err), 0);
    CU_ASSERT_EQUAL(strlen(cfg.daemon.id), 32);
    zerg_config_dispose(&cfg);
}

static void test_string_escapes(void)
{
    /* The opening quote of xen.cmdline is at column 59, its first character at 60. */
#define CMD(v) ONE("xen") "\"cmdline\": \"" v "\"}}"
    expect_error(CMD("a\\x41"), "t.json:1:61: xen.cmdline: ", "invalid escape '\\x'");
    expect_error(CMD("\\'"), "t.json:1:60: xen.cmdline: ", "invalid escape '\\''");
    expect_error(CMD("ab\\u12"),
                 "t.json:1:62: xen.cmdline: ", "invalid \\u escape: four hex digits");
    expect_error(CMD("\\u12G4"), "t.json:1:60: xen.cmdline: ", "invalid \\u escape");
    expect_error(CMD("x\\uD83D"), "t.json:1:61: xen.cmdline: ", "lone high surrogate \\uD83D");
    expect_error(CMD("\\uD83Dx\\uDE00"), "t.json:1:60: xen.cmdline: ", "lone high surrogate");
    expect_error(CMD("\\uD83D\\u0041"), "t.json:1:60: xen.cmdline: ", "lone high surrogate");
    expect_error(CMD("ab\\uDE00"), "t.json:1:62: xen.cmdline: ", "lone low surrogate \\uDE00");
    expect_error(CMD("a\\u0000b"), "t.json:1:61: xen.cmdline: ", "\\u0000 is not allowed");
    expect_error(CMD("tab\there"), "t.json:1:63: xen.cmdline: ", "raw control character U+0009");
    expect_error(CMD("line\nbreak"), "t.json:1:64: xen.cmdline: ", "raw control character U+000A");
    /* Invalid UTF-8 is refused wherever it is, at the offending byte. */
    expect_error(CMD("ok\xC3("), "t.json:1:62: (top level): ", "invalid UTF-8 (byte 0xC3)");
    expect_error(CMD("\xC0\xAF"),
                 "t.json:1:60: (top level): ", "invalid UTF-8 (byte 0xC0)"); /* overlong */
    expect_error(CMD("\xED\xA0\x80"),
                 "t.json:1:60: (top level): ", "invalid UTF-8 (byte 0xED)"); /* surrogate */
    expect_error(CMD("\xF4\x90\x80\x80"),
                 "t.json:1:60: (top level): ", "invalid UTF-8"); /* > 10FFFF */
    expect_error(CMD("\x80"), "t.json:1:60: (top level): ", "invalid UTF-8 (byte 0x80)");
    /* Columns count characters: 'é' is one column. */
    expect_error("{\"guest\": {\"command\": [\"/\xC3\xA9\", \"\\q\"]}}",
                 "t.json:1:31: ", "invalid escape '\\q'");
    /* Keys are decoded and checked too. */
    expect_error("{\"gu\\zest\": {}}", "t.json:1:5: ", "invalid escape '\\z'");

    /* Every valid escape decodes to the right bytes. */
    struct zerg_config cfg;
    char err[256] = "";
    zerg_config_init(&cfg);
    const char *ok =
        CMD("q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u20AC\\uD83D\\uDE00 raw\xE2\x82\xAC");
    CU_ASSERT_EQUAL_FATAL(parse_text(&cfg, ok, strlen(ok), err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(cfg.xen.cmdline, "q\" b\\ s/ \b\f\n\r\t A\xC3\xA9\xE2\x82\xAC"
                                            "\xF0\x9F\x98\x80 raw\xE2\x82\xAC");
    zerg_config_dispose(&cfg);
#undef CMD
}

static void test_listen_addresses(void)
{
    /* ONE("proxy") "\"listen\": " puts the value at column 59. */
#define PL(v) ONE("proxy") "\"listen\": \"" v "\"}}"
    const char *where = "t.json:1:60: proxy.listen: ";
    expect_error(PL("localhost:8080"), where, "'localhost' is not a numeric IPv4 address");
    expect_error(PL("127.0.0.1"), where, "expected \"IPv4:port\" or \"[IPv6]:port\"");
    expect_error(PL("127.0.0.1:"), where, "the port must be a number from 1 to 65535");
    expect_error(PL("127.0.0.1:0"), where, "from 1 to 65535");
    expect_error(PL("127.0.0.1:65536"), where, "from 1 to 65535");
    expect_error(PL("127.0.0.1:080"), where, "from 1 to 65535");
    expect_error(PL("127.0.0.1:+80"), where, "from 1 to 65535");
    expect_error(PL("127.0.0.1:http"), where, "from 1 to 65535");
    expect_error(PL("127.1:80"), where, "'127.1' is not a numeric IPv4 address");
    expect_error(PL("::1:8080"), where, "an IPv6 address goes in brackets");
    expect_error(PL("[::1]8080"), where, "expected \"[IPv6]:port\"");
    expect_error(PL("[::1:8080"), where, "expected \"[IPv6]:port\"");
    expect_error(PL("[127.0.0.1]:80"), where, "is not a numeric IPv6 address");
    expect_error(PL("[fe80::1%eth0]:80"), where, "is not a numeric IPv6 address");
    expect_error(PL(""), where, "expected \"IPv4:port\"");
#undef PL
    expect_error(ONE("admin") "\"listen\": \"127.0.0.1:65536\"}}",
                 "t.json:1:60: admin.listen: ", "from 0 to 65535 (0 disables the listener)");

    struct zerg_config cfg;
    char err[256] = "";
    zerg_config_init(&cfg);
    const char *ok = ONE("proxy") "\"listen\": \"[0:0::0:1]:443\"}, \"admin\": {\"listen\": "
                                  "\"127.3.2.1:0\"}}";
    CU_ASSERT_EQUAL(parse_text(&cfg, ok, strlen(ok), err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(cfg.proxy.listen.host, "::1"); /* normalized */
    CU_ASSERT_EQUAL(cfg.proxy.listen.port, 443);
    CU_ASSERT_STRING_EQUAL(cfg.admin.listen.host, "127.3.2.1");
    CU_ASSERT_EQUAL(cfg.admin.listen.port, 0);
    zerg_config_dispose(&cfg);
}

static void test_cross_fields(void)
{
    struct zerg_config cfg;
    char err[256] = "";
    zerg_config_init(&cfg);

    /* The admin API beyond loopback needs allow_remote. */
    expect_error(ONE("admin") "\"listen\": \"0.0.0.0:8081\"}}",
                 "t.json:1:60: admin.listen: ", "0.0.0.0 is not a loopback address");
    expect_error(ONE("admin") "\"listen\": \"[::]:8081\", \"allow_remote\": false}}",
                 "t.json:1:60: admin.listen: ", ":: is not a loopback address");
    expect_error(ONE("admin") "\"listen\": \"10.1.2.3:8081\"}}",
                 "t.json:1:60: admin.listen: ", "allow_remote");
    const char *ok = ONE("admin") "\"listen\": \"10.1.2.3:8081\", \"allow_remote\": true}}";
    CU_ASSERT_EQUAL(parse_text(&cfg, ok, strlen(ok), err, sizeof err), 0);
    ok = ONE("admin") "\"listen\": \"0.0.0.0:0\"}}"; /* disabled: no listener, no rule */
    CU_ASSERT_EQUAL(parse_text(&cfg, ok, strlen(ok), err, sizeof err), 0);
    ok = ONE("admin") "\"listen\": \"127.255.0.1:9\"}, \"proxy\": {\"listen\": \"0.0.0.0:80\"}}";
    CU_ASSERT_EQUAL(parse_text(&cfg, ok, strlen(ok), err, sizeof err), 0);

    /* Proxy and admin may not share an address. */
    expect_error(ONE("admin") "\"listen\": \"127.0.0.1:8080\"}}",
                 "t.json:1:60: admin.listen: ", "same address and port");
    expect_error(ONE("proxy") "\"listen\": \"127.0.0.1:8081\"}}",
                 "t.json:1:60: proxy.listen: ", "same address and port");

    /* Watermarks: low below high. */
    expect_error(ONE("proxy") "\"low_watermark\": 4096, \"high_watermark\": 4096}}",
                 "t.json:1:67: proxy.low_watermark: ",
                 "low_watermark (4096) must be below high_watermark (4096)");
    expect_error(ONE("proxy") "\"high_watermark\": 4096}}", "t.json:1:68: proxy.high_watermark: ",
                 "low_watermark (65536) must be below high_watermark (4096)");

    /* The guest command is required and names a program. */
    expect_error("{}", "t.json:1:1: guest.command: ", "required");
    expect_error("{\"daemon\": {},\n \"guest\": {}}", "t.json:2:11: guest.command: ", "required");
    expect_error("{\"guest\": {\"command\": []}}",
                 "t.json:1:23: guest.command: ", "must name at least the program");
    expect_error("{\"guest\": {\"command\": [\"\"]}}",
                 "t.json:1:24: guest.command[0]: ", "the program must not be empty");

    /* The xen backend needs a kernel. */
    expect_error(ONE("backend") "\"type\": \"xen\"}}",
                 "t.json:1:60: backend.type: ", "\"xen\" needs xen.kernel");
    ok = ONE("backend") "\"type\": \"xen\"}, \"xen\": {\"kernel\": \"vm.gz\"}}";
    CU_ASSERT_EQUAL(parse_text(&cfg, ok, strlen(ok), err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cfg.xen.kernel, "/vm.gz"));
    CU_ASSERT_EQUAL(cfg.xen.kernel[0], '/');

    /* Paths are not empty. */
    expect_error(ONE("daemon") "\"state_dir\": \"\"}}",
                 "t.json:1:64: daemon.state_dir: ", "must not be empty");
    zerg_config_dispose(&cfg);
}

static void test_sandbox(void)
{
    expect_error(ONE("sandbox") "\"optional\": [\"pidns\", \"chroot\"]}}",
                 "t.json:1:74: sandbox.optional[1]: ",
                 "unknown sandbox piece 'chroot' (pieces: session, pdeathsig, close_fds, pidns,");
    expect_error(ONE("sandbox") "\"optional\": [\"netns\"], \"off\": [\"uid\", \"netns\"]}}",
                 "t.json:1:90: sandbox.off[1]: ",
                 "'netns' is also listed in sandbox.optional (at 1:65): a piece is either "
                 "optional or off");
    expect_error(ONE("sandbox") "\"off\": [\"seccomp\"], \"optional\": [\"seccomp\"]}}",
                 "t.json:1:85: sandbox.optional[0]: ", "also listed in sandbox.off (at 1:60)");
    expect_error(ONE("sandbox") "\"off\": [\"uid\", \"uid\"]}}",
                 "t.json:1:67: sandbox.off[1]: ", "'uid' is listed twice (first at 1:60)");
    expect_error(ONE("sandbox") "\"off\": [\"UID\"]}}",
                 "t.json:1:60: sandbox.off[0]: ", "unknown sandbox piece 'UID'");
    expect_error(ONE("sandbox") "\"off\": \"uid\"}}",
                 "t.json:1:59: sandbox.off: ", "expected an array, found a string");

    /* Every piece name of sandbox_pieces.def is accepted. */
    char json[1024];
    size_t o = (size_t)snprintf(json, sizeof json, "%s", ONE("sandbox") "\"off\": [");
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++)
        o += (size_t)snprintf(json + o, sizeof json - o, "%s\"%s\"", p ? ", " : "",
                              zerg_sandbox_piece_name((enum zerg_sandbox_piece)p));
    snprintf(json + o, sizeof json - o, "]}}");
    struct zerg_config cfg;
    char err[256] = "";
    zerg_config_init(&cfg);
    CU_ASSERT_EQUAL(parse_text(&cfg, json, strlen(json), err, sizeof err), 0);
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++)
        CU_ASSERT_EQUAL(cfg.sandbox.pieces[p], ZERG_PIECE_OFF);
    zerg_config_dispose(&cfg);
}

static void test_guest_env(void)
{
#define ENV(v) "{\"guest\": {\"command\": [\"/g\"], \"env\": [" v "]}}"
    expect_error(ENV("\"NOEQUALS\""), "t.json:1:39: guest.env[0]: ", "'NOEQUALS' is not KEY=VALUE");
    expect_error(ENV("\"A=1\", \"=x\""), "t.json:1:46: guest.env[1]: ", "is not KEY=VALUE");
    expect_error(ENV("\"1A=x\""), "t.json:1:39: guest.env[0]: ", "is not KEY=VALUE");
    expect_error(ENV("\"A-B=x\""), "t.json:1:39: guest.env[0]: ", "is not KEY=VALUE");
    expect_error(ENV("\"A=1\", \"B=2\", \"A=3\""), "t.json:1:53: guest.env[2]: ", "A is set twice");
    expect_error(ENV("1"), "t.json:1:39: guest.env[0]: ", "expected a string, found a number");
#undef ENV
}

static void test_load(void)
{
    struct zerg_config cfg;
    char err[512] = "";
    zerg_config_init(&cfg);

    CU_ASSERT_EQUAL(zerg_config_load(&cfg, "/nonexistent/zerg.json", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "/nonexistent/zerg.json: cannot read: No such file or directory");
    assert_defaults(&cfg);
    CU_ASSERT_EQUAL(zerg_config_load(&cfg, "/tmp", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "/tmp: cannot read: not a regular file");

    /* A file with an error names itself and the position. */
    char path[] = "/tmp/zerg-config-test-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    const char *bad =
        "{\n  \"guest\": {\"command\": [\"g\"]},\n  \"limits\": {\"memory_mb\": 0}\n}\n";
    CU_ASSERT_EQUAL(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    char want[256];
    snprintf(want, sizeof want, "%s:3:27: limits.memory_mb: 0 is out of range 1..1048576", path);
    CU_ASSERT_EQUAL(zerg_config_load(&cfg, path, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, want);
    assert_defaults(&cfg);
    /* A file over 1 MiB is refused before parsing. */
    CU_ASSERT_EQUAL(truncate(path, 1024 * 1024 + 1), 0);
    CU_ASSERT_EQUAL(zerg_config_load(&cfg, path, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "too large"));
    unlink(path);
    zerg_config_dispose(&cfg);
}

/* The configuration `make run` uses is valid and says what docs/config.md says it does. */
static void test_local_json(void)
{
    const char *root = getenv("ZERG_ROOT");
    char rootbuf[PATH_MAX], path[PATH_MAX + 32], want[PATH_MAX + 64];
    if (!root || !*root)
        root = getcwd(rootbuf, sizeof rootbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(root, rootbuf));
    snprintf(path, sizeof path, "%s/configs/local.json", rootbuf);

    struct zerg_config cfg;
    char err[512] = "";
    zerg_config_init(&cfg);
    int rc = zerg_config_load(&cfg, path, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "configs/local.json: %s\n", err);
    CU_ASSERT_STRING_EQUAL(cfg.proxy.listen.host, "127.0.0.1");
    CU_ASSERT_EQUAL(cfg.proxy.listen.port, 8080);
    CU_ASSERT_STRING_EQUAL(cfg.admin.listen.host, "127.0.0.1");
    CU_ASSERT_EQUAL(cfg.admin.listen.port, 8081);
    CU_ASSERT_STRING_EQUAL(cfg.backend.type, "process");
    /* make run serves zerg_web with zvm (issue 4): the static zvm, its image, profile zvm */
    CU_ASSERT_STRING_EQUAL(cfg.guest.profile, "zvm");
    CU_ASSERT_FATAL(cfg.guest.argc > 1);
    snprintf(want, sizeof want, "%s/build/bin/zvm-static", rootbuf);
    CU_ASSERT_STRING_EQUAL(cfg.guest.argv[0], want);
    snprintf(want, sizeof want, "%s/build/images/zvm", rootbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg.guest.image);
    CU_ASSERT_STRING_EQUAL(cfg.guest.image, want);
    snprintf(want, sizeof want, "%s/build/run/state", rootbuf);
    CU_ASSERT_STRING_EQUAL(cfg.daemon.state_dir, want);
    zerg_config_dispose(&cfg);
}

/* Reads ZERG_ROOT/rel (or ./rel) into a malloc'd NUL-terminated buffer, NULL on failure. */
static char *read_repo_file(const char *rel, char *path, size_t pathlen)
{
    const char *root = getenv("ZERG_ROOT");
    snprintf(path, pathlen, "%s/%s", root && *root ? root : ".", rel);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1024 * 1024);
    size_t n = buf ? fread(buf, 1, 1024 * 1024 - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* docs/config.md: its complete example parses, and its table of sandbox pieces is the one of
 * sandbox_pieces.def, row for row. */
static void test_docs(void)
{
    char path[PATH_MAX];
    char *doc = read_repo_file("docs/config.md", path, sizeof path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    char *start = strstr(doc, "```json\n");
    char *end = start ? strstr(start, "\n```") : NULL;
    CU_ASSERT_PTR_NOT_NULL(end);
    if (end) {
        start += strlen("```json\n");
        struct zerg_config cfg;
        char err[512] = "";
        zerg_config_init(&cfg);
        int rc =
            zerg_config_parse(&cfg, start, (size_t)(end - start), "config.md", err, sizeof err);
        CU_ASSERT_EQUAL(rc, 0);
        if (rc != 0)
            fprintf(stderr, "docs/config.md example: %s\n", err);
        CU_ASSERT_STRING_EQUAL(cfg.daemon.id, "edge-1");
        zerg_config_dispose(&cfg);
    }
    const char *table = strstr(doc, "| piece | what it does |\n|---|---|\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(table);
    table = strchr(strchr(table, '\n') + 1, '\n') + 1;
    for (int p = 0; p < ZERG_SANDBOX_NPIECES; p++) {
        char row[256];
        snprintf(row, sizeof row, "| `%s` | %s |\n", zerg_sandbox_piece_name(p),
                 zerg_sandbox_piece_what(p));
        bool same = strncmp(table, row, strlen(row)) == 0;
        CU_ASSERT_TRUE(same);
        if (!same) {
            fprintf(stderr, "docs/config.md: expected the row %s", row);
            break;
        }
        table += strlen(row);
    }
    CU_ASSERT_EQUAL(*table, '\n'); /* no row more than the pieces */
    free(doc);
}

void unit_register_config(void)
{
    UNIT_SUITE("config", UNIT_TEST(test_piece_names), UNIT_TEST(test_defaults),
               UNIT_TEST(test_full_config), UNIT_TEST(test_no_filename),
               UNIT_TEST(test_malformed_json), UNIT_TEST(test_duplicate_keys),
               UNIT_TEST(test_unknown_keys), UNIT_TEST(test_wrong_types), UNIT_TEST(test_integers),
               UNIT_TEST(test_enums_and_names), UNIT_TEST(test_string_escapes),
               UNIT_TEST(test_listen_addresses), UNIT_TEST(test_cross_fields),
               UNIT_TEST(test_sandbox), UNIT_TEST(test_guest_env), UNIT_TEST(test_load),
               UNIT_TEST(test_local_json), UNIT_TEST(test_docs));
}
