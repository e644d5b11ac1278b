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
#   zerg-metrics-burst    8 concurrent connections (8 domains created at once) while /metrics is
#                         polled every 50 ms: every poll answered within 1 s, every connection
#                         200, only Domain-0 left; prints the polls' latency max and the
#                         daemon's zerg_loop_lag_seconds (how late its 50 ms timer ran)
#   zerg-never-ready      a guest that never reports ready: 502 at boot_timeout_ms, counted as
#                         boot_timeout, its domain destroyed
#   zerg-guest-crash      a guest that crashes after ready: no 200, counted as a crash exit,
#                         its domain reaped
#   zerg-orphans          after kill -9, a restarted daemon destroys the domain it had left,
#                         and not a domain it did not create
#   zerg-bad-kernel       a kernel image that does not exist: a clear error, nothing created
#   zerg-bad-memory       more memory than the machine has: 502, nothing left half-created
# The prepared pool (xen.pool_size 2, xen.pool_mode from $pool_mode; in bench mode both modes
# run; the cases and cycle times of the running mode are named zerg-poolrun-* and poolrun):
#   zerg-pool-up          the daemon starts and prepares 2 domains (zerg_pool_domains ready)
#   zerg-pool-serve-N     with the pool full, connection N is answered 200 by an instance of
#                         its own
#   zerg-pool-hits        every one of those was a pool hit (zerg_pool_hits_total, no miss),
#                         served by distinct domains (the daemon's event=xen_domain lines)
#   zerg-pool-replace     a prepared domain destroyed from outside (xl destroy) is counted
#                         (zerg_pool_failures_total{kind="died"}) and replaced, and the pool
#                         still serves
#   zerg-pool-take-race   a prepared domain that dies as a request takes it: the request falls
#                         back to a cold domain (200), counted in
#                         zerg_pool_failures_total{kind="take_failed"} and logged. Made
#                         deterministic by stopping xenstored (SIGSTOP): the daemon takes a ready
#                         domain (zerg_pool_hits_total + 1; taking needs no xenstore) and cannot
#                         learn of a death (libxl's death watch is a xenstore watch); both prepared
#                         domains are crashed by hypercall (zerg-xen-crash); xenstored continues.
#   zerg-pool-stop        SIGTERM: exit 0, and only Domain-0 is left (the prepared domains are
#                         destroyed at the drain)
#   zerg-pool-orphans     after kill -9 with prepared domains alive, a restarted daemon (no
#                         pool) destroys them: they are recorded in its state directory
zcfg=/tmp/zerg-variant.json

# variant KEY=VALUE...: writes $zcfg from zerg-xen.json with cmdline, boot_timeout, kernel,
# memory, max_instances (max), per_client_max (clients), xen.pool_size (pool) or xen.pool_mode
# (poolmode) replaced.
variant() {
    cp /zerg/zerg-xen.json "$zcfg"
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        case $k in
        cmdline) sed -i "s|\"cmdline\": \"\"|\"cmdline\": \"$v\"|" "$zcfg" ;;
        boot) sed -i "s|\"boot_timeout_ms\": [0-9]*|\"boot_timeout_ms\": $v|" "$zcfg" ;;
        kernel) sed -i "s|\"kernel\": \"[^\"]*\"|\"kernel\": \"$v\"|" "$zcfg" ;;
        memory) sed -i "s|\"memory_mb\": 32|\"memory_mb\": $v|g" "$zcfg" ;;
        max) sed -i "s|\"max_instances\": [0-9]*|\"max_instances\": $v|" "$zcfg" ;;
        clients) sed -i "s|\"per_client_max\": [0-9]*|\"per_client_max\": $v|" "$zcfg" ;;
        pool) sed -i "s|\"pool_size\": [0-9]*|\"pool_size\": $v|" "$zcfg" ;;
        poolmode) sed -i "s|\"pool_mode\": \"[a-z]*\"|\"pool_mode\": \"$v\"|" "$zcfg" ;;
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

# lag_summary: count, sum and the smallest bucket bound holding every observation of
# zerg_loop_lag_seconds (an upper bound of the worst lag), from /metrics now.
lag_summary() {
    /zerg/zerg-xen-http-get 8081 /metrics 2000 2>/dev/null | tr -d '\r' | awk '
        $1 == "zerg_loop_lag_seconds_count" { n = $2 }
        $1 == "zerg_loop_lag_seconds_sum" { sum = $2 }
        $1 ~ /^zerg_loop_lag_seconds_bucket/ { b[++nb] = $1; c[nb] = $2 }
        END {
            for (i = 1; i <= nb; i++) if (c[i] == n) { le = b[i]; break }
            sub(/.*le="/, "", le); sub(/".*/, "", le)
            printf "count=%s sum=%ss worst<=%ss", n, sum, le
        }'
}

# metrics_burst: the burst case (see the header). The poller runs in a subshell and writes
# "polls failed max_us" to /tmp/burst-polls when /tmp/burst-done appears.
metrics_burst() {
    burst_n=8 # not n: wait_for counts with n
    variant max=$burst_n clients=$burst_n boot=60000
    rm -f /tmp/burst-done /tmp/burst-polls
    start_zerg "$zcfg" || { echo "FAIL: zerg-metrics-burst: daemon did not start"; stop_zerg; return; }
    lag_before=$(lag_summary)
    (
        polls=0 failed=0 max=0
        until [ -f /tmp/burst-done ]; do
            p0=$(now)
            /zerg/zerg-xen-http-get 8081 /metrics 1000 >/tmp/burst-metrics 2>&1 &&
                grep -q '^zerg_loop_lag_seconds_count' /tmp/burst-metrics || failed=$((failed + 1))
            p1=$(now)
            [ $((p1 - p0)) -gt $max ] && max=$((p1 - p0))
            polls=$((polls + 1))
            usleep 50000
        done
        echo "$polls $failed $max" >/tmp/burst-polls
    ) &
    poller=$!
    t0=$(now)
    pids=""
    k=1
    while [ $k -le $burst_n ]; do
        /zerg/zerg-xen-http-get 8080 / 60000 >/tmp/zburst-$k 2>&1 &
        pids="$pids $!"
        k=$((k + 1))
    done
    for p in $pids; do wait $p; done
    t1=$(now)
    touch /tmp/burst-done
    wait $poller
    ok=$(for k in $(seq 1 $burst_n); do head -n 1 /tmp/zburst-$k; done | grep -c '^HTTP/1.1 200 ')
    ids=$(for k in $(seq 1 $burst_n); do tr -d '\r' </tmp/zburst-$k | sed -n 's/^X-Zerg-Instance: *//p'; done |
        sort -u | wc -l)
    set -- $(cat /tmp/burst-polls 2>/dev/null) 0 0 0
    polls=$1 failed=$2 max_us=$3
    wait_for only_dom0 1500
    lag_after=$(lag_summary)
    echo "TIME: zerg metrics burst: $burst_n connections in $(ms $t0 $t1)ms; /metrics polls=$polls" \
        "failed=$failed latency max=$((max_us / 1000)).$(((max_us % 1000) / 100))ms"
    echo "TIME: zerg metrics burst: zerg_loop_lag_seconds before: $lag_before; after: $lag_after"
    grep 'event=xen_slow' /tmp/zerg.log | tail -n 12 | sed 's/^/TIME: zerg metrics burst: /'
    if [ "$polls" -lt 3 ] || [ "$failed" != 0 ]; then
        echo "FAIL: zerg-metrics-burst: $failed of $polls /metrics polls unanswered within 1 s"
    elif [ "$ok" != $burst_n ] || [ "$ids" != $burst_n ]; then
        echo "FAIL: zerg-metrics-burst: $ok of $burst_n connections answered 200 by $ids distinct instances:" \
            "$(head -n 1 /tmp/zburst-* | tr '\r\n' '  ' | cut -c1-200)"
        grep -v 'event=http\|state=requested' /tmp/zerg.log | tail -n 60 | sed 's/^/zerg.log: /'
    elif ! only_dom0; then
        echo "FAIL: zerg-metrics-burst: left behind: $(xl list | awk 'NR > 2 { printf "%s(%s) ", $1, $2 }')"
    else
        echo "PASS: zerg-metrics-burst"
    fi
    stop_zerg
}

# cycle_times FIRST_LINE IDS...: one "TIME: zerg cycle N: ..." line per instance id, from the
# daemon's own log lines after line FIRST_LINE of /tmp/zerg.log: the spawner's
# event=instance transitions (since_request_ms per state) and the backend's event=xen_domain
# line (create/unpause/destroy/gone). Phases: create (libxl_domain_create_new), unpause
# (watches set + unpause), ready (unpause -> data/zerg/ready seen), serve (ready -> guest
# powered off: hand-off, request, answer), destroy (exited -> reaped: libxl destroy and the wait
# until the domain is no longer listed), total (requested -> reaped), and client: the whole
# request as the client in dom0 saw it, connect to the end of the answer (/tmp/zclient-times).
#
# With a kind first (pooled, poolrun: instances given a prepared domain, by xen.pool_mode paused
# or running) the phases are: take (the spare taken,
# its readiness watch and parameters written, unpaused when it was paused: assign_ms), ready
# (from there to readiness seen), serve, destroy, total, client; create is not in the cycle.
cycle_times() {
    kind=zerg
    case $1 in
    [a-z]*)
        kind=$1
        shift
        ;;
    esac
    from=$1
    shift
    tail -n +"$from" /tmp/zerg.log | awk -v want=" $* " -v kind=$kind '
        BEGIN { while ((getline l < "/tmp/zclient-times") > 0) { split(l, f, " "); cl[f[1]] = f[2] } }
        function field(k,    i, kv) {
            for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
            return ""
        }
        / event=instance / { id = field("id"); st[id, field("state")] = field("since_request_ms") }
        / event=xen_domain / {
            id = field("id"); cr[id] = field("create_ms"); up[id] = field("unpause_ms")
            as[id] = field("assign_ms"); pool[id] = field("pool")
        }
        END {
            n = split(want, ids, " ")
            for (i = 1; i <= n; i++) {
                id = ids[i]
                if (st[id, "reaped"] == "" || cr[id] == "") continue
                b = st[id, "booting"]
                if (kind != "zerg") {
                    if (pool[id] != "hit") continue
                    printf "TIME: %s cycle %d: take=%.1fms ready=%.1fms", kind, i, as[id],
                        st[id, "ready"] - b - as[id]
                } else {
                    printf "TIME: zerg cycle %d: create=%.1fms unpause=%.1fms ready=%.1fms", i,
                        cr[id], up[id], st[id, "ready"] - b - cr[id] - up[id]
                }
                printf " serve=%.1fms destroy=%.1fms total=%.1fms client=%sms\n",
                    st[id, "exited"] - st[id, "ready"], st[id, "reaped"] - st[id, "exited"],
                    st[id, "reaped"], cl[id]
            }
        }'
}

# all_reaped: every instance the daemon started has been reaped (one /metrics read).
all_reaped() {
    /zerg/zerg-xen-http-get 8081 /metrics 2000 2>/dev/null | tr -d '\r' | awk '
        $1 == "zerg_instances_started_total" { s = $2 }
        $1 == "zerg_instances_reaped_total" { r = $2 }
        END { exit !(s != "" && s == r) }'
}

only_dom0() { [ "$(xl list | wc -l)" = 2 ]; }
zerg_domains() { xl list | awk 'NR > 1 && $1 ~ /^zerg-xenharness-/ { print $2 }'; }
# The prepared domains (named zerg-<daemon>-p<n>; they keep the name once taken).
pool_domains() { xl list | awk 'NR > 1 && $1 ~ /^zerg-xenharness-p[0-9]+$/ { print $2 }'; }
pool_ready_is() { [ "$(metric 'zerg_pool_domains{state="ready"}')" = "$1" ]; }

zerg_serve_tests() {
    if ! start_zerg /zerg/zerg-xen.json; then
        echo "FAIL: zerg-serve-up: /metrics never answered: $(tail -n 3 /tmp/zerg.log | tr '\n' ' ')"
        kill -9 $zpid 2>/dev/null
        return
    fi
    echo "PASS: zerg-serve-up"
    log_from=$(($(wc -l </tmp/zerg.log) + 1))
    : >/tmp/zclient-times
    seen=" "
    distinct=0
    i=1
    while [ $i -le "$cycles" ]; do
        t0=$(now)
        if ! /zerg/zerg-xen-http-get 8080 / 15000 >/tmp/zhead-$i 2>/tmp/zerr-$i; then
            echo "FAIL: zerg-serve-$i: request failed: $(tr '\r\n' '  ' </tmp/zerr-$i | cut -c1-160);" \
                "received $(wc -c </tmp/zhead-$i) bytes: $(head -n 1 /tmp/zhead-$i | tr -d '\r')"
            # The daemon's and the guest's own account of the first failure, for the serial
            # log (a fresh daemon: instance id i is connection i).
            if [ -z "${dumped:-}" ]; then
                dumped=1
                grep "id=$i " /tmp/zerg.log | sed 's/^/zerg.log: /'
                tail -n 5 /tmp/zerg.log | sed 's/^/zerg.log (last): /'
                sed 's/^/guest: /' "$consoles/guest-zerg-xenharness-$i.log" 2>/dev/null
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
            echo "$id $(ms $t0 $t1)" >>/tmp/zclient-times
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
    cycle_times "$log_from" $seen
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

# lost_spares FROM_LINE MODE: prepared domains the daemon lost on their own since line FROM_LINE
# of /tmp/zerg.log (its "prepared domain NAME (domid N) lost: WHY" warnings): how many, and for
# each its reason and the guest's own last console lines (TIME: lines, so that the harness's
# output shows them; the whole console goes to the serial log only). Running-mode spares have
# died on their own under heavy load (docs/xen.md): this is what tells why.
lost_spares() {
    tail -n +"$1" /tmp/zerg.log | sed -n 's/.*prepared domain \([^ ]*\) (domid \([0-9]*\)) lost: \([^;]*\);.*/\1 \2 \3/p' \
        >/tmp/zlost
    echo "TIME: zerg pool ($2): prepared domains lost on their own: $(wc -l </tmp/zlost)"
    while read -r lname ldomid lwhy; do
        echo "TIME: zerg pool ($2): lost $lname (domid $ldomid): $lwhy; its console:" \
            "$(tail -n 3 "$consoles/guest-$lname.log" 2>/dev/null | tr '\r\n' '  ' | cut -c1-300)"
        sed "s/^/guest $lname: /" "$consoles/guest-$lname.log" 2>/dev/null
    done </tmp/zlost
}

# take_race CASE_PREFIX: the zerg-pool-take-race case (see the header) on the running daemon,
# whose pool holds $pool_n ready domains.
take_race() {
    tc=$1-take-race
    if ! wait_for "pool_ready_is $pool_n" 3000; then
        echo "FAIL: $tc: the pool did not fill again within 30 s"
        return
    fi
    spares=$(pool_domains | tr '\n' ' ')
    hits0=$(metric zerg_pool_hits_total)
    fails0=$(metric 'zerg_pool_failures_total{kind="take_failed"}')
    xspid=$(cat /run/xenstored.pid)
    log_at=$(($(wc -l </tmp/zerg.log) + 1))
    kill -STOP "$xspid"
    /zerg/zerg-xen-http-get 8080 / 30000 >/tmp/ztr 2>&1 &
    trc=$!
    took=no
    wait_for '[ "$(metric zerg_pool_hits_total)" = $((hits0 + 1)) ]' 500 && took=yes
    /zerg/zerg-xen-crash $spares 2>/tmp/ztr-crash
    crashed=$?
    kill -CONT "$xspid"
    wait $trc
    fails1=$(metric 'zerg_pool_failures_total{kind="take_failed"}')
    if [ $took = no ]; then
        echo "FAIL: $tc: the request did not take a prepared domain while xenstored was stopped" \
            "(zerg_pool_hits_total $(metric zerg_pool_hits_total), was $hits0)"
    elif [ $crashed != 0 ]; then
        echo "FAIL: $tc: zerg-xen-crash $spares: $(cat /tmp/ztr-crash)"
    elif ! head -n 1 /tmp/ztr | grep -q '^HTTP/1.1 200 '; then
        echo "FAIL: $tc: the request whose prepared domain died got: $(head -n 1 /tmp/ztr | tr -d '\r')" \
            "(no fallback to a cold domain?)"
        tail -n +"$log_at" /tmp/zerg.log | grep -v 'event=http' | tail -n 20 | sed 's/^/zerg.log: /'
    elif [ "$fails1" != $((${fails0:-0} + 1)) ]; then
        echo "FAIL: $tc: zerg_pool_failures_total{kind=\"take_failed\"} is '$fails1', was '$fails0'"
    elif ! tail -n +"$log_at" /tmp/zerg.log | grep -q 'a cold domain instead'; then
        echo "FAIL: $tc: the daemon did not log the fallback"
    elif ! wait_for "tail -n +$log_at /tmp/zerg.log | grep -q ' event=xen_domain .* pool=fallback '" 1000
    then
        echo "FAIL: $tc: no event=xen_domain line with pool=fallback within 10 s"
    else
        echo "PASS: $tc"
    fi
}

# pool_tests MODE: the prepared pool (see the header) with xen.pool_mode MODE. Between
# connections it waits until the pool is full again, so that each connection measures a hit:
# the client's latency, and the cycle from the request to the reaping of the domain that served
# it ("TIME: pooled cycle N", or poolrun for the running mode).
pool_tests() {
    pmode=$1
    pk=pooled
    pc=zerg-pool
    if [ "$pmode" = running ]; then
        pk=poolrun
        pc=zerg-poolrun
    fi
    pool_n=2
    variant pool=$pool_n poolmode=$pmode
    log_from=$(($(wc -l </tmp/zerg.log) + 1))
    t0=$(now)
    if ! start_zerg "$zcfg"; then
        echo "FAIL: $pc-up: daemon did not start: $(tail -n 2 /tmp/zerg.log | tr '\n' ' ' | cut -c1-200)"
        stop_zerg
        return
    fi
    if ! wait_for "pool_ready_is $pool_n" 3000; then
        echo "FAIL: $pc-up: the pool never held $pool_n ready domains" \
            "($(metric 'zerg_pool_domains{state="ready"}') ready; xl list: $(pool_domains | tr '\n' ' '))"
        stop_zerg
        wait_for only_dom0 1000
        return
    fi
    t1=$(now)
    # The metric and xl list are read at different moments: a prepared domain that the daemon
    # has just replaced (or whose creation xl does not list yet) can be missing for an instant.
    # Give them 5 s to agree, and say so if a domain was lost meanwhile.
    if ! wait_for "[ \$(pool_domains | wc -l) = $pool_n ]" 500; then
        echo "FAIL: $pc-up: xl list shows $(pool_domains | wc -l) prepared domains, not $pool_n" \
            "(lost: $(metric 'zerg_pool_failures_total{kind="died"}') died," \
            "$(metric 'zerg_pool_failures_total{kind="create_failed"}') failed to build)"
    else
        echo "PASS: $pc-up"
        echo "TIME: zerg pool ($pmode): $pool_n domains prepared in $(ms $t0 $t1)ms from the daemon's start"
    fi
    : >/tmp/zclient-times
    seen=" "
    served=0
    i=1
    while [ $i -le "$cycles" ]; do
        if ! wait_for "pool_ready_is $pool_n" 3000; then
            echo "FAIL: $pc-serve-$i: the pool did not fill again within 30 s"
            i=$((i + 1))
            continue
        fi
        t0=$(now)
        if ! /zerg/zerg-xen-http-get 8080 / 15000 >/tmp/zphead-$i 2>/tmp/zperr-$i; then
            echo "FAIL: $pc-serve-$i: request failed: $(tr '\r\n' '  ' </tmp/zperr-$i | cut -c1-160);" \
                "received $(wc -c </tmp/zphead-$i) bytes: $(head -n 1 /tmp/zphead-$i | tr -d '\r')"
            i=$((i + 1))
            continue
        fi
        t1=$(now)
        id=$(tr -d '\r' </tmp/zphead-$i | sed -n 's/^X-Zerg-Instance: *//p' | head -n 1)
        if ! head -n 1 /tmp/zphead-$i | grep -q '^HTTP/1.1 200 '; then
            echo "FAIL: $pc-serve-$i: not a 200: $(head -n 1 /tmp/zphead-$i)"
        elif [ -z "$id" ] || echo "$seen" | grep -q " $id "; then
            echo "FAIL: $pc-serve-$i: X-Zerg-Instance '$id' missing or seen before"
        else
            seen="$seen$id "
            served=$((served + 1))
            echo "PASS: $pc-serve-$i"
            echo "$id $(ms $t0 $t1)" >>/tmp/zclient-times
        fi
        i=$((i + 1))
    done
    lost_spares "$log_from" "$pmode"
    # Each instance is reaped before its event=xen_domain line (its domid) is written. All of
    # them, served or not: waiting for the served count alone never ended when a connection had
    # failed, and 1500 tries of a /metrics read each cost 4 minutes of a bench run.
    wait_for all_reaped 150
    hits=$(metric zerg_pool_hits_total)
    misses=$(metric zerg_pool_misses_total)
    domids=$(tail -n +"$log_from" /tmp/zerg.log | grep ' event=xen_domain .* pool=hit ' |
        sed -n 's/.* domid=\([0-9]*\) .*/\1/p' | sort -u | wc -l)
    if [ "$hits" != "$cycles" ] || [ "$misses" != 0 ]; then
        echo "FAIL: $pc-hits: $hits hits and $misses misses for $cycles connections with the pool full"
    elif [ "$domids" != "$hits" ]; then
        echo "FAIL: $pc-hits: $hits hits taken by $domids distinct domains"
    else
        echo "PASS: $pc-hits"
    fi
    cycle_times $pk "$log_from" $seen
    # A prepared domain killed from outside: counted, replaced, and the pool still serves.
    victim=$(pool_domains | head -n 1)
    xl destroy "$victim" 2>/dev/null
    if ! wait_for '[ "$(metric "zerg_pool_failures_total{kind=\"died\"}")" = 1 ]' 1000; then
        echo "FAIL: $pc-replace: destroying domain $victim from outside was not counted" \
            "(zerg_pool_failures_total{kind=\"died\"} = $(metric 'zerg_pool_failures_total{kind="died"}'))"
    elif ! wait_for "pool_ready_is $pool_n && ! pool_domains | grep -qx $victim" 3000; then
        echo "FAIL: $pc-replace: the pool did not get back to $pool_n ready domains:" \
            "$(pool_domains | tr '\n' ' ')"
    elif ! /zerg/zerg-xen-http-get 8080 / 15000 >/tmp/zprep 2>&1 ||
        ! head -n 1 /tmp/zprep | grep -q '^HTTP/1.1 200 '; then
        echo "FAIL: $pc-replace: no 200 after the replacement: $(head -n 1 /tmp/zprep)"
    else
        echo "PASS: $pc-replace"
    fi
    take_race "$pc"
    stop_zerg
    if [ "$zstatus" != 0 ]; then
        echo "FAIL: $pc-stop: exit status $zstatus: $(tail -n 2 /tmp/zerg.log | tr '\n' ' ')"
    elif ! wait_for only_dom0 300; then
        echo "FAIL: $pc-stop: left behind after the daemon stopped:" \
            "$(xl list | awk 'NR > 2 { printf "%s(%s) ", $1, $2 }')"
    else
        echo "PASS: $pc-stop"
    fi
    wait_for only_dom0 1000

    # Orphans: kill -9 with the pool full; a restart without a pool destroys the prepared ones.
    variant pool=$pool_n poolmode=$pmode
    if ! start_zerg "$zcfg" || ! wait_for "pool_ready_is $pool_n" 3000; then
        echo "FAIL: $pc-orphans: the pool did not fill"
        stop_zerg
        return
    fi
    left=$(pool_domains | tr '\n' ' ')
    kill -9 $zpid
    wait $zpid 2>/dev/null
    echo "--- daemon restarted after kill -9 (pool) ---" >>/tmp/zerg.log
    variant pool=0
    if [ -z "$left" ] || [ "$(pool_domains | tr '\n' ' ')" != "$left" ]; then
        echo "FAIL: $pc-orphans: the prepared domains '$left' did not outlive their daemon"
    elif ! start_zerg "$zcfg"; then
        echo "FAIL: $pc-orphans: the restarted daemon did not answer"
    elif ! wait_for '[ -z "$(pool_domains)" ]' 1000; then
        echo "FAIL: $pc-orphans: the restarted daemon left its prepared domains: $(pool_domains | tr '\n' ' ')"
    else
        echo "PASS: $pc-orphans"
    fi
    stop_zerg
    for d in $(zerg_domains); do xl destroy "$d" 2>/dev/null; done
    wait_for only_dom0 1000
}

if [ "${zerg_serve:-0}" = 1 ]; then
    : >/tmp/zerg.log
    zerg_serve_tests
    # Off by default: with libxl on its own thread it passed under load ~5 (every poll answered,
    # 8 x 200) but failed in a run under load ~6: 4 guests crashed on their own after 10 s and
    # 2 served clients never saw their stream end (docs/xen.md). ZERG_XEN_BURST_TEST=1 runs it.
    if [ "${zerg_burst:-0}" = 1 ]; then
        metrics_burst
    else
        echo "SKIP: zerg-metrics-burst: off by default (flaky under heavy load, see docs/xen.md);" \
            "ZERG_XEN_BURST_TEST=1 runs it"
    fi
    never_ready
    guest_crash
    orphans
    bad_kernel
    bad_memory
    if [ "$mode" = bench ]; then
        pool_tests paused
        pool_tests running
    else
        pool_tests "${pool_mode:-paused}"
    fi
    grep -c 'event=instance' /tmp/zerg.log | sed 's/^/TIME: zerg log lines event=instance: /'
    # Destroyed domains are released only once gone from libxl_domain_info (or after the bound).
    echo "TIME: zerg dying domains: released after the bound $(grep -c 'still dying' /tmp/zerg.log)," \
        "gone_ms max $(sed -n 's/.*event=xen_domain .*gone_ms=\([0-9.]*\).*/\1/p' /tmp/zerg.log |
            sort -n | tail -n 1)"
else
    echo "SKIP: zerg-serve: left out by ZERG_XEN_SERVE_TEST=0"
fi
