# summarize: p50/p90 per phase of the "TIME: <kind> cycle N: phase=12.3ms ..." lines that the
# dom0 tests print (kind: xl, libxl, zerg). Nearest-rank percentiles over the cycles that passed.
# Prints one table: a row per phase, two columns (p50, p90) per kind, and the cycle counts.
/^TIME: [a-z]+ cycle [0-9]+: / {
    kind = $2
    if (!(kind in seen)) {
        seen[kind] = 1
        kinds[++nkinds] = kind
    }
    cycles[kind]++
    for (f = 5; f <= NF; f++) {
        split($f, kv, "=")
        phase = kv[1]
        v = kv[2]
        sub(/ms$/, "", v)
        if (!(phase in pseen)) {
            pseen[phase] = 1
            phases[++nphases] = phase
        }
        n = ++count[kind, phase]
        val[kind, phase, n] = v + 0
    }
}
function pct(kind, phase, p,    n, i, j, t, a, rank) {
    n = count[kind, phase]
    if (!n)
        return "-"
    for (i = 1; i <= n; i++)
        a[i] = val[kind, phase, i]
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
    rank = int((p * n + 99) / 100)
    if (rank < 1)
        rank = 1
    return sprintf("%.1f", a[rank])
}
END {
    if (!nkinds)
        exit
    line = sprintf("TIME: %-10s", "phase (ms)")
    for (k = 1; k <= nkinds; k++)
        line = line sprintf(" %9s %9s", kinds[k] " p50", kinds[k] " p90")
    print line
    for (p = 1; p <= nphases; p++) {
        line = sprintf("TIME: %-10s", phases[p])
        for (k = 1; k <= nkinds; k++)
            line = line sprintf(" %9s %9s", pct(kinds[k], phases[p], 50), pct(kinds[k], phases[p], 90))
        print line
    }
    line = "TIME: cycles measured:"
    for (k = 1; k <= nkinds; k++)
        line = line sprintf(" %s %d", kinds[k], cycles[kinds[k]])
    print line
}
