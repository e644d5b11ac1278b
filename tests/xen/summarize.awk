# summarize: the bench table, from the "TIME: <kind> cycle N: phase=12.3ms ..." lines that the
# dom0 tests print. Nearest-rank p50/p90 per phase over the cycles that passed.
#
#   awk -v mode=bench -v want=50 -v load="1.0 2.0 3.0" -f summarize.awk SERIAL_LINES
#
# want: the cycles each path was asked for (ZERG_XEN_CYCLES); load: the machine's load average
# at the end of the run (TCG is CPU-bound: every figure depends on it).
# Kinds (columns, in this order): xl, libvirt (virsh create in dom0), libxl (libxl directly,
# our test program), zerg (our backend, cold), pooled and poolrun (our backend, a prepared
# domain taken, pool_mode paused or running). A kind that printed "TIME: <kind> not run:
# REASON" shows "not run: REASON" instead of figures. After the table: how many cycles each
# path ran (and whether that is below the issue's 50), and each path's whole cycle against
# xl's in the same run.
BEGIN {
    nk = split("xl libvirt libxl zerg pooled poolrun", kinds, " ")
    split("xl|libvirt|libxl direct|zerg cold|pool paused|pool running", label, "|")
    np = split("create unpause take ready shutdown serve destroy total client", phases, " ")
    for (p = 1; p <= np; p++)
        pknown[phases[p]] = 1
    split("create|unpause|take|ready|shutdown|serve|destroy|whole cycle|client", plabel, "|")
    issue_cycles = 50
}
/^TIME: [a-z]+ not run: / {
    kind = $2
    sub(/^TIME: [a-z]+ not run: /, "")
    notrun[kind] = $0
    next
}
/^TIME: [a-z]+ cycle [0-9]+: / {
    kind = $2
    cycles[kind]++
    for (f = 5; f <= NF; f++) {
        split($f, kv, "=")
        phase = kv[1]
        v = kv[2]
        if (v !~ /^[0-9.]+ms$/)
            continue
        sub(/ms$/, "", v)
        if (!(phase in pknown)) {
            pknown[phase] = 1
            phases[++np] = phase
            plabel[np] = phase
        }
        n = ++count[kind, phase]
        val[kind, phase, n] = v + 0
    }
}
function pct(kind, phase, p,    n, i, j, t, a, rank) {
    n = count[kind, phase]
    if (!n)
        return ""
    for (i = 1; i <= n; i++)
        a[i] = val[kind, phase, i]
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
    rank = int((p * n + 99) / 100)
    if (rank < 1)
        rank = 1
    return a[rank]
}
function cell(kind, phase,    a, b) {
    if (kind in notrun)
        return phase == "create" ? "not run" : ""
    a = pct(kind, phase, 50)
    if (a == "")
        return "-"
    b = pct(kind, phase, 90)
    return sprintf("%.1f / %.1f", a, b)
}
function trim(s) {
    sub(/ +$/, "", s)
    return s
}
function ratio(kind, p,    x, k) {
    x = pct("xl", "total", p)
    k = pct(kind, "total", p)
    if (x == "" || k == "" || k <= 0)
        return ""
    if (x >= k)
        return sprintf("%.1fx faster", x / k)
    return sprintf("%.1fx slower", k / x)
}
END {
    for (i = 1; i <= nk; i++) {
        labelof[kinds[i]] = label[i]
        order[kinds[i]] = i
    }
    shown = 0
    for (k = 1; k <= nk; k++)
        if (cycles[kinds[k]] || (kinds[k] in notrun))
            col[++shown] = kinds[k]
    for (k in cycles)
        if (!(k in order)) {
            col[++shown] = k
            labelof[k] = k
        }
    if (!shown)
        exit
    print "TIME: bench table (" mode " mode): p50 / p90 in ms per phase; machine load average at" \
        " the end of the run: " load
    line = sprintf("TIME: %-12s", "phase")
    for (c = 1; c <= shown; c++)
        line = line sprintf(" | %-17s", labelof[col[c]])
    print trim(line)
    for (p = 1; p <= np; p++) {
        any = 0
        for (c = 1; c <= shown; c++)
            if (count[col[c], phases[p]])
                any = 1
        if (!any)
            continue
        line = sprintf("TIME: %-12s", plabel[p])
        for (c = 1; c <= shown; c++)
            line = line sprintf(" | %-17s", cell(col[c], phases[p]))
        print trim(line)
    }
    line = sprintf("TIME: %-12s", "cycles")
    for (c = 1; c <= shown; c++)
        line = line sprintf(" | %-17s", (col[c] in notrun) ? "0" : cycles[col[c]] + 0)
    print trim(line)
    for (c = 1; c <= shown; c++)
        if (col[c] in notrun)
            print "TIME: " labelof[col[c]] ": not run: " notrun[col[c]]
    below = ""
    for (c = 1; c <= shown; c++)
        if (!(col[c] in notrun) && cycles[col[c]] < issue_cycles)
            below = below " " labelof[col[c]] " " cycles[col[c]] + 0 ","
    if (below != "") {
        sub(/,$/, "", below)
        print "TIME: BELOW THE ISSUE'S " issue_cycles " CYCLES PER PATH:" below \
            (want + 0 < issue_cycles ? " (ZERG_XEN_CYCLES=" want " asked for fewer)" : \
            " (of " want " asked; the others failed, see their FAIL lines)")
    } else
        print "TIME: every path ran at least " issue_cycles " cycles (" want " asked)"
    if (cycles["xl"]) {
        for (c = 1; c <= shown; c++) {
            if (col[c] == "xl" || (col[c] in notrun) || !count[col[c], "total"])
                continue
            print "TIME: whole cycle, " labelof[col[c]] " against xl in this run: " \
                ratio(col[c], 50) " at p50, " ratio(col[c], 90) " at p90"
        }
        for (c = 1; c <= shown; c++)
            if (count[col[c], "client"])
                print "TIME: client latency, " labelof[col[c]] " against xl's whole cycle: " \
                    sprintf("%.1fx", pct("xl", "total", 50) / pct(col[c], "client", 50)) \
                    " faster at p50"
    }
}
