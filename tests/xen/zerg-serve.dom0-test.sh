# zerg-serve.dom0-test.sh: `zerg serve` with the xen backend in dom0 (sourced by dom0-tests.sh,
# whose helpers it uses). The daemon runs /zerg/zerg-xen.json (proxy on 127.0.0.1:8080 with
# forward hand-off over vchan, admin on 127.0.0.1:8081, the test guest as kernel) or a variant
# of it made with sed below.
#   zerg-serve-up         the daemon starts and /metrics answers
#   zerg-serve-N          connection N is answered 200 by an instance of its own
#                         (X-Zerg-Instance differs from every earlier one)
#   zerg-serve-distinct   N connections, N distinct instances
#   zerg-serve-reaped     afterwards no domain is left but Domain-0
#   zerg-serve-stop       SIGTERM stops the daemon cleanly (exit 0) within 15 s
#   zerg-never-ready      a guest that never reports ready: 502 at boot_timeout_ms, counted as
#                         boot_timeout, its domain destroyed
#   zerg-guest-crash      a guest that crashes after ready: no 200, counted as a crash exit,
#                         its domain reaped
#   zerg-orphans          after kill -9, a restarted daemon destroys the domain it had left,
#                         and not a domain it did not create
#   zerg-bad-kernel       a kernel image that does not exist: a clear error, nothing created
#   zerg-bad-memory       more memory than the machine has: 502, nothing left half-created
zcfg=/tmp/zerg-variant.json

# variant KEY=VALUE...: writes $zcfg from zerg-xen.json with cmdline, boot_timeout, kernel or
# memory replaced.
variant() {
    cp /zerg/zerg-xen.json "$zcfg"
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        case $k in
        cmdline) sed -i "s|\"cmdline\": \"\"|\"cmdline\": \"$v\"|" "$zcfg" ;;
        boot) sed -i "s|\"boot_timeout_ms\": [0-9]*|\"boot_timeout_ms\": $v|" "$zcfg" ;;
        kernel) sed -i "s|\"kernel\": \"[^\"]*\"|\"kernel\": \"$v\"|" "$zcfg" ;;
        memory) sed -i "s|\"memory_mb\": 32|\"memory_mb\": $v|g" "$zcfg" ;;
        esac
    done
}

# start_zerg CONFIG: starts the daemon ($zpid) and waits for /metrics; 1 if it never answers
# or the daemon exits first.
start_zerg() {
    mkdir -p /run/zerg-state
    /zerg/zerg serve -c "$1" >>/tmp/zerg.log 2>&1 &
    zpid=$!
    wait_for '! kill -0 $zpid 2>/dev/null ||
        /zerg/zerg-xen-http-get 8081 /metrics 2000 >/tmp/metrics 2>/dev/null' 1500 &&
        kill -0 $zpid 2>/dev/null
}

# stop_zerg: SIGTERM, then up to 15 s for a clean exit; its status in $zstatus (137: killed).
stop_zerg() {
    kill -TERM $zpid 2>/dev/null
    n=0
    while kill -0 $zpid 2>/dev/null && [ $n -lt 150 ]; do
        usleep 100000
        n=$((n + 1))
    done
    if kill -0 $zpid 2>/dev/null; then
        kill -9 $zpid
        wait $zpid 2>/dev/null
        zstatus=137
    else
        wait $zpid
        zstatus=$?
    fi
}

# metric 'NAME{LABELS}': its value on /metrics now (empty if absent).
metric() {
    /zerg/zerg-xen-http-get 8081 /metrics 2000 2>/dev/null | tr -d '\r' |
        awk -v m="$1" '$1 == m { print $2; exit }'
}

only_dom0() { [ "$(xl list | wc -l)" = 2 ]; }
zerg_domains() { xl list | awk 'NR > 1 && $1 ~ /^zerg-xenharness-/ { print $2 }'; }

zerg_serve_tests() {
    if ! start_zerg /zerg/zerg-xen.json; then
        echo "FAIL: zerg-serve-up: /metrics never answered: $(tail -n 3 /tmp/zerg.log | tr '\n' ' ')"
        kill -9 $zpid 2>/dev/null
        return
    fi
    echo "PASS: zerg-serve-up"
    seen=" "
    distinct=0
    i=1
    while [ $i -le "$cycles" ]; do
        t0=$(now)
        if ! /zerg/zerg-xen-http-get 8080 / 15000 >/tmp/zhead-$i 2>/tmp/zerr-$i; then
            echo "FAIL: zerg-serve-$i: request failed: $(tr '\r\n' '  ' </tmp/zerr-$i | cut -c1-160)"
            # The daemon's and the guest's own account of it, for the serial log.
            if [ $i = 1 ]; then
                tail -n 25 /tmp/zerg.log | sed 's/^/zerg.log: /'
                cat "$consoles"/guest-zerg-xenharness-*.log 2>/dev/null | sed 's/^/guest: /'
            fi
            i=$((i + 1))
            continue
        fi
        t1=$(now)
        id=$(tr -d '\r' </tmp/zhead-$i | sed -n 's/^X-Zerg-Instance: *//p' | head -n 1)
        if ! head -n 1 /tmp/zhead-$i | grep -q '^HTTP/1.1 200 '; then
            echo "FAIL: zerg-serve-$i: not a 200: $(head -n 1 /tmp/zhead-$i)"
        elif [ -z "$id" ]; then
            echo "FAIL: zerg-serve-$i: no X-Zerg-Instance header"
        elif echo "$seen" | grep -q " $id "; then
            echo "FAIL: zerg-serve-$i: instance $id answered twice"
        else
            seen="$seen$id "
            distinct=$((distinct + 1))
            echo "PASS: zerg-serve-$i"
            echo "TIME: zerg serve $i: request=$(ms $t0 $t1)ms"
        fi
        i=$((i + 1))
    done
    if [ "$distinct" = "$cycles" ]; then
        echo "PASS: zerg-serve-distinct"
    else
        echo "FAIL: zerg-serve-distinct: $distinct distinct instances for $cycles connections"
    fi
    if wait_for only_dom0 1500; then
        echo "PASS: zerg-serve-reaped"
    else
        echo "FAIL: zerg-serve-reaped: left behind: $(xl list | awk 'NR > 2 { printf "%s(%s) ", $1, $2 }')"
    fi
    stop_zerg
    if [ "$zstatus" = 0 ]; then
        echo "PASS: zerg-serve-stop"
    else
        echo "FAIL: zerg-serve-stop: exit status $zstatus: $(tail -n 2 /tmp/zerg.log | tr '\n' ' ')"
    fi
}

never_ready() {
    variant cmdline=zerg.test=never-ready boot=3000
    start_zerg "$zcfg" || { echo "FAIL: zerg-never-ready: daemon did not start"; stop_zerg; return; }
    /zerg/zerg-xen-http-get 8080 / 20000 >/tmp/znr 2>&1
    wait_for only_dom0 1000
    n=$(metric 'zerg_errors_total{kind="boot_timeout"}')
    if ! head -n 1 /tmp/znr | grep -q '^HTTP/1.1 502 '; then
        echo "FAIL: zerg-never-ready: expected a 502, got: $(head -n 1 /tmp/znr)"
    elif [ "$n" != 1 ]; then
        echo "FAIL: zerg-never-ready: zerg_errors_total{kind=\"boot_timeout\"} is '$n', not 1;" \
            "$(grep 'reason=' /tmp/zerg.log | tail -n 1 | cut -c1-200)"
    elif ! only_dom0; then
        echo "FAIL: zerg-never-ready: its domain was not destroyed: $(zerg_domains)"
    else
        echo "PASS: zerg-never-ready"
    fi
    stop_zerg
}

guest_crash() {
    variant cmdline=zerg.test=crash-after-ready
    start_zerg "$zcfg" || { echo "FAIL: zerg-guest-crash: daemon did not start"; stop_zerg; return; }
    /zerg/zerg-xen-http-get 8080 / 20000 >/tmp/zcr 2>&1
    wait_for only_dom0 1000
    n=$(metric 'zerg_instance_exits_total{how="crash"}')
    if head -n 1 /tmp/zcr | grep -q '^HTTP/1.1 200 '; then
        echo "FAIL: zerg-guest-crash: a crashing guest's request was answered 200"
    elif [ "$n" != 1 ]; then
        echo "FAIL: zerg-guest-crash: zerg_instance_exits_total{how=\"crash\"} is '$n', not 1"
    elif ! only_dom0; then
        echo "FAIL: zerg-guest-crash: its domain was not reaped: $(zerg_domains)"
    else
        echo "PASS: zerg-guest-crash"
    fi
    stop_zerg
}

orphans() {
    variant cmdline=zerg.test=never-ready boot=60000
    start_zerg "$zcfg" || { echo "FAIL: zerg-orphans: daemon did not start"; stop_zerg; return; }
    /zerg/zerg-xen-http-get 8080 / 30000 >/dev/null 2>&1 &
    client=$!
    if ! wait_for '[ -n "$(zerg_domains)" ]' 2000; then
        echo "FAIL: zerg-orphans: no instance domain appeared"
        kill $client 2>/dev/null
        stop_zerg
        return
    fi
    old=$(zerg_domains | head -n 1)
    kill -9 $zpid
    wait $zpid 2>/dev/null
    kill $client 2>/dev/null
    echo "--- daemon restarted after kill -9 ---" >>/tmp/zerg.log
    # A domain this daemon did not create, alive while it restarts.
    xl create -q -p "$cfg" 'name="bystander"' >/dev/null 2>&1
    by=$(xl domid bystander)
    xenstore-write "/local/domain/$by/data/zerg/instance" bystander \
        "/local/domain/$by/data/zerg/linger_ms" 60000
    xl unpause "$by"
    if ! listed "$old"; then
        echo "FAIL: zerg-orphans: the orphan '$old' died with its daemon (nothing left to test):" \
            "$(xl list | awk 'NR > 1 { printf "%s(%s) ", $1, $2 }')"
    elif ! start_zerg "$zcfg"; then
        alive=no
        kill -0 $zpid 2>/dev/null && alive="yes, silent"
        echo "FAIL: zerg-orphans: the restarted daemon did not answer within 15 s (alive: $alive;" \
            "orphan $old listed: $(listed "$old" && echo yes || echo no); bystander $by listed:" \
            "$(listed "$by" && echo yes || echo no)): $(tail -n 2 /tmp/zerg.log | cut -c1-160 | tr '\n' ' ')"
    elif ! wait_for "! listed $old" 1000; then
        echo "FAIL: zerg-orphans: the restarted daemon left its orphan domain $old running"
    elif ! listed "$by"; then
        echo "FAIL: zerg-orphans: the restarted daemon destroyed a domain it did not create"
    else
        echo "PASS: zerg-orphans"
    fi
    stop_zerg
    # Whatever the outcome, leave nothing for the next case.
    for d in $by $(zerg_domains); do xl destroy "$d" 2>/dev/null; done
    wait_for only_dom0 1000
}

bad_kernel() {
    variant kernel=/zerg/no-such-kernel
    refused=0
    if start_zerg "$zcfg"; then
        /zerg/zerg-xen-http-get 8080 / 20000 >/tmp/zbk 2>&1
        outcome="answered: $(head -n 1 /tmp/zbk)"
        head -n 1 /tmp/zbk | grep -q '^HTTP/1.1 502 ' && refused=1
        stop_zerg
    else
        stop_zerg
        outcome="exit status $zstatus"
        [ "$zstatus" != 0 ] && refused=1
    fi
    if [ $refused = 0 ]; then
        echo "FAIL: zerg-bad-kernel: neither refused at start nor answered 502 ($outcome)"
    elif ! grep -q 'no-such-kernel' /tmp/zerg.log; then
        echo "FAIL: zerg-bad-kernel: the log does not name the missing kernel image ($outcome)"
    elif ! wait_for only_dom0 500; then
        echo "FAIL: zerg-bad-kernel: a domain was left half-created: $(zerg_domains)"
    else
        echo "PASS: zerg-bad-kernel"
        echo "TIME: zerg-bad-kernel: $outcome"
    fi
}

bad_memory() {
    variant memory=1048576
    start_zerg "$zcfg" || { echo "FAIL: zerg-bad-memory: daemon did not start"; stop_zerg; return; }
    /zerg/zerg-xen-http-get 8080 / 20000 >/tmp/zbm 2>&1
    if ! head -n 1 /tmp/zbm | grep -q '^HTTP/1.1 502 '; then
        echo "FAIL: zerg-bad-memory: expected a 502, got: $(head -n 1 /tmp/zbm)"
    elif ! wait_for only_dom0 1000; then
        echo "FAIL: zerg-bad-memory: a domain was left half-created: $(zerg_domains)"
    else
        echo "PASS: zerg-bad-memory"
    fi
    stop_zerg
}

if [ "${zerg_serve:-0}" = 1 ]; then
    : >/tmp/zerg.log
    zerg_serve_tests
    never_ready
    guest_crash
    orphans
    bad_kernel
    bad_memory
    grep -c 'event=instance' /tmp/zerg.log | sed 's/^/TIME: zerg log lines event=instance: /'
else
    echo "SKIP: zerg-serve: left out by ZERG_XEN_SERVE_TEST=0"
fi
