# zerg-serve.dom0-test.sh: `zerg serve` with the xen backend in dom0 (sourced by dom0-tests.sh,
# whose helpers it uses). The daemon runs /zerg/zerg-xen.json: proxy on 127.0.0.1:8080 with
# forward hand-off over vchan, admin on 127.0.0.1:8081, the test guest as kernel.
#   zerg-serve-up         the daemon starts and /metrics answers
#   zerg-serve-N          connection N is answered 200 by an instance of its own
#                         (X-Zerg-Instance differs from every earlier one)
#   zerg-serve-distinct   N connections, N distinct instances
#   zerg-serve-reaped     afterwards no domain is left but Domain-0
#   zerg-serve-stop       SIGTERM stops the daemon cleanly (exit 0) within 15 s
zerg_serve_tests() {
    mkdir -p /run/zerg-state
    /zerg/zerg serve -c /zerg/zerg-xen.json >/tmp/zerg.log 2>&1 &
    zpid=$!
    if ! wait_for '/zerg/zerg-xen-http-get 8081 /metrics 2000 >/tmp/metrics 2>/dev/null' 1500; then
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
            # The daemon's own account of it, for the serial log.
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
    if wait_for '[ "$(xl list | wc -l)" = 2 ]' 1500; then
        echo "PASS: zerg-serve-reaped"
    else
        echo "FAIL: zerg-serve-reaped: left behind: $(xl list | awk 'NR > 2 { printf "%s(%s) ", $1, $2 }')"
    fi
    kill -TERM $zpid
    n=0
    while kill -0 $zpid 2>/dev/null && [ $n -lt 150 ]; do
        usleep 100000
        n=$((n + 1))
    done
    if kill -0 $zpid 2>/dev/null; then
        echo "FAIL: zerg-serve-stop: still running 15 s after SIGTERM"
        kill -9 $zpid
    elif wait $zpid; then
        echo "PASS: zerg-serve-stop"
    else
        echo "FAIL: zerg-serve-stop: exit status $?: $(tail -n 2 /tmp/zerg.log | tr '\n' ' ')"
    fi
    grep -c 'event=instance' /tmp/zerg.log | sed 's/^/TIME: zerg log lines event=instance: /'
}
if [ "${zerg_serve:-0}" = 1 ]; then
    zerg_serve_tests
else
    echo "SKIP: zerg-serve: off until spawner/backend_xen.c passes the request prefix to the" \
        "vchan (evbuffer_add to a bufferevent's frozen input); ZERG_XEN_SERVE_TEST=1 runs it"
fi
